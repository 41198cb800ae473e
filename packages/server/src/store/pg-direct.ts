import type { CompiledQuery, Kysely, LogEvent, QueryResult } from 'kysely';
import type pg from 'pg';
import type { Database } from './tables.js';

/** Commands whose row count Kysely's PostgreSQL driver reports as `numAffectedRows`. */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * The hot paths' single statements on PostgreSQL without Kysely's executor: a pooled client, one query, the
 * client back. Kysely's executor wraps the same three steps in its connection provider, driver and connection
 * objects and their promises; per statement that costs about as much main-thread time as the pool itself, and
 * the token endpoint's flows are one or two statements each (bench/README.md).
 *
 * Only statements outside a transaction run here: inside one, the transaction holds its own client, and the
 * query goes through Kysely as always. Queries are compiled by Kysely (store/prepared-query.ts); only their
 * execution is done here, with the same results, errors and log events as Kysely's PostgreSQL driver, and through
 * the same pool, so named statements (store/named-statements.ts) and lost-connection handling apply unchanged.
 */
export class PgDirect {
  constructor(
    private readonly pool: pg.Pool,
    private readonly log: (event: LogEvent) => void,
  ) {}

  /** Run one compiled query on `db` (the store's connection or a transaction of it). */
  execute<R>(db: Kysely<Database>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
    return db.isTransaction ? db.executeQuery(query) : this.run(query);
  }

  private async run<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
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

/** The direct runner of each PostgreSQL store, found from any Kysely of it (its transactions share the adapter). */
const directs = new WeakMap<object, PgDirect>();

export function registerPgDirect(db: Kysely<Database>, direct: PgDirect): void {
  directs.set(db.getExecutor().adapter, direct);
}

/** The direct runner of `db`'s store, or undefined (SQLite, or a Kysely not opened by connect()). */
export function pgDirectFor(db: Kysely<Database>): PgDirect | undefined {
  return directs.get(db.getExecutor().adapter);
}
