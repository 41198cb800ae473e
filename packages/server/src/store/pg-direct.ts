import type { CompiledQuery, Kysely, LogEvent, QueryResult } from 'kysely';
import type pg from 'pg';
import type { Database } from './tables.js';

/** Commands whose row count Kysely's PostgreSQL driver reports as `numAffectedRows`. */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * The hot paths' single statements on PostgreSQL without Kysely's executor: a pooled client, one query, the
 * client back. Kysely's executor wraps the same three steps in its connection provider, driver and connection
 * objects and their promises: about 6 µs of CPU of a statement's 60–90, on flows of two to four statements
 * (bench/README.md, bench/tools/pg-statement-cpu.mjs).
 *
 * Only statements on the store's own Kysely run here: a transaction (or a pinned connection) holds its own client,
 * and its queries go through Kysely as always. Queries are compiled by Kysely (store/prepared-query.ts); only their
 * execution is done here, with the same results, errors and log events as Kysely's PostgreSQL driver, and through
 * the same pool, so named statements (store/named-statements.ts) and lost-connection handling apply unchanged.
 */
export class PgDirect {
  constructor(
    private readonly pool: pg.Pool,
    private readonly log: (event: LogEvent) => void,
  ) {}

  /** Run one compiled query on a pooled client (for the store's own Kysely: see {@link pgDirectFor}). */
  async execute<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
    const client = await this.pool.connect();
    const started = performance.now();
    try {
      const { command, rowCount, rows } = await client.query(query.sql, query.parameters as unknown[]);
      this.log({ level: 'query', query, queryDurationMillis: performance.now() - started });
      return {
        ...(WRITES.has(command) ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
        rows: (rows ?? []) as R[],
      };
    } catch (error) {
      this.log({ level: 'error', query, error, queryDurationMillis: performance.now() - started });
      throw error;
    } finally {
      // As Kysely's driver does: a failed statement leaves the client usable (a broken connection is dropped by the
      // pool on its own 'error'), so it goes back without an error that would close it.
      client.release();
    }
  }
}

/**
 * The direct runner of each PostgreSQL store, by the executor of the store's own Kysely. A transaction, a pinned
 * connection (`db.connection()`) or a Kysely with plugins has an executor of its own and finds none: its statements
 * belong on the client it holds, so they go through Kysely.
 */
const directs = new WeakMap<object, PgDirect>();

export function registerPgDirect(db: Kysely<Database>, direct: PgDirect): void {
  directs.set(db.getExecutor(), direct);
}

/** The direct runner for `db`, or undefined (SQLite, a transaction or pinned connection, or not from connect()). */
export function pgDirectFor(db: Kysely<Database>): PgDirect | undefined {
  return directs.get(db.getExecutor());
}
