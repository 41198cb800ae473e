/**
 * Child process: one Adieu provider (packages/server/dist), started the way an embedder starts it:
 * `startServer(parseConfig({...}))`, logging off. Counts store queries (the provider's own counter) and, on
 * request, records the SQL text of each query so a flow's queries can be listed.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { parseConfig, startServer } from '../../packages/server/dist/index.js';
import { freePort } from '../../packages/server/dist/testing/index.js';
import { serve } from '../lib/rpc.mjs';
import { profiler } from './profiler.mjs';

let server;
let cleanup = () => {};
let trace;

// Query text capture (diagnostics only; the counts reported come from the store's own counter). Kysely prepares
// every SQLite statement and sends every PostgreSQL one through Client#query.
const prepare = SQLite.prototype.prepare;
SQLite.prototype.prepare = function (sql, ...rest) {
  trace?.push(sql);
  return prepare.call(this, sql, ...rest);
};
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  if (trace) trace.push(typeof q === 'string' ? q : q?.text);
  return query.call(this, q, ...rest);
};

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
      login: { scrypt_log_n: o.scryptLogN, ip_max_failures: 1000 },
      logout: { backchannel_timeout: o.backchannelTimeoutSeconds },
      clients: o.clients,
      users: o.users,
    });
    try {
      server = await startServer(config, { logger: pino({ level: 'silent' }) });
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
