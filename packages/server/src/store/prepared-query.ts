import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type CompiledQuery,
  type QueryResult,
} from 'kysely';
import type { Engine } from './connect.js';
import { pgDirectFor } from './pg-direct.js';
import { directFor } from './sqlite-direct.js';
import type { Database } from './tables.js';

/**
 * Kysely instances that build and compile but never execute: Kysely's documented recipe for splitting query
 * building from execution. One per engine, because the SQL text differs ($1 against ?).
 */
const compilers: Record<Engine, Kysely<Database>> = {
  sqlite: new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  }),
  postgres: new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
};

/** A parameter's stand-in while the query is built: a string no caller can send (it starts with NUL). */
const MARK = '\u0000adieu-param:';

interface Compiled<R> {
  query: CompiledQuery<R>;
  /** For each bind parameter of `query`: the name of the value that fills it, or undefined for a constant. */
  slots: (string | undefined)[];
}

/**
 * A query of the hot paths (token endpoint, authorization endpoint), built with Kysely once per engine and
 * compiled once, then executed with new values. Building and compiling a query costs more CPU than SQLite takes
 * to run it (bench/README.md); everything else (logging, counting, transactions) is Kysely's as usual.
 *
 * `build` receives the values as named stand-ins and must use each only as a bind parameter (a value compared,
 * set or inserted), never as an identifier or a literal; compiling checks that and that every name was used.
 *
 * @example
 * const findToken = new PreparedQuery((db, p: { digest: string }) =>
 *   db.selectFrom('refresh_tokens').selectAll().where('token_digest', '=', p.digest),
 * );
 * const { rows } = await findToken.execute(db, 'sqlite', { digest });
 */
export class PreparedQuery<P extends Record<string, unknown>, R> {
  private readonly compiled: Partial<Record<Engine, Compiled<R>>> = {};

  constructor(private readonly build: (db: Kysely<Database>, p: P) => Compilable<R>) {}

  /**
   * Run the query on `db` (the store's connection or a transaction) with these values, past Kysely's executor
   * where the store has a direct runner: on SQLite on the handle (store/sqlite-direct.ts), on PostgreSQL on a
   * pooled client when `db` is the store's own Kysely, not a transaction (store/pg-direct.ts).
   */
  execute(db: Kysely<Database>, engine: Engine, values: P): Promise<QueryResult<R>> {
    const query = this.bind(engine, values);
    if (engine === 'sqlite') {
      const direct = directFor(db);
      if (direct) return direct.execute(db, query);
    } else {
      const direct = pgDirectFor(db);
      if (direct) return direct.execute(query);
    }
    return db.executeQuery<R>(query);
  }

  /** The compiled query of `engine` with these values bound, ready to run (inside SqliteDirect.transaction). */
  bind(engine: Engine, values: P): CompiledQuery<R> {
    const { query, slots } = (this.compiled[engine] ??= this.compile(engine));
    const parameters = query.parameters.map((constant, i) => {
      const slot = slots[i];
      return slot === undefined ? constant : values[slot];
    });
    return { ...query, parameters };
  }

  /** The compiled query of one engine, with its stand-ins replaced by slot names (exported for tests). */
  compile(engine: Engine): Compiled<R> {
    const used = new Set<string>();
    const names = new Proxy({} as P, {
      get: (_, key) => {
        used.add(String(key));
        return MARK + String(key);
      },
    });
    const query = this.build(compilers[engine], names).compile();
    if (query.sql.includes(MARK)) {
      throw new Error(`prepared query: a value was compiled into the SQL text, not bound: ${query.sql}`);
    }
    const slots = query.parameters.map((v) =>
      typeof v === 'string' && v.startsWith(MARK) ? v.slice(MARK.length) : undefined,
    );
    for (const name of used) {
      if (!slots.includes(name)) throw new Error(`prepared query: ${name} is not a bind parameter`);
    }
    return { query, slots };
  }
}
