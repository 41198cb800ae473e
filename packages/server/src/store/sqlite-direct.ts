import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type Kysely,
  type LogEvent,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from './tables.js';

/**
 * Runs a compiled query on the SQLite handle at once, synchronously: `run(query)`. Only ever handed to code that
 * holds the connection (see SqliteDirect.transaction).
 */
export type RunNow = <R>(query: CompiledQuery<R>) => QueryResult<R>;

const BEGIN = CompiledQuery.raw('begin');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');
const SAVEPOINT = CompiledQuery.raw('savepoint');
const RELEASE = CompiledQuery.raw('release');
const ROLLBACK_TO = CompiledQuery.raw('rollback to');

/**
 * Kysely's SQLite driver, telling whether Kysely holds the one connection. Kysely serialises its queries and
 * transactions with a mutex around the connection; between BEGIN and COMMIT of a Kysely transaction it holds the
 * connection across awaits, and a statement run beside it would land inside that transaction.
 */
class HeldSqliteDriver extends SqliteDriver {
  held = false;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.held = true;
    return connection;
  }

  override async releaseConnection(): Promise<void> {
    this.held = false;
    await super.releaseConnection();
  }
}

/** Kysely's SQLite dialect with the driver above, and a handle on it for SqliteDirect. */
export class DirectSqliteDialect extends SqliteDialect {
  readonly driver: HeldSqliteDriver;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.driver = new HeldSqliteDriver(config);
  }

  override createDriver(): Driver {
    return this.driver;
  }
}

/**
 * The hot paths' statements on SQLite without Kysely's executor: better-sqlite3 is synchronous, so a statement run
 * straight on the handle needs none of the promises, connection provider and mutex that Kysely wraps around it
 * (about 16 µs per statement, more than SQLite takes to run most of them: bench/README.md), and a transaction of
 * a few statements runs as one synchronous better-sqlite3 transaction.
 *
 * It is safe because nothing can run between the statements of a synchronous call, and because a direct run
 * waits its turn whenever Kysely holds the connection (a Kysely transaction is open across awaits): then it goes
 * through Kysely's own queue. Queries are compiled by Kysely as always (store/prepared-query.ts); only their
 * execution is done here, with the same results, errors and log events as Kysely's SQLite driver.
 */
export class SqliteDirect {
  /** better-sqlite3's transaction wrapper, made once: it runs its argument between BEGIN and COMMIT. */
  private readonly inTransaction: <T>(fn: () => T) => T;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly driver: { held: boolean },
    private readonly log: (event: LogEvent) => void,
  ) {
    this.inTransaction = sqlite.transaction((fn: () => unknown) => fn()) as <T>(fn: () => T) => T;
  }

  /** Run one compiled query on `db` (the store's connection or a transaction of it). */
  execute<R>(db: Kysely<Database>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
    return this.whenFree(db, () => this.run(query));
  }

  /**
   * Run `fn` as one SQLite transaction: every statement it runs commits together, or none does when it throws.
   * Inside a Kysely transaction (`db` is one) it joins it, as a savepoint.
   */
  transaction<T>(db: Kysely<Database>, fn: (run: RunNow) => T): Promise<T> {
    return this.whenFree(db, () => {
      // better-sqlite3 sends BEGIN and COMMIT (or SAVEPOINT and RELEASE inside a transaction) itself; they are
      // statements like any other, so they are logged and counted as Kysely's transactions count them.
      const nested = this.sqlite.inTransaction;
      this.logControl(nested ? SAVEPOINT : BEGIN);
      try {
        const result = this.inTransaction(() => fn(this.run));
        this.logControl(nested ? RELEASE : COMMIT);
        return result;
      } catch (e) {
        this.logControl(nested ? ROLLBACK_TO : ROLLBACK);
        throw e;
      }
    });
  }

  private logControl(query: CompiledQuery): void {
    this.log({ level: 'query', query, queryDurationMillis: 0 });
  }

  /**
   * Run `fn` now if nobody else holds the connection, or if `db` is the transaction that holds it; otherwise once
   * Kysely hands the connection over.
   */
  private whenFree<T>(db: Kysely<Database>, fn: () => T): Promise<T> {
    if (db.isTransaction || !this.driver.held) {
      try {
        return Promise.resolve(fn());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return db.connection().execute(async () => fn());
  }

  /** Kysely's SQLite driver's executeQuery, synchronous, with its log event. */
  private readonly run: RunNow = <R>(query: CompiledQuery<R>): QueryResult<R> => {
    const started = performance.now();
    try {
      const stmt = this.sqlite.prepare(query.sql);
      const parameters = query.parameters as unknown[];
      let result: QueryResult<R>;
      if (stmt.reader) {
        result = { rows: stmt.all(parameters) as R[] };
      } else {
        const { changes, lastInsertRowid } = stmt.run(parameters);
        result = { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
      }
      this.log({ level: 'query', query, queryDurationMillis: performance.now() - started });
      return result;
    } catch (error) {
      this.log({ level: 'error', query, error, queryDurationMillis: performance.now() - started });
      throw error;
    }
  };
}

/** The direct runner of each SQLite store, found from any Kysely of it (its transactions share the adapter). */
const directs = new WeakMap<object, SqliteDirect>();

export function registerDirect(db: Kysely<Database>, direct: SqliteDirect): void {
  directs.set(db.getExecutor().adapter, direct);
}

/** The direct runner of `db`'s store, or undefined (PostgreSQL, or a Kysely not opened by connect()). */
export function directFor(db: Kysely<Database>): SqliteDirect | undefined {
  return directs.get(db.getExecutor().adapter);
}
