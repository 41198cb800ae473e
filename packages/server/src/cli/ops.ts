import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { connect } from '../store/connect.js';
import { migrateToLatest, refuseNewerSchema, schemaStatus } from '../store/migrations.js';
import { Provider } from '../provider.js';
import { KeyEncryption } from '../keys/key-encryption.js';
import { cliConfig } from './config.js';
import { CliError, EXIT, explainStartupError } from './startup-errors.js';

export const OPS_USAGE = `  migrate --config FILE            bring the database schema up to date (with "migrations": "manual",
                                   start refuses a schema that is not current)
  backup --config FILE --to FILE [--force]
                                   copy the SQLite database while the provider runs (online backup);
                                   PostgreSQL: use pg_dump (docs/operations.md#backup)
  keys rotate-encryption-key --config FILE
                                   seal every private signing key with ADIEU_KEY_ENCRYPTION_KEY (reading
                                   them with it or ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS)`;

/** Is this one of the operations commands (migrate, backup, keys rotate-encryption-key)? */
export function isOpsCommand(argv: readonly string[]): boolean {
  const [command, sub] = argv;
  return (
    command === 'migrate' || command === 'backup' || (command === 'keys' && sub === 'rotate-encryption-key')
  );
}

/** Run an operations command; returns the exit code. Failures are CliErrors with a clear line. */
export async function opsCommand(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  const { values } = parseArgs({
    args: argv.slice(command === 'keys' ? 2 : 1),
    options: {
      config: { type: 'string', short: 'c' },
      to: { type: 'string' },
      force: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const config = (() => {
    try {
      return cliConfig(values);
    } catch (e) {
      throw explainStartupError(e, undefined);
    }
  })();
  try {
    if (command === 'migrate') return await migrate(config.database);
    if (command === 'backup') return await backup(config.database, values.to, values.force === true);
    return await rotateEncryptionKey(config);
  } catch (e) {
    throw explainStartupError(e, config.database);
  }
}

async function migrate(databaseUrl: string): Promise<number> {
  const c = await connect(databaseUrl);
  try {
    const db = c.db as Kysely<unknown>;
    const before = await schemaStatus(db, c.engine, c.schema);
    refuseNewerSchema(before);
    if (before.pending.length === 0) {
      console.log(`database schema is current (${before.applied.length} migrations)`);
      return 0;
    }
    await migrateToLatest(db, c.engine, c.schema);
    const after = await schemaStatus(db, c.engine, c.schema);
    const done = before.pending.filter((m) => after.applied.includes(m));
    console.log(`applied ${done.length} migration(s): ${done.join(', ')}`);
    return 0;
  } finally {
    await c.db.destroy();
  }
}

/**
 * SQLite's online backup API (through better-sqlite3): a consistent copy taken page by page while the provider
 * keeps serving, WAL included.
 */
async function backup(databaseUrl: string, to: string | undefined, force: boolean): Promise<number> {
  if (!to) throw new CliError('--to FILE is required', EXIT.failure);
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new CliError(
      'adieu backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/operations.md#backup)',
      EXIT.failure,
    );
  }
  const file = databaseUrl.slice('sqlite:'.length);
  if (!existsSync(file)) throw new CliError(`no database at ${file}`, EXIT.config);
  const target = resolve(to);
  if (existsSync(target) && !force)
    throw new CliError(`${to} exists; use --force to overwrite it`, EXIT.failure);
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const { totalPages } = await db.backup(target);
    console.log(`backed up ${file} to ${target} (${totalPages} pages)`);
    return 0;
  } finally {
    db.close();
  }
}

async function rotateEncryptionKey(config: Parameters<typeof Provider.start>[0]): Promise<number> {
  const encryption = KeyEncryption.fromEnv();
  if (!encryption.enabled) {
    throw new CliError(
      'set ADIEU_KEY_ENCRYPTION_KEY to the new key (and ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS to the old one, if any)',
      EXIT.config,
    );
  }
  const p = await Provider.start(config, { workers: false });
  try {
    const changed = await p.keys.reseal();
    console.log(
      changed === 0
        ? `every signing key is already sealed with key-encryption key ${encryption.currentKid}`
        : `sealed ${changed} signing key(s) with key-encryption key ${encryption.currentKid}`,
    );
    return 0;
  } finally {
    await p.stop();
  }
}
