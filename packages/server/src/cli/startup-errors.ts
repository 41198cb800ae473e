import { ConfigError } from '../config/errors.js';
import { PortInUseError } from '../http/listen.js';
import { SchemaBehindError, SchemaTooNewError } from '../store/migrations.js';
import { DatabaseUrlError } from '../store/connect.js';
import { KeyEncryptionError } from '../keys/key-encryption.js';

/**
 * Exit codes of `adieu` (sysexits.h), so a supervisor can tell "fix the config" from "try again later".
 * Documented in docs/operations.md.
 */
export const EXIT = {
  /** Anything else. */
  failure: 1,
  /** The database cannot be reached (down, starting, wrong host): retrying later may work. */
  unavailable: 69,
  /** The configuration is wrong: the config file, an ADIEU_* variable, the port, credentials, the schema. */
  config: 78,
} as const;

/** An error whose message is the whole story for the operator, with the exit code to leave with. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Turn what can go wrong while starting into one clear line and an exit code. */
export function explainStartupError(e: unknown, databaseUrl: string | undefined): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError || e instanceof PortInUseError || e instanceof KeyEncryptionError)
    return new CliError(e.message, EXIT.config, { cause: e });
  if (e instanceof SchemaTooNewError || e instanceof SchemaBehindError)
    return new CliError(e.message, EXIT.config, { cause: e });
  const err = e as NodeJS.ErrnoException & { code?: string; message?: string };
  const where = databaseUrl ? describeDatabase(databaseUrl) : 'the database';
  const code = String(err?.code ?? '');
  const setting = 'check "database" in the config (or ADIEU_DATABASE_URL)';
  if (e instanceof DatabaseUrlError)
    return new CliError(`${e.message} (${setting})`, EXIT.config, { cause: e });
  if (code === 'ECONNREFUSED' || code === '57P03' || /^Connection terminated/.test(err?.message ?? ''))
    return new CliError(
      `cannot connect to ${where}: connection refused. Is PostgreSQL running? (${setting})`,
      EXIT.unavailable,
      { cause: e },
    );
  if (code === 'ETIMEDOUT' || /timeout exceeded when trying to connect/.test(err?.message ?? ''))
    return new CliError(
      `cannot connect to ${where}: timed out. Is the host reachable? (${setting})`,
      EXIT.unavailable,
      { cause: e },
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new CliError(
      `cannot connect to ${where}: the host name does not resolve (${setting})`,
      EXIT.unavailable,
      { cause: e },
    );
  if (code === '28P01' || code === '28000')
    return new CliError(`cannot connect to ${where}: authentication failed (${setting})`, EXIT.config, {
      cause: e,
    });
  if (code === '3D000')
    return new CliError(
      `cannot connect to ${where}: the database does not exist; create it first (${setting})`,
      EXIT.config,
      { cause: e },
    );
  if (code === 'ERR_INVALID_URL' || /Invalid URL/.test(err?.message ?? ''))
    return new CliError(`the database URL is not valid (${setting})`, EXIT.config, { cause: e });
  if (code === 'SQLITE_CANTOPEN' || code === 'EACCES')
    return new CliError(`cannot open ${where}: ${err.message} (${setting})`, EXIT.config, { cause: e });
  return new CliError(err instanceof Error ? err.message : String(e), EXIT.failure, { cause: e });
}

function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return `the SQLite database ${url.slice('sqlite:'.length)}`;
  try {
    const u = new URL(url);
    return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the database';
  }
}
