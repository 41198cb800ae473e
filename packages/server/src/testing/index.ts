/**
 * Helpers for tests that need a real provider: a free port, a config with fast password hashing, a private
 * SQLite file or PostgreSQL schema, and a clean shutdown. Exported as `adieu/testing`.
 *
 * @example
 * ```ts
 * import { startTestProvider } from '@adieu/server/testing';
 * const op = await startTestProvider({ clients: [{ client_id: 'app', client_secret: 's3cret', redirect_uris: ['http://localhost:3000/cb'] }] });
 * // ... drive op.issuer with an OIDC client ...
 * await op.close();
 * ```
 */
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { parseConfig } from '../config/load.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { startServer, type RunningServer } from '../server.js';
import type { ProviderOptions } from '../provider.js';

/** Ask the OS for a free TCP port on 127.0.0.1. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** `n` free TCP ports at once (for a provider, its apps and their taps). */
export function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, () => freePort(host)));
}

export interface TestProvider extends RunningServer {
  issuer: string;
  config: Config;
  /** The database URL, to start a second process on the same store. */
  database: string;
  close(): Promise<void>;
}

export interface TestProviderOptions extends ProviderOptions {
  /** 'postgres' uses DATABASE_URL with a fresh schema; default SQLite in a temp directory. */
  engine?: 'sqlite' | 'postgres';
  /** Reuse a database (e.g. a second provider process on the same store). */
  database?: string;
  /** Issuer URL to use instead of http://localhost:<free port>. */
  issuer?: string;
  port?: number;
}

/** A unique database URL for one test: a temp SQLite file, or a fresh schema in DATABASE_URL. */
export function testDatabase(engine: 'sqlite' | 'postgres' = 'sqlite'): {
  url: string;
  cleanup(): Promise<void>;
} {
  if (engine === 'postgres') {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error('DATABASE_URL is not set');
    const url = new URL(base);
    const schema = `t_${randomBytes(6).toString('hex')}`;
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      // Drop the schema, or test runs pile up hundreds of them in the shared database.
      async cleanup() {
        const client = new pg.Client({ connectionString: base });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'adieu-test-'));
  return {
    url: `sqlite:${join(dir, 'adieu.db')}`,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The cheapest password hashes the config allows, for tests and scripts that sign many people in: the default
 * algorithm (Argon2id) at its lowest cost, and scrypt cheap too for those that choose it. Never for production.
 */
export const CHEAP_PASSWORD_HASHES = Object.freeze({
  scrypt_log_n: 10,
  argon2_memory_kib: 8192,
  argon2_time_cost: 1,
});

/** Start a provider on a free port with test-friendly defaults (cheap password hashes, fast outbox polling). */
export async function startTestProvider(
  overrides: Partial<ConfigInput> = {},
  options: TestProviderOptions = {},
): Promise<TestProvider> {
  const port = options.port ?? (await freePort());
  const issuer = options.issuer ?? `http://localhost:${port}`;
  const db = options.database
    ? { url: options.database, cleanup: async () => {} }
    : testDatabase(options.engine);
  const input: ConfigInput = {
    issuer,
    port,
    host: '127.0.0.1',
    database: db.url,
    ...overrides,
    login: { ...CHEAP_PASSWORD_HASHES, ...overrides.login },
    logout: { worker_poll_interval: 0.2, ...overrides.logout },
  };
  const config = parseConfig(input);
  const logger =
    options.logger ?? (pino({ level: process.env.ADIEU_LOG_LEVEL ?? 'error' }) as FastifyBaseLogger);
  const server = await startServer(config, { ...options, logger });
  return {
    ...server,
    issuer,
    config,
    database: db.url,
    async close() {
      await server.close();
      if (!options.database) await db.cleanup();
    },
  };
}
