import {
  Kysely,
  PostgresDialect,
  PostgresIntrospector,
  sql,
  type DatabaseIntrospector,
  type TableMetadata,
  type LogEvent,
} from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { nameStatements } from './named-statements.js';
import { PgDirect, registerPgDirect } from './pg-direct.js';
import { DirectSqliteDialect, registerDirect, SqliteDirect } from './sqlite-direct.js';
import { SqliteCheckpointer, type CheckpointerOptions } from './sqlite-checkpointer.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './tables.js';

export type Engine = 'sqlite' | 'postgres';

/** A setting in the database URL is wrong (a schema name, a pool size): the operator's to fix, not a retry's. */
export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

/** Queries sent to the database by this process (benchmarks report queries per flow). */
export interface QueryStats {
  queries: number;
  /** Diagnostics: called with the SQL of every query (benchmarks list the statements of a flow). */
  onQuery?: ((sql: string) => void) | undefined;
  /** Tracing: called with Kysely's event (SQL, duration, error) for every query and failed query. */
  onEvent?: ((event: LogEvent) => void) | undefined;
  /** An idle pooled connection was lost (a database restart, a cut network); the pool replaces it on demand. */
  onConnectionLost?: ((error: Error) => void) | undefined;
}

export interface Connection {
  db: Kysely<Database>;
  stats: QueryStats;
  engine: Engine;
  /** The PostgreSQL pool, for LISTEN/NOTIFY; absent on SQLite. */
  pool?: pg.Pool;
  /** The schema every PostgreSQL connection uses (from `?schema=` in the URL), default `public`. */
  schema?: string;
  databaseUrl: string;
  /** SQLite file opened with `backgroundCheckpoints`: the worker that checkpoints its WAL. */
  checkpointer?: SqliteCheckpointer;
}

export interface ConnectOptions {
  /**
   * SQLite: checkpoint the WAL on a worker thread, never inside a commit on the event loop (store/
   * sqlite-checkpointer.ts). For the long-running server; short CLI commands keep SQLite's own checkpoints.
   */
  backgroundCheckpoints?: boolean | CheckpointerOptions;
}

const INT8_OID = 20;
/** BIGINT columns hold epoch milliseconds, well inside Number's exact range. */
const parseInt8 = (v: string): number => Number(v);

/**
 * Open the database named by a `sqlite:<file>` or `postgres://` URL. On PostgreSQL, `?schema=NAME` selects (and
 * creates) a schema, which lets tests and several deployments share one database without stepping on each other;
 * `?pool_max=N` (default 10) and `?pool_idle_timeout=SECONDS` (default 10, 0 for ever) size the pool, and
 * `?prepared_statements=off` sends statements unnamed (store/named-statements.ts).
 */
export async function connect(databaseUrl: string, options: ConnectOptions = {}): Promise<Connection> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    // WAL lets readers work while the single writer commits; busy_timeout makes a second process wait, not fail.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    // NORMAL, SQLite's documented choice for WAL: a commit reaches the WAL before it returns, so a killed process
    // (kill -9) loses nothing confirmed; only an OS crash or power loss can lose the last commits (docs/operations.md).
    sqlite.pragma('synchronous = NORMAL');
    cacheStatements(sqlite);
    const stats: QueryStats = { queries: 0 };
    const dialect = new DirectSqliteDialect({ database: sqlite });
    const log = counter(stats);
    const db = new Kysely<Database>({ dialect, log });
    registerDirect(db, new SqliteDirect(sqlite, dialect.driver, log));
    const checkpointer =
      options.backgroundCheckpoints && file !== ':memory:'
        ? await SqliteCheckpointer.start(
            sqlite,
            file,
            options.backgroundCheckpoints === true ? {} : options.backgroundCheckpoints,
          ).catch(() => undefined) // An optimisation only: without the worker, SQLite checkpoints as it always has.
        : undefined;
    return { db, engine: 'sqlite', databaseUrl, stats, ...(checkpointer ? { checkpointer } : {}) };
  }
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  const prepared = url.searchParams.get('prepared_statements') !== 'off';
  const poolMax = intParam(url, 'pool_max', { min: 1, max: 1000, fallback: 10 });
  const idleSeconds = intParam(url, 'pool_idle_timeout', { min: 0, max: 86_400, fallback: 10 });
  for (const name of OWN_URL_SETTINGS) url.searchParams.delete(name);
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new DatabaseUrlError('database: schema must be a lower-case SQL identifier');
  }
  if (schema) {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      // The identifier is checked against a strict pattern above; DDL takes no bind parameters.
      await client.query(`create schema if not exists "${schema}"`);
    } catch (e) {
      // "if not exists" is no guard against a concurrent create: the loser sees a unique violation (23505).
      if ((e as { code?: string }).code !== '23505') throw e;
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: poolMax,
    // pg's own default is 10 s. A quiet deployment's next request then pays a fresh backend (catalog caches,
    // statements parsed and planned again); one that idles often can keep connections longer, 0 for ever.
    idleTimeoutMillis: idleSeconds * 1000,
    // Connections kept idle that long are the ones a NAT or firewall drops silently; probes keep them known alive.
    keepAlive: true,
    keepAliveInitialDelayMillis: 60_000,
    // A host that drops packets must not hang a request (or the start) forever.
    connectionTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    // Asked for every column of every result (pg builds a row's parsers per result), so it allocates nothing.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const stats: QueryStats = { queries: 0 };
  // pg emits a lost idle connection as an 'error' on the pool; without a listener Node turns it into a crash of the
  // whole process at the first database restart. The pool has already dropped the client; requests meanwhile get
  // 503 with Retry-After, and the next checkout opens a fresh connection.
  pool.on('error', (e) => stats.onConnectionLost?.(e));
  // The same for a connection lost while checked out (between two statements of a transaction): the pool listens
  // only to idle clients. The statement in progress fails on its own, and the pool discards the broken client.
  pool.on('connect', (client) => {
    client.on('error', (e) => stats.onConnectionLost?.(e));
    if (prepared) nameStatements(client);
  });
  const log = counter(stats);
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }), log });
  registerPgDirect(db, new PgDirect(pool, log));
  return { db, engine: 'postgres', pool, schema: schema ?? 'public', databaseUrl, stats };
}

/** Settings of ours in a PostgreSQL URL, taken out before it reaches pg, whose own settings share the query. */
const OWN_URL_SETTINGS = ['schema', 'prepared_statements', 'pool_max', 'pool_idle_timeout'] as const;

/** A PostgreSQL URL as pg takes it: without our own settings (a LISTEN connection opens one of its own). */
export function pgConnectionString(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  for (const name of OWN_URL_SETTINGS) url.searchParams.delete(name);
  return url.toString();
}

/**
 * An integer setting of ours in a PostgreSQL URL (`?pool_max=20`). Out of range or not an integer fails the start
 * with the setting's name, as a bad schema name does.
 */
function intParam(url: URL, name: string, range: { min: number; max: number; fallback: number }): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return range.fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= range.min && value <= range.max)) {
    throw new DatabaseUrlError(
      `database: ${name} must be an integer from ${range.min} to ${range.max} (got "${raw}")`,
    );
  }
  return value;
}

function counter(stats: QueryStats) {
  return (event: LogEvent) => {
    stats.onEvent?.(event);
    if (event.level !== 'query') return;
    stats.queries++;
    stats.onQuery?.(event.query.sql);
  };
}

/**
 * Kysely's migrator asks the introspector which tables exist, and the stock PostgreSQL one reads every column of
 * every table in every schema of the database: seconds per start once many deployments or test schemas share a
 * database, and an error when one of them is dropped meanwhile. The migrator only needs table names in our own
 * schemas (the connection's search_path), so that is all this one lists.
 */
class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

class OwnSchemaIntrospector extends PostgresIntrospector {
  constructor(private readonly db: Kysely<unknown>) {
    super(db);
  }

  /** Tables of the schemas on the search path, by name only (no column metadata: nothing here needs it). */
  override async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string }>`
      select tablename as name, schemaname as schema from pg_catalog.pg_tables
      where schemaname = any (current_schemas(false))
    `.execute(this.db);
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: false, columns: [] }));
  }
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, so keep them by SQL text. On a
 * single connection statements never run concurrently, which makes the reuse safe. The cache is bounded because
 * `in (...)` lists of varying length make distinct SQL.
 */
function cacheStatements(sqlite: SQLite.Database, max = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      if (cache.size >= max) cache.clear();
      stmt = prepare(source);
      cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}
