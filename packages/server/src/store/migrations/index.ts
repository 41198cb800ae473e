import type { Migration } from 'kysely';
import type { Engine } from '../connect.js';
import { m0001Core } from './0001-core.js';
import { m0002Federation } from './0002-federation.js';
import { m0003BrowserAndLogoutNotes } from './0003-browser-and-logout-notes.js';
import { m0004UpstreamLogouts } from './0004-upstream-logouts.js';
import { m0005ConsoleAuditRoles } from './0005-console-audit-roles.js';
import { m0006AccountTokens } from './0006-account-tokens.js';
import { m0008SecondFactors } from './0008-second-factors.js';
import { m0009PasskeyBackupFlags } from './0009-passkey-backup-flags.js';

/**
 * Schema migrations, in code so the package needs no migration files on disk. Each one must run unchanged on
 * SQLite and PostgreSQL; `engine` is passed only where the two really differ (auto-increment keys).
 * One file per migration, named for its id; this list gives the order. A new migration is a new numbered
 * file added at the end; released ones are never edited.
 */
export function migrations(engine: Engine): Record<string, Migration> {
  return {
    '0001_core': m0001Core(engine),
    '0002_federation': m0002Federation,
    '0003_browser_and_logout_notes': m0003BrowserAndLogoutNotes,
    '0004_upstream_logouts': m0004UpstreamLogouts,
    '0005_console_audit_roles': m0005ConsoleAuditRoles(engine),
    '0006_account_tokens': m0006AccountTokens,
    '0008_second_factors': m0008SecondFactors,
    '0009_passkey_backup_flags': m0009PasskeyBackupFlags,
  };
}
