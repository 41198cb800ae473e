/**
 * Federation bench (issue 13, "Performance"): `node bench/run.mjs --only federation`.
 *
 * (a) Provider CPU per federated sign-in: a new browser each time goes Adieu /authorize?connection=up → the
 *     upstream's login form → the upstream sends it back to Adieu's callback (Adieu redeems the upstream code,
 *     verifies its ID token, signs the person in) → the app's redirect URI with a code → the app redeems it at
 *     Adieu's token endpoint. The upstream (node-oidc-provider, bench/servers/upstream.mjs) runs in its own
 *     process, off the provider's core, so its CPU is reported apart and never counted as Adieu's.
 * (b) Inbound upstream back-channel logout tokens: tokens signed by the upstream (before the timed window) are
 *     posted to Adieu's /connections/up/backchannel-logout by closed-loop workers; each ends the SSO sessions
 *     bound to its upstream `sid` (1 session) or, without `sid`, to its upstream `sub` (100 sessions). Intake per
 *     second, and Adieu's CPU per token.
 */
import { Pool } from 'undici';
import { parse } from 'node-html-parser';
import { freePort } from '../../packages/server/dist/testing/index.js';
import { startChild } from './rpc.mjs';
import { Browser } from './browser.mjs';
import { RelyingParty, decodeJwt, rand } from './oidc.mjs';
import { runLoad, median } from './load.mjs';

const CONNECTION = 'up';
const here = (p) => new URL(p, import.meta.url).pathname;

/**
 * Run both measurements. `o`: settings (concurrency, runs, durationMs, warmupMs, cpu, scryptLogN, quick),
 * `common` (clients, ttl, back-channel timeout as for the other Adieu targets), `web` (the app client), `user`
 * (an Adieu password user, owner of the sessions made for (b)), `otherCpus` (the load generator's CPUs) and `log`.
 */
export async function benchFederation(o) {
  const { settings, log } = o;
  const adieuPort = await freePort();
  const adieuIssuer = `http://127.0.0.1:${adieuPort}`;
  const conn = `${adieuIssuer}/connections/${CONNECTION}`;
  const upstreamClient = {
    client_id: 'adieu',
    client_secret: rand(32),
    redirect_uris: [`${conn}/callback`],
    post_logout_redirect_uris: [`${conn}/logged-out`],
  };
  const out = { signIn: [], intake: [], settings: {} };
  let upstream;
  let adieu;
  let pool;
  try {
    log("federation: starting the upstream (its own process, off the providers' core) ...");
    upstream = await startChild(
      here('../servers/upstream.mjs'),
      { client: upstreamClient },
      { cpu: o.otherCpus },
    );
    log('federation: starting Adieu (SQLite file) with the upstream as connection "up" ...');
    adieu = await startChild(
      here('../servers/adieu.mjs'),
      {
        ...o.common,
        engine: 'sqlite',
        users: [o.user],
        scryptLogN: settings.scryptLogN,
        port: adieuPort,
        connections: [
          {
            id: CONNECTION,
            name: 'Upstream',
            type: 'oidc',
            issuer: upstream.issuer,
            client_id: upstreamClient.client_id,
            client_secret: upstreamClient.client_secret,
            scope: 'openid email profile',
            logout: 'upstream',
          },
        ],
      },
      { cpu: settings.cpu },
    );
    const workers = Math.min(settings.concurrency, 8);
    pool = new Pool(adieuIssuer, { connections: Math.max(workers, 16) + 2, pipelining: 1 });
    const rp = await RelyingParty.discover(adieuIssuer, pool);
    out.settings = { workers, upstream: 'node-oidc-provider (devInteractions login, Map adapter)' };
    await signInBench({ ...o, rp, adieu, upstream, workers, out });
    await intakeBench({ ...o, adieu, upstream, pool, issuer: upstream.issuer, out });
  } finally {
    await pool?.close();
    await adieu?.stop();
    await upstream?.stop();
  }
  return out;
}

/** Follow redirects across origins (the browser's cookie jar for each) until a page, or a redirect to `stopAt`. */
async function go(browser, url, init, stopAt) {
  let current = url;
  let res = await browser.request(url, init);
  for (let i = 0; i < 20; i++) {
    if (res.status < 300 || res.status >= 400) {
      const body = await res.text();
      return { status: res.status, url: current, body, doc: parse(body) };
    }
    const next = new URL(res.headers.get('location'), current).toString();
    await res.body?.cancel();
    if (next.startsWith(stopAt)) return { redirectTo: next };
    current = next;
    res = await browser.request(next);
  }
  throw new Error(`too many redirects from ${url}`);
}

/**
 * One federated sign-in by a new browser as upstream account `login`: Continue with the upstream, its login form,
 * back through Adieu's callback to the app, and the app's code exchange. Returns the app's token response.
 */
async function federatedSignIn(rp, client, login) {
  const browser = new Browser();
  const req = rp.authorizationRequest(client, { scope: 'openid' });
  const stopAt = client.redirect_uris[0];
  let page = await go(browser, `${req.url}&connection=${CONNECTION}`, {}, stopAt);
  for (let i = 0; i < 3 && !page.redirectTo; i++) {
    const form = page.doc.querySelector('form');
    if (!form)
      throw new Error(
        `federated sign-in stuck at ${page.url} (HTTP ${page.status}): ${page.body.slice(0, 300)}`,
      );
    const data = {};
    for (const input of form.querySelectorAll('input')) {
      const name = input.getAttribute('name');
      if (name) data[name] = input.getAttribute('value') ?? '';
    }
    Object.assign(data, { login, password: 'any' });
    const action = new URL(form.getAttribute('action') ?? page.url, page.url).toString();
    page = await go(browser, action, { method: 'POST', form: data }, stopAt);
  }
  if (!page.redirectTo)
    throw new Error(`federated sign-in did not reach the app: ${page.body?.slice(0, 300)}`);
  const tokens = await rp.exchange(client, RelyingParty.codeFrom(page.redirectTo, req.state), req.verifier);
  if (!tokens.id_token) throw new Error('federated sign-in: no id_token');
  return tokens;
}

async function signInBench({ settings, log, web, rp, adieu, upstream, workers, out }) {
  let n = 0;
  const kinds = [
    {
      id: 'returning',
      label: 'returning user (linked account, profile refreshed)',
      // Each worker is one upstream person, signed in before the timed runs (their account exists).
      op: (w) => () => federatedSignIn(rp, web, `person-${w}`),
    },
    {
      id: 'first',
      label: 'first sign-in (account created and linked)',
      op: () => () => federatedSignIn(rp, web, `new-${++n}-${rand(4)}`),
    },
  ];
  for (let w = 0; w < workers; w++) await federatedSignIn(rp, web, `person-${w}`);
  const first = decodeJwt((await federatedSignIn(rp, web, 'person-0')).id_token).payload;
  out.claims = Object.keys(first).sort().join(' ');
  if (settings.explain) {
    // The SQL of one returning user's sign-in, untimed (as --explain lists the other flows').
    await adieu.call('traceStart');
    await federatedSignIn(rp, web, 'person-0');
    const sql = await adieu.call('traceStop');
    console.log(`\nfederated sign-in of a returning user on Adieu (SQLite file): ${sql.length} statements`);
    for (const s of sql) console.log(`  ${s.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  for (const kind of kinds) {
    const ops = Array.from({ length: workers }, (_, w) => kind.op(w));
    log(`federation sign-in (${kind.id}): warming up`);
    const warm = await runLoad(ops, settings.warmupMs);
    if (warm.ops === 0)
      throw new Error(`federated sign-in (${kind.id}): every warm-up flow failed: ${warm.firstError}`);
    const runs = [];
    for (let r = 0; r < settings.runs; r++) {
      const a0 = await adieu.call('counters');
      const u0 = await upstream.call('counters');
      const l0 = process.cpuUsage();
      const res = await runLoad(ops, settings.durationMs);
      const l1 = process.cpuUsage(l0);
      const a1 = await adieu.call('counters');
      const u1 = await upstream.call('counters');
      const per = (x) => x / Math.max(1, res.ops);
      runs.push({
        ...res,
        cpuMsPerFlow: per(a1.cpuMs - a0.cpuMs),
        queriesPerFlow: per(a1.queries - a0.queries),
        upstreamCpuMsPerFlow: per(u1.cpuMs - u0.cpuMs),
        loadCpuMsPerFlow: per((l1.user + l1.system) / 1000),
      });
      log(
        `federation sign-in (${kind.id}) run ${r + 1}: ${res.rps.toFixed(1)} flows/s, p50 ${res.p50.toFixed(1)} ms, ` +
          `Adieu CPU ${runs.at(-1).cpuMsPerFlow.toFixed(2)} ms/flow, ${runs.at(-1).queriesPerFlow.toFixed(1)} queries/flow, ` +
          `upstream CPU ${runs.at(-1).upstreamCpuMsPerFlow.toFixed(2)} ms/flow` +
          (res.errors ? `, ${res.errors} ERRORS: ${res.firstError}` : ''),
      );
    }
    const m = (k) => median(runs.map((x) => x[k]));
    out.signIn.push({
      id: kind.id,
      label: kind.label,
      rps: m('rps'),
      min: Math.min(...runs.map((x) => x.rps)),
      max: Math.max(...runs.map((x) => x.rps)),
      p50: m('p50'),
      p99: m('p99'),
      cpuMsPerFlow: m('cpuMsPerFlow'),
      queriesPerFlow: m('queriesPerFlow'),
      upstreamCpuMsPerFlow: m('upstreamCpuMsPerFlow'),
      loadCpuMsPerFlow: m('loadCpuMsPerFlow'),
      errors: runs.reduce((s, x) => s + x.errors, 0),
    });
  }
}

async function intakeBench({ settings, log, user, adieu, upstream, pool, issuer, out }) {
  const workers = Math.min(settings.concurrency, 16);
  const sizes = [1, 100];
  // Tokens per timed run: enough for a few seconds of intake on this machine, bounded so set-up stays short.
  const tokensFor = (n) => (n === 1 ? (settings.quick ? 300 : 1500) : settings.quick ? 10 : 40);
  const runsN = settings.quick ? 1 : 3;
  const post = async (token) => {
    const res = await pool.request({
      path: `/connections/${CONNECTION}/backchannel-logout`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new Error(`backchannel-logout: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  };
  /** Sessions bound to `k` upstream identities of `n` sessions each, and one logout token per identity. */
  const prepare = async (n, k, tag) => {
    const groups = Array.from({ length: k }, (_, i) => ({
      sub: `${tag}-${i}`,
      // One session: the upstream names its session (sid). A hundred: the upstream names only the person (sub),
      // which ends every session of theirs (Back-Channel Logout 1.0 §2.7).
      sid: n === 1 ? `${tag}-sid-${i}` : null,
      n,
    }));
    await adieu.call('bindUpstreamSessions', {
      connectionId: CONNECTION,
      iss: issuer,
      username: user.username,
      clientId: 'bench-web',
      groups,
    });
    const tokens = await upstream.call('logoutTokens', {
      aud: 'adieu',
      items: groups.map((g) => ({ sub: g.sub, sid: g.sid })),
    });
    return { groups, tokens };
  };
  // Warm-up: the first token makes Adieu fetch the upstream's JWKS.
  {
    const { tokens } = await prepare(1, 20, 'warm');
    for (const t of tokens) await post(t);
  }
  for (const n of sizes) {
    const k = tokensFor(n);
    const runs = [];
    for (let r = 0; r < runsN; r++) {
      log(
        `federation intake: ${k} tokens x ${n} bound session(s), run ${r + 1}: binding ${k * n} sessions ...`,
      );
      const { groups, tokens } = await prepare(n, k, `n${n}-r${r}-${rand(3)}`);
      const queue = [...tokens];
      const ops = Array.from({ length: workers }, () => async () => {
        const t = queue.pop();
        if (t) await post(t);
      });
      const a0 = await adieu.call('counters');
      const t0 = performance.now();
      let errors = 0;
      let firstError;
      await Promise.all(
        ops.map(async (op) => {
          while (queue.length) {
            try {
              await op();
            } catch (e) {
              errors++;
              firstError ??= e.message;
            }
          }
        }),
      );
      const elapsedMs = performance.now() - t0;
      const a1 = await adieu.call('counters');
      const live = await adieu.call('liveBoundSessions', { connectionId: CONNECTION, iss: issuer, groups });
      const res = {
        tokensPerSecond: ((k - errors) / elapsedMs) * 1000,
        sessionsPerSecond: (((k - errors) * n) / elapsedMs) * 1000,
        cpuMsPerToken: (a1.cpuMs - a0.cpuMs) / k,
        queriesPerToken: (a1.queries - a0.queries) / k,
        stillLive: live,
        errors,
        firstError,
      };
      runs.push(res);
      log(
        `federation intake n=${n} run ${r + 1}: ${res.tokensPerSecond.toFixed(1)} tokens/s ` +
          `(${res.sessionsPerSecond.toFixed(0)} sessions ended/s), Adieu CPU ${res.cpuMsPerToken.toFixed(2)} ms/token, ` +
          `${res.queriesPerToken.toFixed(1)} queries/token, ${live} bound sessions still live` +
          (errors ? `, ${errors} ERRORS: ${firstError}` : ''),
      );
    }
    const m = (key) => median(runs.map((x) => x[key]));
    out.intake.push({
      sessions: n,
      tokens: k,
      workers,
      runs: runsN,
      tokensPerSecond: m('tokensPerSecond'),
      min: Math.min(...runs.map((x) => x.tokensPerSecond)),
      max: Math.max(...runs.map((x) => x.tokensPerSecond)),
      sessionsPerSecond: m('sessionsPerSecond'),
      cpuMsPerToken: m('cpuMsPerToken'),
      queriesPerToken: m('queriesPerToken'),
      stillLive: runs.reduce((s, x) => s + x.stillLive, 0),
      errors: runs.reduce((s, x) => s + x.errors, 0),
    });
  }
}

/** The federation part of the Markdown report. `floorMs`: CPU ms per RS256 signature measured in this run. */
export function federationReport(f, floorMs, fmt) {
  const out = [];
  out.push(
    `\nFederated sign-in through an upstream OpenID provider (${f.settings.upstream}, its own process, off the ` +
      `providers' core): ${f.settings.workers} concurrent browsers, a new browser per flow; the flow is Adieu ` +
      "/authorize?connection=up → the upstream's login → Adieu's callback (upstream code redeemed, its ID token " +
      "verified) → the app's code exchange at Adieu. Adieu on SQLite.\n",
  );
  out.push(
    "| sign-in | flows/s (median) | runs min–max | p50 ms | p99 ms | Adieu CPU ms / flow | Adieu CPU ÷ signature floor (2 signatures) | Adieu store queries / flow | upstream CPU ms / flow (not Adieu's) |",
  );
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of f.signIn) {
    out.push(
      `| ${r.label} | ${fmt(r.rps, 1)} | ${fmt(r.min, 1)}–${fmt(r.max, 1)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ` +
        `**${fmt(r.cpuMsPerFlow, 2)}** | ${fmt(r.cpuMsPerFlow / (2 * floorMs), 2)}× | ${fmt(r.queriesPerFlow, 1)} | ` +
        `${fmt(r.upstreamCpuMsPerFlow, 2)}${r.errors ? ` (${r.errors} errors)` : ''} |`,
    );
  }
  if (f.claims) out.push(`\nThe app's ID token after a federated sign-in carries: {${f.claims}}.`);
  out.push(
    '\nInbound upstream back-channel logout: logout tokens signed by the upstream before the timed window, posted ' +
      "to Adieu's /connections/up/backchannel-logout by closed-loop workers; each one is validated completely " +
      '(signature, iss, aud, iat/exp, jti replay record, events, no nonce) and ends the SSO sessions bound to it ' +
      'through the one logout path (each session has one participant, without a back-channel URI).\n',
  );
  out.push(
    '| bound sessions per token | tokens per run × runs | workers | tokens/s (median) | runs min–max | sessions ended/s | Adieu CPU ms / token | store queries / token | bound sessions left live |',
  );
  out.push('|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of f.intake) {
    out.push(
      `| ${r.sessions} | ${r.tokens} × ${r.runs} | ${r.workers} | **${fmt(r.tokensPerSecond, 1)}** | ${fmt(r.min, 1)}–${fmt(r.max, 1)} | ` +
        `${fmt(r.sessionsPerSecond)} | ${fmt(r.cpuMsPerToken, 2)} | ${fmt(r.queriesPerToken, 1)} | ` +
        `${r.stillLive}${r.errors ? ` (${r.errors} errors)` : ''} |`,
    );
  }
  return out;
}
