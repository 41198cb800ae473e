/**
 * Child process: one Adieu provider (packages/server/dist), started the way an embedder starts it:
 * `startServer(parseConfig({...}))`, logging off. Counts store queries (the provider's own counter) and, on
 * request, records the SQL text of each query so a flow's queries can be listed.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { parseConfig, startServer } from '../../packages/server/dist/index.js';
import { freePort } from '../../packages/server/dist/testing/index.js';
import { serve } from '../lib/rpc.mjs';
import { profiler } from './profiler.mjs';

let server;
let cleanup = () => {};
let trace;

serve({
  ...profiler,
  async start(o) {
    const port = await freePort();
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
      login: { scrypt_log_n: o.scryptLogN, ip_max_failures: 1000, ip_max_sign_in_pages: 10_000_000 },
      logout: { backchannel_timeout: o.backchannelTimeoutSeconds },
      clients: o.clients,
      users: o.users,
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
    return { queries: server.provider.store.queryCount, cpuMs: (cpu.user + cpu.system) / 1000 };
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
