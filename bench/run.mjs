#!/usr/bin/env node
/**
 * Adieu benchmark: throughput of the flows (token endpoint, silent SSO, sign-in, a resource server's calls) and
 * back-channel logout fan-out time, each beside oidc-provider (npm) measured in the same run on the same machine.
 * Never part of `npm test`; asserts no time.
 *
 *   npm run bench                      # build, then the full run (15-20 minutes on 2 cores)
 *   node bench/run.mjs --quick         # a smoke run (1-3 minutes; numbers indicative only)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/run.mjs   # adds Adieu on PostgreSQL
 *
 * See bench/README.md for what is measured, how, and why it is fair.
 */
import { cpus, loadavg } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { pin, startChild } from './lib/rpc.mjs';
import { RelyingParty, decodeJwt, rand } from './lib/oidc.mjs';
import { Browser } from './lib/browser.mjs';
import { runLoad, median, machineBusyMs } from './lib/load.mjs';
import { startReceivers } from './lib/receivers.mjs';
import { runScaleOut, scaleOutReport } from './lib/scale-out.mjs';
import { accountsReport, benchAccounts } from './lib/accounts.mjs';
import { benchStorm, stormReport } from './lib/storm.mjs';
import { benchFederation, federationReport } from './lib/federation.mjs';
import { pinLocalPostgres, pinLocalRedis } from './lib/database-cpu.mjs';
import { defaultPasswordHash, passwordHashLabel } from './lib/password-hash.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    runs: { type: 'string' },
    'logout-runs': { type: 'string' },
    participants: { type: 'string' },
    only: { type: 'string' },
    flows: { type: 'string' },
    'scrypt-log-n': { type: 'string' },
    'password-hash': { type: 'string' },
    'no-opaque': { type: 'boolean', default: false },
    'no-floor-server': { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
    json: { type: 'string' },
    profile: { type: 'string' },
    'heap-profile': { type: 'string' },
    cpu: { type: 'string' },
    'db-cpu': { type: 'string', default: 'other' },
    sessions: { type: 'string' },
    ab: { type: 'string' },
    'ab-engine': { type: 'string', default: 'sqlite' },
    alg: { type: 'string', default: 'RS256' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`node bench/run.mjs [--quick] [--concurrency 16] [--duration 2.5] [--warmup 2] [--runs 5]
  [--logout-runs 5] [--participants 1,10,100] [--only flows|logout|sessions|accounts|storm|federation|scale-out]
  [--password-hash argon2id|scrypt] [--scrypt-log-n 16]
  [--flows client_credentials,refresh,silent_sso,sign_in,userinfo,introspection]
  [--no-opaque] [--no-floor-server] [--explain] [--json FILE] [--profile DIR] [--heap-profile DIR] [--cpu 1|none] [--sessions 10000]
  [--ab DIR]   (also run the Adieu of another checkout DIR, built, on SQLite: an interleaved A/B of two builds)
  [--ab-engine sqlite|postgres]   (the engine of the --ab build; postgres needs DATABASE_URL)
  [--db-cpu other|none]   (keep a local PostgreSQL and Redis server off the providers' core; default other)
  [--alg RS256|ES256]   (every token and the floors in this alg on every side; default RS256, issue 18's rule)
Set DATABASE_URL to also measure Adieu on PostgreSQL, REDIS_URL to also measure oidc-provider on Redis.`);
  process.exit(0);
}

const quick = args.quick;
const settings = {
  concurrency: Number(args.concurrency ?? 16),
  durationMs: Number(args.duration ?? (quick ? 2 : 2.5)) * 1000,
  warmupMs: Number(args.warmup ?? (quick ? 1 : 2)) * 1000,
  runs: Number(args.runs ?? (quick ? 1 : 5)),
  logoutRuns: Number(args['logout-runs'] ?? (quick ? 2 : 5)),
  participants: (args.participants ?? '1,10,100').split(',').map(Number),
  // Adieu's default password hash (Argon2id at OWASP's minimum); with scrypt, its default cost (2^16) in full
  // runs and 2^12 in --quick runs to keep their set-up short. The sign_in flow measures it (the cost of
  // security); the report states what was used.
  passwordHash: args['password-hash'] ?? defaultPasswordHash,
  scryptLogN: Number(args['scrypt-log-n'] ?? (quick ? 12 : 16)),
  opaque: !args['no-opaque'] && !quick,
  // The floor server (bench/servers/floor-server.mjs): node:http and jose alone, the least a flow can cost in Node.
  floorServer: !args['no-floor-server'],
  backchannelTimeoutSeconds: 5,
  // Every provider and the signature floor run on this CPU, the load generator on the other ones.
  cpu: args.cpu === 'none' ? undefined : Number(args.cpu ?? Math.min(1, cpus().length - 1)),
  // Sessions per batch in the footprint measurement (one warm-up batch, then two measured ones).
  sessions: Number(args.sessions ?? (quick ? 2000 : 10_000)),
  floorMs: quick ? 300 : 500,
  // Every token on every side, and the floors, in this algorithm (issue 18 fixes RS256; ES256 is Adieu's option).
  alg: args.alg,
};
if (!['RS256', 'ES256'].includes(settings.alg))
  throw new Error(`--alg must be RS256 or ES256, not ${settings.alg}`);
if (!['argon2id', 'scrypt'].includes(settings.passwordHash))
  throw new Error(`--password-hash must be argon2id or scrypt, not ${settings.passwordHash}`);
const doFlows = !args.only || args.only === 'flows';
const doLogout = !args.only || args.only === 'logout';
const doSessions = !args.only || args.only === 'sessions';
const doAccounts = !args.only || args.only === 'accounts';
const doStorm = !args.only || args.only === 'storm';
// The scale-out scenario needs PostgreSQL; it is part of the full run when DATABASE_URL is set.
const doScaleOut = process.env.DATABASE_URL && (!args.only || args.only === 'scale-out') && !quick;
const doFederation = !args.only || args.only === 'federation';

/**
 * Signatures each flow makes on both providers (access token; plus the ID token on refresh and sign-in). A
 * resource server's call signs nothing (Adieu verifies one signature, a fraction of a signing's cost).
 */
const signaturesPerFlow = {
  client_credentials: 1,
  refresh: 2,
  silent_sso: 2,
  sign_in: 2,
  userinfo: 0,
  introspection: 0,
};

/** The same lifetimes on both providers (seconds): Adieu's defaults. */
const ttl = {
  idToken: 3600,
  accessToken: 900,
  refreshToken: 1_209_600,
  code: 60,
  session: 43_200,
  sessionIdle: 1800,
};

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const peerVersion = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('oidc-provider/package.json'), 'utf8'),
).version;
const began = performance.now();
const log = (...a) =>
  console.error(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s]`, ...a);
const slug = (s) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
if (args.profile) mkdirSync(args.profile, { recursive: true });
if (args['heap-profile']) mkdirSync(args['heap-profile'], { recursive: true });
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

// ---------------------------------------------------------------------------------------------------------
// Clients and the user, identical on both providers. High-entropy secrets, client_secret_basic everywhere.

const user = { username: 'alice', password: rand(18), email: 'alice@example.com', name: 'Alice' };
// The sign_in flow's people: one per worker, as in life. One account signed in by 16 browsers at once would
// measure the per-account limiter instead (it counts an attempt before the hash is checked, so more parallel
// checks of one account than its failure budget lock it: docs/security.md).
const signInUsers = Array.from({ length: settings.concurrency }, (_, i) => ({
  username: `person${i + 1}`,
  password: rand(18),
  email: `person${i + 1}@example.com`,
  name: `Person ${i + 1}`,
}));
const secret = () => rand(32);
const machine = {
  client_id: 'bench-m2m',
  client_secret: secret(),
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials'],
  // A machine client takes no part in the authorization endpoint (Adieu's config refuses "code" without the
  // authorization_code grant).
  response_types: [],
  redirect_uris: [],
  scope: 'api',
};
const web = {
  client_id: 'bench-web',
  client_secret: secret(),
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1:9/bench-web/cb'],
  scope: 'openid offline_access api',
};
// The flows part starts with one logout of one participant (benchFlows).
const maxParticipants = doLogout ? Math.max(...settings.participants) : doFlows ? 1 : 0;
const receivers = await startReceivers(maxParticipants);
const participants = receivers.urls.map((uri, i) => ({
  client_id: `rp-${i + 1}`,
  client_name: `RP ${i + 1}`,
  client_secret: secret(),
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: [`http://127.0.0.1:9/rp-${i + 1}/cb`],
  scope: 'openid',
  backchannel_logout_uri: uri,
  backchannel_logout_session_required: true,
}));
// With --alg ES256 every client asks for ES256 ID tokens (and so logout tokens), on both providers.
const clients = [machine, web, ...participants].map((c) =>
  settings.alg === 'RS256' ? c : { ...c, id_token_signed_response_alg: settings.alg },
);
const common = {
  alg: settings.alg,
  clients,
  ttl,
  backchannelTimeoutSeconds: settings.backchannelTimeoutSeconds,
  passwordHash: settings.passwordHash,
};

/** The measured flows: what each worker (one browser, one refresh-token chain) does once per flow. */
const flows = [
  {
    id: 'client_credentials',
    label: 'client_credentials',
    op: (t) => () => t.rp.clientCredentials(machine),
  },
  { id: 'refresh', label: 'refresh-token rotation', op: (t, w) => () => t.rp.refresh(web, w.chain) },
  {
    id: 'silent_sso',
    label: 'silent SSO sign-in (prompt=none + code exchange)',
    op: (t, w) => () => t.rp.silentSignIn(web, w.cookie),
  },
  {
    // The cost of security, reported on its own (issue 18): a new browser each time, so every flow is a
    // login page, a password check at the configured hash cost, a new SSO session and a code exchange. The
    // peer's development login checks no password at all, so its number is what the rest of the flow costs.
    id: 'sign_in',
    label: 'password sign-in (login page, password hash, new session, code exchange)',
    op: (t, w) => () => new Browser().signIn(t.rp, web, w.person),
  },
  {
    // What an API does with every request it gets, when it asks the provider: the access token is a worker's
    // own, from its refresh-token chain, so it belongs to a live SSO session.
    id: 'userinfo',
    label: 'userinfo (a resource server, bearer access token)',
    resourceServer: true,
    op: (t, w) => () => t.rp.userinfo(w.accessToken),
  },
  {
    id: 'introspection',
    label: 'introspection of an access token (RFC 7662, a resource server)',
    resourceServer: true,
    op: (t, w) => () => t.rp.introspect(machine, w.accessToken),
  },
];
const chosenFlows = args.flows ? args.flows.split(',') : flows.map((f) => f.id);
for (const id of chosenFlows) if (!flows.some((f) => f.id === id)) throw new Error(`--flows: no flow ${id}`);
/**
 * A resource server's calls with an access token. oidc-provider answers neither with its JWT access tokens (they
 * are audience-restricted to the resource, which its userinfo refuses, and its introspection rejects structured
 * tokens), so its opaque-token row is the peer for them, and it runs for them even with --no-opaque or --quick.
 */
const resourceServerFlows = flows.filter((f) => f.resourceServer).map((f) => f.id);
const wantResourceServerFlows = doFlows && chosenFlows.some((id) => resourceServerFlows.includes(id));

// ---------------------------------------------------------------------------------------------------------
// Targets: Adieu on SQLite (and PostgreSQL when DATABASE_URL is set), oidc-provider with JWT access tokens
// (the same work as Adieu; also on Redis when REDIS_URL is set), and oidc-provider with its default opaque access
// tokens (for reference).

const targets = [
  {
    name: 'Adieu (SQLite file)',
    kind: 'adieu',
    start: () =>
      startChild(
        here('./servers/adieu.mjs'),
        { ...common, engine: 'sqlite', users: [user, ...signInUsers], scryptLogN: settings.scryptLogN },
        { cpu: settings.cpu },
      ),
  },
];
if (args.ab) {
  const pg = args['ab-engine'] === 'postgres';
  if (pg && !process.env.DATABASE_URL) throw new Error('--ab-engine postgres needs DATABASE_URL');
  // The other checkout's own child script, so it runs that checkout's packages/server/dist.
  targets.push({
    name: `Adieu B (${pg ? 'PostgreSQL' : 'SQLite file'}, ${args.ab})`,
    kind: 'adieu',
    start: () =>
      startChild(
        join(args.ab, 'bench/servers/adieu.mjs'),
        {
          ...common,
          engine: pg ? 'postgres' : 'sqlite',
          ...(pg ? { databaseUrl: process.env.DATABASE_URL } : {}),
          users: [user, ...signInUsers],
          scryptLogN: settings.scryptLogN,
        },
        { cpu: settings.cpu },
      ),
  });
}
if (process.env.DATABASE_URL) {
  targets.push({
    name: 'Adieu (PostgreSQL)',
    kind: 'adieu',
    start: () =>
      startChild(
        here('./servers/adieu.mjs'),
        {
          ...common,
          engine: 'postgres',
          databaseUrl: process.env.DATABASE_URL,
          users: [user, ...signInUsers],
          scryptLogN: settings.scryptLogN,
        },
        { cpu: settings.cpu },
      ),
  });
}
targets.push({
  name: 'oidc-provider (JWT AT)',
  kind: 'oidc-provider',
  peer: true,
  jwtPeer: true,
  start: () =>
    startChild(
      here('./servers/oidc-provider.mjs'),
      { ...common, accessTokenFormat: 'jwt' },
      { cpu: settings.cpu },
    ),
});
if (process.env.REDIS_URL && doFlows) {
  // The peer as deployed when its state must outlive one process: a Redis adapter, so every adapter call is a
  // round trip, as every Adieu statement on PostgreSQL is. Compared with Adieu on PostgreSQL in the report.
  targets.push({
    name: 'oidc-provider (JWT AT, Redis)',
    kind: 'oidc-provider',
    reference: true,
    jwtPeer: true,
    start: () =>
      startChild(
        here('./servers/oidc-provider.mjs'),
        { ...common, accessTokenFormat: 'jwt', storage: 'redis', redisUrl: process.env.REDIS_URL },
        { cpu: settings.cpu },
      ),
  });
}
if ((settings.opaque || wantResourceServerFlows) && doFlows) {
  targets.push({
    name: 'oidc-provider (opaque AT)',
    kind: 'oidc-provider',
    reference: true,
    // Started for the resource server's flows alone when the opaque row is otherwise off.
    ...(settings.opaque ? {} : { onlyFlows: resourceServerFlows }),
    start: () =>
      startChild(
        here('./servers/oidc-provider.mjs'),
        { ...common, accessTokenFormat: 'opaque' },
        { cpu: settings.cpu },
      ),
  });
}

if (settings.floorServer && doFlows) {
  // Not a provider: a yardstick. What a flow costs on it over the signature floor is what Node.js and jose add to
  // the signatures; what a provider costs over it is the provider's own work (bench/README.md, "The floor server").
  targets.push({
    name: 'floor server (node:http + jose, no provider)',
    kind: 'floor-server',
    reference: true,
    start: () =>
      startChild(
        here('./servers/floor-server.mjs'),
        { ...common, users: [user, ...signInUsers] },
        { cpu: settings.cpu },
      ),
  });
}

const results = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
  settings,
  flows: [],
  logout: [],
  otherCores: [],
  /** CPU ms per signature (settings.alg), one sample per round of runs, on the providers' core. */
  floor: [],
  /** CPU ms per JWT signed by jose through WebCrypto (bench/servers/floor.mjs), each time the floor is sampled. */
  jwtFloor: [],
  loadAverage: [],
  sessions: [],
  shapes: [],
  logoutTokens: {},
};

log(
  `Adieu bench ${quick ? '(quick) ' : ''}- ${results.machine.cores} cores, ${results.machine.cpu}, node ${process.version}`,
);
log(
  `concurrency ${settings.concurrency}, ${settings.runs} run(s) x ${settings.durationMs / 1000}s after ${settings.warmupMs / 1000}s warm-up; ` +
    `logout: ${settings.logoutRuns} run(s) per size, participants ${settings.participants.join('/')}`,
);

let exitCode = 0;
let floor;
/** Local servers (PostgreSQL, Redis) moved off the providers' core for the run, put back at its end. */
const offCore = [];
/** Record a server's pinning (bench/lib/database-cpu.mjs) for the end of the run, the log and the report. */
function keepOffCore(label, handle) {
  if (!offCore.length) {
    // A run stopped with Ctrl-C or killed by a timeout must not leave a server on one core.
    process.once('exit', () => offCore.forEach((h) => h.restore()));
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
  }
  offCore.push(handle);
  const processes = handle.processes > 1 ? ` (${handle.processes} processes)` : '';
  log(
    handle.pinned
      ? `${label}${processes} pinned to CPU ${handle.cpus}, off the providers' core`
      : `${label} NOT pinned: ${handle.reason}`,
  );
  return handle.pinned
    ? { pinned: true, cpus: handle.cpus, processes: handle.processes }
    : { pinned: false, reason: handle.reason };
}
try {
  if (settings.cpu !== undefined) {
    // The load generator (this process) keeps off the providers' core.
    const others = cpus()
      .map((_, i) => i)
      .filter((i) => i !== settings.cpu);
    if (others.length) pin(process.pid, others.join(','));
    log(
      `providers and the signature floor pinned to CPU ${settings.cpu}, load generator to ${others.join(',')}`,
    );
    if (process.env.DATABASE_URL && args['db-cpu'] !== 'none' && others.length) {
      results.databaseCpu = keepOffCore(
        'PostgreSQL server',
        pinLocalPostgres(process.env.DATABASE_URL, others.join(',')),
      );
    }
    if (process.env.REDIS_URL && doFlows && args['db-cpu'] !== 'none' && others.length) {
      results.redisCpu = keepOffCore('Redis server', pinLocalRedis(process.env.REDIS_URL, others.join(',')));
    }
  }
  floor = await startChild(here('./servers/floor.mjs'), { alg: settings.alg }, { cpu: settings.cpu });
  await measureFloor();
  for (const t of targets) {
    log(`starting ${t.name} ...`);
    t.server = await t.start();
    t.pool = new Pool(t.server.issuer, { connections: settings.concurrency + 2, pipelining: 1 });
    t.rp = await RelyingParty.discover(t.server.issuer, t.pool);
  }
  if (doFlows) await benchFlows();
  if (doLogout) await benchLogout();
  if (doSessions) await benchSessions();
  if (doAccounts)
    results.accounts = await benchAccounts({
      targets: targets.filter((t) => t.kind === 'adieu'),
      web,
      people: [user, ...signInUsers],
      settings,
      log,
    });
  if (doStorm)
    results.storm = await benchStorm({
      targets: targets.filter((t) => t.kind === 'adieu'),
      web,
      user,
      people: signInUsers,
      settings,
      log,
    });
  if (doScaleOut) results.scaleOut = await runScaleOut({ databaseUrl: process.env.DATABASE_URL, log });
  if (doFederation) {
    results.federation = await benchFederation({
      settings: { ...settings, quick, explain: args.explain },
      log,
      common,
      web,
      user,
      otherCpus:
        settings.cpu === undefined
          ? undefined
          : cpus()
              .map((_, i) => i)
              .filter((i) => i !== settings.cpu)
              .join(',') || undefined,
    });
  }
  await measureFloor();
} catch (e) {
  exitCode = 1;
  log(e);
} finally {
  for (const t of targets) {
    await t.pool?.close();
    await t.server?.stop();
  }
  await floor?.stop();
  await receivers.close();
  for (const handle of offCore) handle.restore();
}
if (exitCode === 0) {
  console.log(report());
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
}
process.exitCode = exitCode;

// ---------------------------------------------------------------------------------------------------------

/** One sample of the signature floor on the providers' core, and the machine's load average. */
async function measureFloor() {
  const { cpuMsPerSign, cpuMsPerJwt } = await floor.call('measure', settings.floorMs);
  results.floor.push(cpuMsPerSign);
  results.jwtFloor.push(cpuMsPerJwt);
  results.loadAverage.push(loadavg()[0]);
  log(
    `${settings.alg} signature floor: ${fmt(cpuMsPerSign, 3)} ms CPU per signature, ${fmt(cpuMsPerJwt, 3)} per JWT through ` +
      `jose; load average ${fmt(loadavg()[0], 2)}`,
  );
}

/**
 * For every row after a flow's first Adieu row: its CPU per flow over that Adieu row's, round by round. A median of
 * per-round ratios resolves differences of a few per cent that medians taken apart do not, when the machine's
 * speed drifts between rounds (shared VMs: bench/README.md, "How it measures").
 */
function pairedRatios() {
  const out = [];
  for (const flowId of [...new Set(results.flows.map((f) => f.flow))]) {
    const rows = results.flows.filter((f) => f.flow === flowId);
    const first = rows.find((r) => !r.peer && !r.reference);
    for (const r of rows) {
      if (r === first || !first?.cpuRuns || !r.cpuRuns) continue;
      const n = Math.min(first.cpuRuns.length, r.cpuRuns.length);
      const ratios = [];
      for (let i = 0; i < n; i++) ratios.push(r.cpuRuns[i] / first.cpuRuns[i]);
      if (ratios.length) out.push({ label: r.label, target: r.target, ratios });
    }
  }
  return out;
}

/**
 * Adieu on PostgreSQL beside oidc-provider on Redis, per flow, when both ran: the comparison of the two with their
 * state out of process. `ratios` are the peer's CPU per flow over Adieu's, round by round.
 */
function storeRoundTripRows() {
  const out = [];
  for (const flowId of [...new Set(results.flows.map((f) => f.flow))]) {
    const rows = results.flows.filter((f) => f.flow === flowId);
    const pg = rows.find((r) => r.target === 'Adieu (PostgreSQL)');
    const redis = rows.find((r) => r.target === 'oidc-provider (JWT AT, Redis)');
    if (!pg || !redis) continue;
    const n = Math.min(pg.cpuRuns.length, redis.cpuRuns.length);
    const ratios = [];
    for (let i = 0; i < n; i++) ratios.push(redis.cpuRuns[i] / pg.cpuRuns[i]);
    out.push({ label: pg.label, pg, redis, ratios });
  }
  return out;
}

/**
 * Per flow, when the floor server ran: its CPU per flow over the signature floor, and every provider's CPU and
 * main-thread CPU per flow above it (medians).
 */
function floorServerRows() {
  const out = [];
  for (const flowId of [...new Set(results.flows.map((f) => f.flow))]) {
    const rows = results.flows.filter((f) => f.flow === flowId);
    const bare = rows.find((r) => r.kind === 'floor-server');
    if (!bare) continue;
    out.push({
      label: bare.label,
      floorRatio: bare.cpuMsPerFlow / (signaturesPerFlow[flowId] * floorMs()),
      rows: rows
        .filter((r) => r !== bare)
        .map((r) => ({
          target: r.target,
          ownMs: r.cpuMsPerFlow - bare.cpuMsPerFlow,
          ownMainMs: r.mainMsPerFlow - bare.mainMsPerFlow,
        })),
    });
  }
  return out;
}

/** The signature floor of this run: the median of its samples. */
function floorMs() {
  return median(results.floor);
}

/** The JWT floor of this run (jose through WebCrypto): the median of its samples. */
function jwtFloorMs() {
  return median(results.jwtFloor);
}

async function benchSessions() {
  for (const t of targets.filter((x) => x.kind === 'adieu')) {
    log(`${t.name}: sessions footprint, ${settings.sessions} sessions per batch ...`);
    const batches = await t.server.call('sessionFootprint', {
      n: settings.sessions,
      batches: 3,
      username: user.username,
    });
    const measured = batches.filter((b) => !b.warmup);
    results.sessions.push({
      target: t.name,
      n: settings.sessions,
      diskPerSession: median(measured.map((b) => b.diskPerSession)),
      rssPerSession: measured.map((b) => b.rssPerSession),
      heapPerSession: measured.map((b) => b.heapPerSession),
      rssMb: batches.map((b) => b.rssMb),
    });
  }
}

async function benchFlows() {
  // Each worker is one browser with its own SSO session and its own refresh-token chain.
  for (const t of targets) {
    log(`${t.name}: signing in ${settings.concurrency} browsers ...`);
    t.workers = [];
    for (let i = 0; i < settings.concurrency; i++) {
      const browser = new Browser();
      const tokens = await browser.signIn(t.rp, web, user);
      if (!tokens.refresh_token) throw new Error(`${t.name}: no refresh token at sign-in`);
      t.workers.push({
        person: signInUsers[i],
        chain: { rt: tokens.refresh_token },
        cookie: await browser.cookieHeader(t.server.issuer),
      });
    }
  }
  // A live provider has served logout pages. A cost for every later request that starts with the first one (until
  // the tenth session, an AsyncLocalStorage scope turned on Node's promise hooks for good) belongs in the numbers.
  for (const t of targets.filter((x) => x.kind !== 'floor-server')) {
    log(`${t.name}: one RP-initiated logout before the flows, as a live provider has served some`);
    const first = await logoutOnce(t, 1);
    if (first.problems.length)
      throw new Error(`${t.name}: the logout before the flows: ${first.problems[0]}`);
  }
  for (const flow of flows.filter((f) => chosenFlows.includes(f.id))) {
    const flowTargets = targets.filter(
      (t) => (!t.onlyFlows || t.onlyFlows.includes(flow.id)) && !(t.jwtPeer && flow.resourceServer),
    );
    if (flow.resourceServer) {
      // A fresh access token per worker (a refresh of its chain): the tokens of the sign-in may be near expiry.
      for (const t of flowTargets) {
        for (const w of t.workers) w.accessToken = (await t.rp.refresh(web, w.chain)).access_token;
      }
    }
    // What each provider answers for this flow, so that the report shows they do the same work.
    for (const t of flowTargets) {
      results.shapes.push({ flow: flow.id, target: t.name, shape: shape(await flow.op(t, t.workers[0])()) });
    }
    const ops = (t) => t.workers.map((w) => flow.op(t, w));
    for (const t of flowTargets) {
      log(`${flow.id}: warming up ${t.name}`);
      const warm = await runLoad(ops(t), settings.warmupMs);
      if (warm.ops === 0)
        throw new Error(`${t.name} ${flow.id}: every warm-up flow failed: ${warm.firstError}`);
    }
    const runs = new Map(flowTargets.map((t) => [t, []]));
    // Runs interleave the targets (A B C, A B C, ...) so that drift on the machine hits all of them alike.
    for (let r = 0; r < settings.runs; r++) {
      await measureFloor();
      for (const t of flowTargets) {
        await t.server.call('loopReset');
        const before = await t.server.call('counters');
        const cpu0 = process.cpuUsage();
        const busy0 = machineBusyMs();
        const res = await runLoad(ops(t), settings.durationMs);
        const busy1 = machineBusyMs();
        const cpu1 = process.cpuUsage(cpu0);
        const after = await t.server.call('counters');
        res.loop = await t.server.call('loopDelay');
        res.queriesPerFlow = (after.queries - before.queries) / Math.max(1, res.ops);
        res.cpuMsPerFlow = (after.cpuMs - before.cpuMs) / Math.max(1, res.ops);
        res.mainMsPerFlow = (after.mainMs - before.mainMs) / Math.max(1, res.ops);
        res.loadCpuMsPerFlow = (cpu1.user + cpu1.system) / 1000 / Math.max(1, res.ops);
        // Cores used by processes other than this benchmark during the run (other jobs on a shared machine).
        res.otherCores =
          busy0 === undefined
            ? NaN
            : (busy1 - busy0 - (after.cpuMs - before.cpuMs) - (cpu1.user + cpu1.system) / 1000) /
              res.elapsedMs;
        results.otherCores.push(res.otherCores);
        if (after.byMethod) {
          res.byMethod = Object.fromEntries(
            Object.entries(after.byMethod)
              .map(([k, v]) => [k, (v - (before.byMethod[k] ?? 0)) / Math.max(1, res.ops)])
              .filter(([, v]) => v > 0),
          );
        }
        runs.get(t).push(res);
        log(
          `${flow.id} run ${r + 1} ${t.name}: ${fmt(res.rps)} flows/s, p50 ${fmt(res.p50, 1)} ms, ` +
            `${fmt(res.queriesPerFlow, 2)} queries/flow, provider CPU ${fmt(res.cpuMsPerFlow, 2)} ms/flow (main thread ${fmt(res.mainMsPerFlow, 2)}) ` +
            `(load generator ${fmt(res.loadCpuMsPerFlow, 2)}), loop delay p99 ${fmt(res.loop.p99, 1)} ms, other processes ${fmt(res.otherCores, 2)} cores${res.errors ? `, ${res.errors} ERRORS: ${res.firstError}` : ''}`,
        );
      }
    }
    if (args.profile) {
      // One extra, untimed run per provider under the CPU profiler (the profiler slows what it watches).
      for (const t of flowTargets) {
        await t.server.call('profileStart');
        const { ops: flows } = await runLoad(ops(t), settings.durationMs);
        const file = join(args.profile, `${flow.id}-${slug(t.name)}.cpuprofile`);
        await t.server.call('profileStop', { file, flows });
      }
    }
    if (args['heap-profile']) {
      // And one more under the allocation sampler: bytes allocated per flow, by site (bench/tools/heap-summary.mjs).
      for (const t of flowTargets) {
        await t.server.call('heapProfileStart');
        const { ops: flows } = await runLoad(ops(t), settings.durationMs);
        const file = join(args['heap-profile'], `${flow.id}-${slug(t.name)}.heapprofile`);
        await t.server.call('heapProfileStop', { file, flows });
        log(`heap profile: ${file} (${flows} flows)`);
      }
    }
    for (const t of flowTargets) {
      const rs = runs.get(t);
      const rps = rs.map((x) => x.rps);
      results.flows.push({
        flow: flow.id,
        label: flow.label,
        target: t.name,
        kind: t.kind,
        peer: !!t.peer,
        reference: !!t.reference,
        rps: median(rps),
        min: Math.min(...rps),
        max: Math.max(...rps),
        p50: median(rs.map((x) => x.p50)),
        p99: median(rs.map((x) => x.p99)),
        queriesPerFlow: median(rs.map((x) => x.queriesPerFlow)),
        cpuMsPerFlow: median(rs.map((x) => x.cpuMsPerFlow)),
        mainMsPerFlow: median(rs.map((x) => x.mainMsPerFlow)),
        loopP99: median(rs.map((x) => x.loop.p99)),
        loopMax: Math.max(...rs.map((x) => x.loop.max)),
        byMethod: rs.at(-1).byMethod,
        errors: rs.reduce((s, x) => s + x.errors, 0),
        runs: rs.map((x) => Math.round(x.rps)),
        // Per round, in round order: the rounds run every target back to back, so round r of two targets
        // saw the same state of the machine and their ratio is a paired measurement (pairedRatios below).
        cpuRuns: rs.map((x) => x.cpuMsPerFlow),
      });
    }
    if (args.explain) await explain(flow, flowTargets);
  }
}

/** A token response in a few words: token formats, signing algorithm, JWT claim names. */
function shape(json) {
  const jwt = (token) => {
    if (typeof token !== 'string' || token.split('.').length !== 3) return 'opaque';
    const { header, payload } = decodeJwt(token);
    return `JWT ${header.alg}${header.typ ? ` typ ${header.typ}` : ''} {${Object.keys(payload).sort().join(' ')}}`;
  };
  // A resource server's answer (userinfo, introspection): its members.
  if (!json.access_token) return `{${Object.keys(json).sort().join(' ')}}`;
  const parts = [`access_token ${jwt(json.access_token)}`];
  if (json.id_token) parts.push(`id_token ${jwt(json.id_token)}`);
  if (json.refresh_token) parts.push('refresh_token');
  return parts.join('; ');
}

/** One flow, alone, with the SQL it sends (Adieu) or the adapter calls it makes (oidc-provider). */
async function explain(flow, flowTargets) {
  for (const t of flowTargets) {
    const w = t.workers[0];
    if (t.kind === 'floor-server') continue; // no store: nothing to list
    if (t.kind === 'adieu') {
      await t.server.call('traceStart');
      await flow.op(t, w)();
      const sql = await t.server.call('traceStop');
      console.log(`\n${flow.id} on ${t.name}: ${sql.length} statements`);
      for (const s of sql) console.log(`  ${s.replace(/\s+/g, ' ').slice(0, 160)}`);
    } else {
      const before = await t.server.call('counters');
      await flow.op(t, w)();
      const after = await t.server.call('counters');
      const calls = Object.entries(after.byMethod)
        .map(([k, v]) => [k, v - (before.byMethod[k] ?? 0)])
        .filter(([, v]) => v > 0);
      console.log(`\n${flow.id} on ${t.name}: ${after.queries - before.queries} adapter calls`);
      for (const [k, v] of calls) console.log(`  ${k} x${v}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

async function benchLogout() {
  const logoutTargets = targets.filter((t) => !t.reference);
  for (const n of settings.participants) {
    const runs = new Map(logoutTargets.map((t) => [t, []]));
    for (let r = -1; r < settings.logoutRuns; r++) {
      for (const t of logoutTargets) {
        const res = await logoutOnce(t, n);
        if (r < 0) continue; // warm-up
        runs.get(t).push(res);
        log(
          `logout n=${n} run ${r + 1} ${t.name}: last ack ${fmt(res.lastAckMs, 1)} ms, ` +
            `end_session answered ${fmt(res.responseMs, 1)} ms, ${res.valid}/${n} valid tokens` +
            (res.problems.length ? `, PROBLEMS: ${res.problems.slice(0, 3).join('; ')}` : ''),
        );
      }
    }
    if (args.profile) {
      // One extra, untimed logout per provider with the profiler on around the logout alone (not its set-up).
      for (const t of logoutTargets) {
        await logoutOnce(t, n, { profile: join(args.profile, `logout-${n}-${slug(t.name)}.cpuprofile`) });
      }
    }
    if (args.explain) {
      // One extra, untimed logout per Adieu target listing the SQL it sent, grouped.
      for (const t of logoutTargets.filter((x) => x.kind === 'adieu')) {
        const sql = (await logoutOnce(t, n, { trace: true })).sql;
        const groups = new Map();
        for (const q of sql) {
          const k = q.replace(/\s+/g, ' ').slice(0, 150);
          groups.set(k, (groups.get(k) ?? 0) + 1);
        }
        console.log(`\nlogout of ${n} participants on ${t.name}: ${sql.length} statements`);
        for (const [k, c] of [...groups].sort((a, b) => b[1] - a[1]))
          console.log(`  ${String(c).padStart(4)} x ${k}`);
      }
    }
    for (const t of logoutTargets) {
      const rs = runs.get(t);
      const ok = rs.filter((x) => x.received === n);
      const ms = ok.map((x) => x.lastAckMs);
      results.logout.push({
        participants: n,
        target: t.name,
        peer: !!t.peer,
        median: ok.length ? median(ms) : NaN,
        firstAck: ok.length ? median(ok.map((x) => x.firstAckMs)) : NaN,
        min: ok.length ? Math.min(...ms) : NaN,
        max: ok.length ? Math.max(...ms) : NaN,
        response: median(rs.map((x) => x.responseMs)),
        complete: `${ok.length}/${rs.length}`,
        valid: rs.reduce((s, x) => s + x.valid, 0),
        expected: n * rs.length,
        queries: median(rs.map((x) => x.queries)),
        cpuMs: median(rs.map((x) => x.cpuMs)),
        problems: [...new Set(rs.flatMap((x) => x.problems))].slice(0, 5),
      });
    }
  }
}

/**
 * One SSO session with `n` participants (sign in through rp-1, then a silent sign-in for each of the others),
 * then RP-initiated logout with rp-1's ID token as the hint. Timed from the end_session request to the last
 * receiver's 200. oidc-provider always shows a confirmation form; submitting it is part of the timed work.
 */
async function logoutOnce(t, n, { profile, trace } = {}) {
  const browser = new Browser();
  const first = await browser.signIn(t.rp, participants[0], user);
  const cookie = await browser.cookieHeader(t.server.issuer);
  // The sid each RP was given in its ID token: Adieu has one per SSO session, oidc-provider one per client.
  const sids = [decodeJwt(first.id_token).payload.sid];
  for (let i = 1; i < n; i++) {
    const tokens = await t.rp.silentSignIn(participants[i], cookie);
    sids.push(decodeJwt(tokens.id_token).payload.sid);
  }
  const q = new URLSearchParams({ id_token_hint: first.id_token, client_id: participants[0].client_id });
  const url = `${t.rp.meta.end_session_endpoint}?${q}`;

  if (profile) await t.server.call('profileStart');
  if (trace) await t.server.call('traceStart');
  const before = await t.server.call('counters');
  const wait = receivers.expect(n, 30_000);
  const t0 = performance.now();
  let page = await browser.navigate(url);
  if (t.kind === 'oidc-provider') {
    const form = page.doc.querySelector('form');
    if (!form) throw new Error(`${t.name}: no logout confirmation form: ${page.body.slice(0, 200)}`);
    page = await browser.submit(page, form, {}, { logout: 'yes' });
  }
  const responseMs = performance.now() - t0;
  const got = await wait.done;
  const lastAckMs = Math.max(...got.map((g) => g.at)) - t0;
  const firstAckMs = Math.min(...got.map((g) => g.at)) - t0;
  // Let the provider finish recording the deliveries before reading its counter.
  await new Promise((r) => setTimeout(r, 200));
  const after = await t.server.call('counters');
  if (profile) await t.server.call('profileStop', { file: profile });
  const sql = trace ? await t.server.call('traceStop') : undefined;

  const problems = [];
  if (page.status >= 400) problems.push(`end_session HTTP ${page.status}`);
  if (got.length < n) problems.push(`only ${got.length}/${n} receivers got a token within 30 s`);
  let valid = 0;
  for (const g of got) {
    const expectAud = participants[g.index].client_id;
    try {
      const { header, payload } = decodeJwt(g.token);
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      const bad = [
        header.typ !== 'logout+jwt' && `typ ${header.typ}`,
        header.alg !== settings.alg && `alg ${header.alg}`,
        payload.iss !== t.server.issuer && 'iss',
        !aud.includes(expectAud) && 'aud',
        (!payload.sid || payload.sid !== sids[g.index]) && 'sid',
        !payload.events?.['http://schemas.openid.net/event/backchannel-logout'] && 'events',
        payload.nonce !== undefined && 'nonce',
        !payload.jti && 'jti',
        !(payload.exp - payload.iat <= 120) && 'exp',
      ].filter(Boolean);
      if (bad.length) problems.push(`token for ${expectAud}: bad ${bad.join(', ')}`);
      else valid++;
      results.logoutTokens[t.name] ??=
        `header {${Object.keys(header).sort().join(' ')}} claims {${Object.keys(payload).sort().join(' ')}}`;
    } catch (e) {
      problems.push(`token for ${expectAud}: ${e.message}`);
    }
  }
  return {
    lastAckMs,
    firstAckMs,
    responseMs,
    received: got.length,
    valid,
    problems,
    queries: after.queries - before.queries,
    cpuMs: after.cpuMs - before.cpuMs,
    sql,
  };
}

// ---------------------------------------------------------------------------------------------------------

function report() {
  const out = [];
  const m = results.machine;
  out.push(
    `\n## Results ${results.date.slice(0, 10)} — ${m.cores} cores (${m.cpu}), Node ${m.node}` +
      `${quick ? ' — QUICK RUN, indicative only' : ''}\n`,
  );
  out.push(
    `oidc-provider ${peerVersion}; Adieu password hash ${passwordHashLabel(settings)}; whole run took ` +
      `${((performance.now() - began) / 1000).toFixed(0)} s.\n`,
  );
  out.push(
    `${settings.alg} signature floor (node:crypto sign, ${settings.alg === 'RS256' ? '2048-bit RSA' : 'P-256'} key, on the providers' core ` +
      `${settings.cpu ?? '(not pinned)'}): **${fmt(floorMs(), 3)} ms CPU per signature** (median of ` +
      `${results.floor.length} samples, ${fmt(Math.min(...results.floor), 3)}–${fmt(Math.max(...results.floor), 3)}). ` +
      `Load average (1 min) during the run: ${fmt(Math.min(...results.loadAverage), 2)}–` +
      `${fmt(Math.max(...results.loadAverage), 2)} on ${m.cores} cores.\n`,
  );
  out.push(
    `JWT floor (an ID token signed by jose through WebCrypto, as both providers sign, one per thread of libuv's pool, every ` +
      `thread's CPU): **${fmt(jwtFloorMs(), 3)} ms CPU per JWT** (${fmt(Math.min(...results.jwtFloor), 3)}–` +
      `${fmt(Math.max(...results.jwtFloor), 3)}), ${fmt(jwtFloorMs() / floorMs(), 2)}× the signature: jose's ` +
      `JWT alone, in a process that does nothing else (a busy server can pay less per JWT: the floor server's ` +
      `rows below, when it ran, are the yardstick that includes HTTP).\n`,
  );
  if (results.databaseCpu) {
    out.push(
      results.databaseCpu.pinned
        ? `PostgreSQL server (local, ${results.databaseCpu.processes} processes) pinned to CPU ` +
            `${results.databaseCpu.cpus}, off the providers' core (\`--db-cpu none\` leaves it where the scheduler puts it).\n`
        : `PostgreSQL server **not pinned** (${results.databaseCpu.reason}): it may share the providers' core and ` +
            `inflate Adieu's CPU per flow on PostgreSQL.\n`,
    );
  }
  if (results.redisCpu) {
    out.push(
      results.redisCpu.pinned
        ? `Redis server (local) pinned to CPU ${results.redisCpu.cpus}, off the providers' core.\n`
        : `Redis server **not pinned** (${results.redisCpu.reason}): it may share the providers' core and ` +
            `inflate oidc-provider's CPU per flow on Redis.\n`,
    );
  }
  if (results.flows.length) {
    out.push(
      `Throughput: ${settings.concurrency} concurrent keep-alive workers, median of ${settings.runs} run(s) of ` +
        `${settings.durationMs / 1000} s after ${settings.warmupMs / 1000} s warm-up.\n`,
    );
    out.push(
      '| flow | provider | flows/s (median) | runs min–max | p50 ms | p99 ms | store queries / flow | provider CPU ms / flow | of it main thread | CPU ÷ signature floor | CPU ÷ JWT floor | event-loop delay p99 ms (max) | Adieu ÷ this: flows/s | Adieu ÷ this: CPU / flow |',
    );
    out.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const flowId of [...new Set(results.flows.map((f) => f.flow))]) {
      const rows = results.flows.filter((f) => f.flow === flowId);
      const adieu = rows.find((r) => !r.peer && !r.reference);
      for (const r of rows) {
        const peerRow = r.peer || r.reference;
        const ratio = peerRow ? `**${fmt(adieu.rps / r.rps, 2)}×**` : '';
        const cpuRatio = peerRow ? `${fmt(r.cpuMsPerFlow / adieu.cpuMsPerFlow, 2)}×` : '';
        const q = r.byMethod ? `${fmt(r.queriesPerFlow, 2)} (adapter calls)` : fmt(r.queriesPerFlow, 2);
        // A flow that signs nothing has no signature floor to be a multiple of.
        const overFloor = (ms) => {
          const x = r.cpuMsPerFlow / (signaturesPerFlow[r.flow] * ms);
          return Number.isFinite(x) ? `${fmt(x, 2)}×` : '–';
        };
        out.push(
          `| ${r.label} | ${r.target} | ${fmt(r.rps)} | ${fmt(r.min)}–${fmt(r.max)} | ${fmt(r.p50, 1)} | ` +
            `${fmt(r.p99, 1)} | ${q} | ${fmt(r.cpuMsPerFlow, 2)} | ${fmt(r.mainMsPerFlow, 2)} | ${overFloor(floorMs())} | ` +
            `${overFloor(jwtFloorMs())} | ` +
            `${fmt(r.loopP99, 1)} (${fmt(r.loopMax, 0)}) | ${ratio}${r.errors ? ` (${r.errors} errors)` : ''} | ` +
            `${cpuRatio} |`,
        );
      }
    }
    const paired = pairedRatios();
    if (paired.length) {
      out.push(
        `\nPaired by round (each round runs every provider back to back, so drift on the machine hits both ` +
          `alike): this row's CPU per flow over the first Adieu row's, per round, median (min–max); below 1.00× ` +
          `this row costs less.\n`,
      );
      out.push('| flow | provider | rounds | CPU ÷ first Adieu row, median | min–max |');
      out.push('|---|---|--:|--:|--:|');
      for (const p of paired) {
        out.push(
          `| ${p.label} | ${p.target} | ${p.ratios.length} | ${fmt(median(p.ratios), 3)}× | ` +
            `${fmt(Math.min(...p.ratios), 3)}–${fmt(Math.max(...p.ratios), 3)} |`,
        );
      }
    }
    const overFloor = floorServerRows();
    if (overFloor.length) {
      out.push(
        "\nEach provider's own work: its CPU per flow minus the floor server's (node:http and jose, the same tokens, " +
          'no provider), in ms, main thread in brackets; the floor server itself as a multiple of the signature ' +
          'floor is the least a Node.js provider on jose can cost here.\n',
      );
      out.push(
        '| flow | floor server ÷ signature floor | provider | own work, ms CPU / flow (main thread) |',
      );
      out.push('|---|--:|---|--:|');
      for (const { label, floorRatio, rows } of overFloor) {
        rows.forEach((r, i) =>
          out.push(
            `| ${i ? '' : label} | ${i || !Number.isFinite(floorRatio) ? '' : `${fmt(floorRatio, 2)}×`} | ${r.target} | ` +
              `${fmt(r.ownMs, 2)} (${fmt(r.ownMainMs, 2)}) |`,
          ),
        );
      }
    }
    const outOfProcess = storeRoundTripRows();
    if (outOfProcess.length) {
      out.push(
        '\nBoth with their state out of process (every store call a round trip): Adieu on PostgreSQL against ' +
          'oidc-provider on Redis, higher is better for Adieu.\n',
      );
      out.push(
        '| flow | Adieu (PostgreSQL) ÷ oidc-provider (Redis): flows/s | CPU / flow | CPU / flow, paired by round (min–max) |',
      );
      out.push('|---|--:|--:|--:|');
      for (const { label, pg, redis: r, ratios } of outOfProcess) {
        out.push(
          `| ${label} | **${fmt(pg.rps / r.rps, 2)}×** | ${fmt(r.cpuMsPerFlow / pg.cpuMsPerFlow, 2)}× | ` +
            `${fmt(median(ratios), 3)}× (${fmt(Math.min(...ratios), 3)}–${fmt(Math.max(...ratios), 3)}) |`,
        );
      }
    }
    const other = results.otherCores.filter(Number.isFinite);
    if (other.length) {
      out.push(
        `\nOther processes on the machine used a median of ${fmt(median(other), 2)} cores ` +
          `(max ${fmt(Math.max(...other), 2)}) during the timed runs.`,
      );
    }
    out.push(
      '\n"Adieu ÷ this" compares the first Adieu row (SQLite) with that row, higher is better for Adieu; issue 18 aims ' +
        "at ≥ 1.3×. flows/s is what the issue asks for; CPU per flow (the peer's provider CPU time over Adieu's) " +
        'is far less sensitive to other jobs on the machine. "CPU ÷ signature floor" is the provider CPU per flow ' +
        `over the CPU of the ${settings.alg} signatures the flow must make` +
        ' (1 for client_credentials, 2 for refresh and ' +
        'sign-in) at the floor measured above; 1.0× would be nothing but signing. "CPU ÷ JWT floor" is the same ' +
        'against whole JWTs signed by jose, their signing alone. "Of it main thread" is the CPU of ' +
        "the provider's main thread alone (Linux schedstat): HTTP, queries, JSON, the JavaScript around the " +
        "signatures; the rest ran on libuv's pool (the RSA arithmetic of WebCrypto) and V8's helper threads. Store queries on PostgreSQL are " +
        'round trips (one per statement, BEGIN and COMMIT included).',
    );
    const peerCalls = results.flows.filter((f) => f.byMethod);
    if (peerCalls.length) {
      out.push('\noidc-provider adapter calls per flow:');
      for (const r of peerCalls) {
        const calls = Object.entries(r.byMethod)
          .map(([k, v]) => `${k} ${fmt(v, 2)}`)
          .join(', ');
        out.push(`- ${r.flow}, ${r.target}: ${calls}`);
      }
    }
  }
  if (results.logout.length) {
    out.push(
      `\nBack-channel logout: time from the end_session request to the last receiver's 200, median of ` +
        `${settings.logoutRuns} run(s) (after one warm-up logout).\n`,
    );
    out.push(
      '| participants | provider | last ack ms (median) | runs min–max | first ack ms | end_session answered ms | complete runs | valid tokens | store queries | provider CPU ms | oidc-provider ÷ Adieu |',
    );
    out.push('|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const n of settings.participants) {
      const rows = results.logout.filter((r) => r.participants === n);
      const peer = rows.find((r) => r.peer);
      for (const r of rows) {
        const ratio = r.peer
          ? ''
          : `**${fmt(peer.median / r.median, 2)}×** (CPU ${fmt(peer.cpuMs / r.cpuMs, 2)}×)`;
        out.push(
          `| ${n} | ${r.target} | ${fmt(r.median, 1)} | ${fmt(r.min, 1)}–${fmt(r.max, 1)} | ${fmt(r.firstAck, 1)} | ` +
            `${fmt(r.response, 1)} | ` +
            `${r.complete} | ${r.valid}/${r.expected} | ${fmt(r.queries)} | ${fmt(r.cpuMs, 1)} | ${ratio} |`,
        );
        if (r.problems.length) out.push(`|  | problems: ${r.problems.join('; ')} | | | | | | | | | |`);
      }
    }
  }
  if (results.sessions.length) {
    out.push(
      `\nSessions footprint: batches of ${settings.sessions} SSO sessions (one participant each) created through ` +
        "the provider's session service; the first batch warms the page cache and is not counted.\n",
    );
    out.push(
      '| provider | bytes per session on disk | RSS growth per session, each batch (bytes) | JS heap growth per session, each batch (bytes) | RSS after each batch (MB) |',
    );
    out.push('|---|--:|--:|--:|--:|');
    for (const r of results.sessions) {
      const list = (xs, d = 0) => xs.map((x) => fmt(x, d)).join(' / ');
      out.push(
        `| ${r.target} | ${fmt(r.diskPerSession)} | ${list(r.rssPerSession)} | ${list(r.heapPerSession)} | ` +
          `${list(r.rssMb, 1)} |`,
      );
    }
  }
  if (results.accounts) out.push(accountsReport(results.accounts));
  if (results.storm) out.push(stormReport(results.storm, settings));
  if (results.scaleOut) out.push(scaleOutReport(results.scaleOut));
  if (results.federation) out.push(...federationReport(results.federation, floorMs(), fmt));
  if (Object.keys(results.logoutTokens).length) {
    out.push('\nLogout tokens received:');
    for (const [target, desc] of Object.entries(results.logoutTokens)) out.push(`- ${target}: ${desc}`);
  }
  if (results.shapes.length) {
    out.push('\nToken responses (one of each flow, per provider):');
    for (const x of results.shapes) out.push(`- ${x.flow}, ${x.target}: ${x.shape}`);
  }
  return out.join('\n');
}
