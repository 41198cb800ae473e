import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Engine } from './connect.js';
import { migrations } from './migrations/index.js';

/**
 * Running the schema migrations (the migrations themselves are in `migrations/`, one file each, listed in order
 * by `migrations/index.ts`): bring a database up to date, report its status, refuse a schema newer than the code.
 */
class InCodeMigrations implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrations(this.engine));
  }
}

/**
 * Bring the schema up to date. Safe to run from several processes at once (Kysely takes a lock). On PostgreSQL
 * `schema` must name the connection's schema: Kysely otherwise looks for its bookkeeping tables in every schema
 * and mistakes another deployment's (or test's) tables for this one's.
 */
export async function migrateToLatest(db: Kysely<unknown>, engine: Engine, schema?: string): Promise<void> {
  const migrate = async () => {
    const migrator = new Migrator({
      db,
      provider: new InCodeMigrations(engine),
      ...(engine === 'postgres' && schema ? { migrationTableSchema: schema } : {}),
    });
    refuseNewerSchema(await schemaStatus(db, engine, schema));
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, {
        cause: error,
      });
    }
  };
  return engine === 'sqlite' ? sqliteExclusive(db, migrate) : migrate();
}

/** SQLite migrations of this process, one after the other (see sqliteExclusive). */
let sqliteQueue: Promise<unknown> = Promise.resolve();

/**
 * Kysely takes no migration lock on SQLite and runs migrations outside a transaction, so two stores opening one
 * file at once both create the same tables and one fails. Run them in one `BEGIN IMMEDIATE` transaction: another
 * process waits on the file lock (busy_timeout) and then finds the work done, and a failed migration leaves no
 * half-made schema. Within one process the waits are queued instead: better-sqlite3 waits synchronously, which
 * would block the very event loop the lock holder needs to finish.
 */
function sqliteExclusive(db: Kysely<unknown>, fn: () => Promise<void>): Promise<void> {
  const run = sqliteQueue.then(async () => {
    await sql`begin immediate`.execute(db);
    try {
      await fn();
    } catch (e) {
      await sql`rollback`.execute(db);
      throw e;
    }
    await sql`commit`.execute(db);
  });
  sqliteQueue = run.catch(() => undefined);
  return run;
}

/** Which of the code's migrations the database has, which it lacks, and any it has that this code does not know. */
export interface SchemaStatus {
  applied: string[];
  pending: string[];
  /** Migrations recorded in the database but unknown to this code: the schema is newer than the code. */
  unknown: string[];
}

export async function schemaStatus(
  db: Kysely<unknown>,
  engine: Engine,
  schema?: string,
): Promise<SchemaStatus> {
  const pgSchema = engine === 'postgres' && schema ? schema : undefined;
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrations(engine),
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
  });
  const known = await migrator.getMigrations();
  const applied = known.filter((m) => m.executedAt).map((m) => m.name);
  const pending = known.filter((m) => !m.executedAt).map((m) => m.name);
  let unknown: string[] = [];
  // Once one migration is recorded the bookkeeping table exists; read it for names this code does not have.
  if (applied.length > 0) {
    const names = new Set(known.map((m) => m.name));
    const table = sql.table(pgSchema ? `${pgSchema}.kysely_migration` : 'kysely_migration');
    const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
    unknown = rows.map((r) => r.name).filter((n) => !names.has(n));
  }
  return { applied, pending, unknown };
}

/** Thrown when the database was migrated by a newer Adieu: running older code on it could corrupt data. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Thrown when `migrations` is `manual` and the database lacks migrations this code needs. */
export class SchemaBehindError extends Error {
  override name = 'SchemaBehindError';
}

export function refuseNewerSchema(status: SchemaStatus): void {
  if (status.unknown.length > 0) {
    throw new SchemaTooNewError(
      `the database schema is newer than this version of Adieu (it has migration ${status.unknown.join(', ')}, ` +
        'which this code does not know): run the newer version, or restore a backup taken before the upgrade',
    );
  }
}
