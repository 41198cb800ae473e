/**
 * Issue 18: on PostgreSQL, the queries requests run are named prepared statements (parsed and planned once per
 * connection), bounded per connection, off with `?prepared_statements=off`, and a connection whose statements
 * went stale (a migration by another process changed a `select *` result) goes back to unnamed ones.
 */
import { describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Connection } from '../src/store/connect.js';
import type { Database } from '../src/store/tables.js';
import { postgresConnections } from './support/connections.js';
import { hasPostgres } from '../../../test/support/env.js';

const postgres = hasPostgres();
const { open } = postgresConnections();

/** The statements prepared on the one connection `run` is given (a pinned connection, as in a transaction). */
async function onOneConnection(c: Connection, run: (db: Kysely<unknown>) => Promise<unknown>) {
  return c.db.connection().execute(async (db) => {
    await run(db as unknown as Kysely<unknown>);
    const { rows } = await sql<{
      name: string;
      statement: string;
    }>`select name, statement from pg_prepared_statements`.execute(db);
    return rows;
  });
}

describe.skipIf(!postgres)('named prepared statements on PostgreSQL', () => {
  it('a query run twice on a connection is prepared once, by name', async () => {
    const c = await open();
    await sql`create table probe (id int primary key, v text)`.execute(c.db);
    const prepared = await onOneConnection(c, async (db) => {
      for (let i = 0; i < 2; i++) await sql`select * from probe where id = ${i}`.execute(db);
    });
    const mine = prepared.filter((p) => p.statement.includes('from probe'));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.name).toMatch(/^adieu_\d+$/);
    // DDL and transaction control are never kept.
    expect(prepared.some((p) => /create table/i.test(p.statement))).toBe(false);
  });

  it('?prepared_statements=off sends them unnamed', async () => {
    const c = await open('&prepared_statements=off');
    await sql`create table probe (id int primary key)`.execute(c.db);
    const prepared = await onOneConnection(c, async (db) => {
      await sql`select * from probe where id = ${1}`.execute(db);
    });
    expect(prepared.filter((p) => p.statement.includes('from probe'))).toEqual([]);
  });

  it('a statement made stale by a migration is run again unnamed; inside a transaction it fails once', async () => {
    const c = await open();
    await sql`create table probe (id int primary key)`.execute(c.db);
    await sql`insert into probe values (1)`.execute(c.db);
    const outcome = await c.db.connection().execute(async (db) => {
      const select = () =>
        sql<{ id: number; extra?: string | null }>`select * from probe where id = ${1}`.execute(db);
      await select();
      // Another process adds a column: the prepared `select *` would now return another row type.
      await sql`alter table probe add column extra text`.execute(c.db);
      const standalone = await select();
      return { standalone: standalone.rows };
    });
    expect(outcome.standalone).toEqual([{ id: 1, extra: null }]);

    // A fresh pool: the connection above has gone back to unnamed statements for good.
    const d = await open();
    await sql`create table probe2 (id int primary key)`.execute(d.db);
    await sql`insert into probe2 values (1)`.execute(d.db);
    const inTx = await d.db.connection().execute(async (db) => {
      const select = (on: Kysely<Database> = db) => sql`select * from probe2 where id = ${1}`.execute(on);
      await select();
      await sql`alter table probe2 add column extra text`.execute(d.db);
      const failed = await db
        .transaction()
        .execute((trx) => select(trx))
        .then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        );
      const after = await select();
      return { failed, after: after.rows };
    });
    expect(inTx.failed).toBe('0A000');
    expect(inTx.after).toEqual([{ id: 1, extra: null }]);
  });
});
