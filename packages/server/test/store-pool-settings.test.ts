/**
 * The PostgreSQL pool is sized per deployment in the database URL: `?pool_max=N` (connections per process,
 * default 10) and `?pool_idle_timeout=SECONDS` (how long an idle connection is kept, default 10, 0 for ever).
 * A bad value stops the start with the setting's name; pg never sees our settings.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { connect, pgConnectionString } from '../src/store/connect.js';
import { testDatabase } from '../src/testing/index.js';
import { postgresConnections } from './support/connections.js';
import { hasPostgres } from '../../../test/support/env.js';

const postgres = hasPostgres();
const { open } = postgresConnections();

describe('pool settings in a PostgreSQL URL', () => {
  // Checked before anything connects, so these need no server: nothing listens on port 1.
  it.each([
    ['pool_max', '0'],
    ['pool_max', '1001'],
    ['pool_max', 'ten'],
    ['pool_max', '1.5'],
    ['pool_max', ''],
    ['pool_idle_timeout', '-1'],
    ['pool_idle_timeout', '86401'],
    ['pool_idle_timeout', '1e3'],
  ])('%s=%s fails the start and names the setting', async (name, value) => {
    await expect(connect(`postgres://nobody@127.0.0.1:1/none?${name}=${value}`)).rejects.toThrow(
      new RegExp(
        `^database: ${name} must be an integer from \\d+ to \\d+ \\(got "${value.replace('.', '\\.')}"\\)$`,
      ),
    );
  });
});

describe.skipIf(!postgres)('pool settings on PostgreSQL', () => {
  it('defaults: 10 connections, idle ones closed after 10 s, and keep-alive probes', async () => {
    const c = await open();
    expect(c.pool!.options.max).toBe(10);
    expect(c.pool!.options.idleTimeoutMillis).toBe(10_000);
    expect(c.pool!.options.keepAlive).toBe(true);
  });

  it('pool_max bounds the connections one process opens', async () => {
    const c = await open('&pool_max=2');
    expect(c.pool!.options.max).toBe(2);
    // pg never sees our settings: its own share the query string.
    expect(c.pool!.options.connectionString).not.toMatch(/pool_max|pool_idle_timeout/);
    // Five concurrent statements that each hold their connection: the pool opens two and queues the rest.
    await Promise.all(Array.from({ length: 5 }, () => sql`select pg_sleep(0.05)`.execute(c.db)));
    expect(c.pool!.totalCount).toBe(2);
  });

  it('an idle connection closes after pool_idle_timeout; 0 keeps it', async () => {
    const closing = await open('&pool_idle_timeout=1');
    const keeping = await open('&pool_idle_timeout=0');
    await Promise.all([sql`select 1`.execute(closing.db), sql`select 1`.execute(keeping.db)]);
    expect([closing.pool!.idleCount, keeping.pool!.idleCount]).toEqual([1, 1]);
    await new Promise((r) => setTimeout(r, 1600));
    expect(closing.pool!.totalCount).toBe(0);
    expect(keeping.pool!.idleCount).toBe(1);
  });

  it('the LISTEN connection (a pg.Client of its own) gets the URL without our settings', async () => {
    const url = `${testDatabase('postgres').url}&pool_max=2&pool_idle_timeout=0&prepared_statements=off`;
    const own = pgConnectionString(url);
    expect(own).not.toMatch(/schema=|pool_max|pool_idle_timeout|prepared_statements/);
    const client = new pg.Client({ connectionString: own });
    await client.connect();
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
