/**
 * Child process: one Adieu provider (packages/server/dist), started the way an embedder starts it:
 * `startServer(parseConfig({...}))`, logging off. Counts store queries (the provider's own counter) and, on
 * request, records the SQL text of each query so a flow's queries can be listed.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { parseConfig, startServer } from '../../packages/server/dist/index.js';
import { freePort } from '../../packages/server/dist/testing/index.js';
import { serve } from '../lib/rpc.mjs';
import { profiler } from './profiler.mjs';
import { mainThreadCpuMs, probes } from './probes.mjs';
import { federationProbes } from './federation-probes.mjs';

let server;
let cleanup = () => {};
let trace;

serve({
  ...profiler,
  ...probes,
  ...federationProbes(() => server),
  async start(o) {
    // A port chosen by the parent when an upstream must know Adieu's address before Adieu starts (federation).
    const port = o.port ?? (await freePort());
    const issuer = `http://127.0.0.1:${port}`;
    let database;
    if (o.engine === 'postgres') {
      const url = new URL(o.databaseUrl);
      url.searchParams.set('schema', `bench_${randomBytes(5).toString('hex')}`);
      database = url.toString();
      const schema = url.searchParams.get('schema');
      cleanup = async () => {
        const base = new URL(o.databaseUrl);
        const client = new pg.Client({ connectionString: base.toString() });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'adieu-bench-'));
      database = `sqlite:${join(dir, 'adieu.db')}`;
      cleanup = () => rmSync(dir, { recursive: true, force: true });
    }
    const config = parseConfig({
      issuer,
      port,
      host: '127.0.0.1',
      database,
      ttl: {
        id_token: o.ttl.idToken,
        access_token: o.ttl.accessToken,
        refresh_token: o.ttl.refreshToken,
        code: o.ttl.code,
      },
      session: { idle: o.ttl.sessionIdle, absolute: o.ttl.session },
      // Every virtual user comes from 127.0.0.1: lift the per-address limits, not the per-account ones.
      login: {
        ...(o.passwordHash ? { password_hash: o.passwordHash } : {}),
        scrypt_log_n: o.scryptLogN,
        ip_max_failures: 1000,
        ip_max_sign_in_pages: 10_000_000,
      },
      logout: { backchannel_timeout: o.backchannelTimeoutSeconds },
      // The run's algorithm (`--alg`): the clients ask for it (id_token_signed_response_alg), access tokens use it.
      ...(o.alg && o.alg !== 'RS256'
        ? { keys: { algorithms: ['RS256', o.alg], access_token_alg: o.alg } }
        : {}),
      clients: o.clients,
      users: o.users,
      ...(o.connections ? { connections: o.connections } : {}),
    });
    try {
      server = await startServer(config, { logger: pino({ level: 'silent' }) });
      // Query text capture (diagnostics only; the counts reported come from the store's own counter).
      server.provider.store.connection.stats.onQuery = (sql) => trace?.push(sql);
    } catch (e) {
      await cleanup();
      throw e;
    }
    return { issuer, database: o.engine === 'postgres' ? 'postgres' : database };
  },
  counters() {
    const cpu = process.cpuUsage();
    return {
      queries: server.provider.store.queryCount,
      cpuMs: (cpu.user + cpu.system) / 1000,
      mainMs: mainThreadCpuMs(),
    };
  },
  /**
   * Bytes per SSO session on disk and in RAM: `batches` batches of `n` sessions (each with one participant, as
   * after a sign-in), created through the provider's own session service. The first batch warms SQLite's page
   * cache and the JIT and is not counted; the others report the growth of the database, of the process's RSS
   * and of the JS heap (after a full GC) per session.
   */
  async sessionFootprint({ n, batches, username }) {
    const gc = collectGarbage();
    const { store, sessions } = server.provider;
    const user = await store.users.findByUsername(username);
    const out = [];
    for (let b = 0; b < batches; b++) {
      const before = { disk: await databaseBytes(store), ...memory(gc) };
      for (let i = 0; i < n; i++) {
        const { session } = await sessions.create({
          userId: user.id,
          rememberMe: false,
          ip: '127.0.0.1',
          userAgent:
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
        });
        await store.sessions.addParticipant(session.sid, 'bench-web', Date.now());
      }
      const after = { disk: await databaseBytes(store), ...memory(gc) };
      out.push({
        warmup: b === 0,
        diskPerSession: (after.disk - before.disk) / n,
        rssPerSession: (after.rss - before.rss) / n,
        heapPerSession: (after.heap - before.heap) / n,
        rssMb: after.rss / 2 ** 20,
      });
    }
    return out;
  },
  traceStart() {
    trace = [];
  },
  traceStop() {
    const out = trace ?? [];
    trace = undefined;
    return out;
  },
  async stop() {
    await server?.close();
    await cleanup();
  },
});

/** A full GC on demand (the flag is set at run time so that the child needs no special command line). */
function collectGarbage() {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

function memory(gc) {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** Bytes the sessions and their participants take in the database (SQLite: used pages after a checkpoint). */
async function databaseBytes(store) {
  if (store.engine === 'postgres') {
    const { rows } =
      await sql`select pg_total_relation_size('sessions') + pg_total_relation_size('session_participants') as bytes`.execute(
        store.db,
      );
    return Number(rows[0].bytes);
  }
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
  const one = async (pragma) =>
    Object.values((await sql.raw(`pragma ${pragma}`).execute(store.db)).rows[0])[0];
  return ((await one('page_count')) - (await one('freelist_count'))) * (await one('page_size'));
}
