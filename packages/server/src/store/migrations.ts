import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  sql,
} from 'kysely';
import type { Engine } from './connect.js';

/**
 * Schema migrations, in code so the package needs no migration files on disk. Each one must run unchanged on
 * SQLite and PostgreSQL; `engine` is passed only where the two really differ (auto-increment keys).
 */
function migrations(engine: Engine): Record<string, Migration> {
  const serialType = engine === 'postgres' ? 'bigserial' : 'integer';
  const serialKey = (c: ColumnDefinitionBuilder) =>
    engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement();
  return {
    '0001_core': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('email', 'text')
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('name', 'text')
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('password_changed_at', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('clients')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('secret_digest', 'text')
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('registration_token_digest', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', 'text', (c) => c.primaryKey())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('private_jwk', 'text', (c) => c.notNull())
          .addColumn('public_jwk', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('sign_from', 'bigint', (c) => c.notNull())
          .addColumn('sign_until', 'bigint')
          .addColumn('publish_until', 'bigint')
          .addColumn('verify_until', 'bigint')
          .execute();

        await db.schema
          .createTable('interactions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('interactions_expires').on('interactions').column('expires_at').execute();

        await db.schema
          .createTable('sessions')
          .addColumn('sid', 'text', (c) => c.primaryKey())
          .addColumn('cookie_digest', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_active_at', 'bigint', (c) => c.notNull())
          .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('remember_me', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('idle_seconds', 'integer', (c) => c.notNull())
          .addColumn('ended_at', 'bigint')
          .addColumn('end_reason', 'text')
          .addColumn('logout_id', 'text')
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .execute();
        await db.schema
          .createIndex('sessions_user')
          .on('sessions')
          .columns(['user_id', 'ended_at'])
          .execute();
        await db.schema
          .createIndex('sessions_idle')
          .on('sessions')
          .columns(['ended_at', 'idle_expires_at'])
          .execute();
        await db.schema
          .createIndex('sessions_absolute')
          .on('sessions')
          .columns(['ended_at', 'absolute_expires_at'])
          .execute();

        await db.schema
          .createTable('session_participants')
          .addColumn('sid', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('first_at', 'bigint', (c) => c.notNull())
          .addColumn('last_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('session_participants_pk', ['sid', 'client_id'])
          .execute();

        await db.schema
          .createTable('auth_codes')
          .addColumn('code_digest', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('sid', 'text', (c) => c.notNull())
          .addColumn('redirect_uri', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text')
          .addColumn('code_challenge', 'text')
          .addColumn('code_challenge_method', 'text')
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('consumed_at', 'bigint')
          .addColumn('family_id', 'text')
          .addColumn('access_jti', 'text')
          .addColumn('access_expires_at', 'bigint')
          .execute();
        await db.schema.createIndex('auth_codes_expires').on('auth_codes').column('expires_at').execute();

        await db.schema
          .createTable('refresh_tokens')
          .addColumn('token_digest', 'text', (c) => c.primaryKey())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('sid', 'text')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('offline', 'integer', (c) => c.notNull())
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .addColumn('revoke_reason', 'text')
          .addColumn('access_jti', 'text')
          .addColumn('access_expires_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('refresh_tokens_family')
          .on('refresh_tokens')
          .column('family_id')
          .execute();
        await db.schema.createIndex('refresh_tokens_sid').on('refresh_tokens').column('sid').execute();
        await db.schema.createIndex('refresh_tokens_user').on('refresh_tokens').column('user_id').execute();

        await db.schema
          .createTable('revoked_access_tokens')
          .addColumn('jti', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('consents')
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
          .execute();

        await db.schema
          .createTable('throttle')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('window_started_at', 'bigint', (c) => c.notNull())
          .addColumn('locked_until', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('logouts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('sid', 'text')
          .addColumn('user_id', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('initiator', 'text', (c) => c.notNull())
          .addColumn('initiator_client_id', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('frontchannel_deadline_at', 'bigint', (c) => c.notNull())
          .addColumn('receipt_deadline_at', 'bigint', (c) => c.notNull())
          .addColumn('receipt_digest', 'text')
          .addColumn('redirect_to', 'text')
          .execute();
        await db.schema.createIndex('logouts_sid').on('logouts').column('sid').execute();

        await db.schema
          .createTable('logout_participants')
          .addColumn('logout_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('logout_participants_pk', ['logout_id', 'client_id', 'channel'])
          .execute();

        await db.schema
          .createTable('backchannel_outbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('logout_id', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('uri', 'text', (c) => c.notNull())
          .addColumn('sid', 'text')
          .addColumn('sub', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('deadline_at', 'bigint', (c) => c.notNull())
          .addColumn('locked_until', 'bigint')
          .addColumn('locked_by', 'text')
          .addColumn('completed_at', 'bigint')
          .addColumn('last_status_code', 'integer')
          .addColumn('last_error', 'text')
          .execute();
        await db.schema
          .createIndex('backchannel_outbox_due')
          .on('backchannel_outbox')
          .columns(['status', 'next_attempt_at'])
          .execute();
        await db.schema
          .createIndex('backchannel_outbox_logout')
          .on('backchannel_outbox')
          .column('logout_id')
          .execute();

        await db.schema
          .createTable('delivery_attempts')
          .addColumn('id', serialType, serialKey)
          .addColumn('outbox_id', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .addColumn('status_code', 'integer')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .execute();
        await db.schema
          .createIndex('delivery_attempts_outbox')
          .on('delivery_attempts')
          .column('outbox_id')
          .execute();

        await db.schema
          .createTable('session_events')
          .addColumn('id', serialType, serialKey)
          .addColumn('sid', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('logout_id', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('session_events_sid').on('session_events').column('sid').execute();
      },
    },
    '0002_federation': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('connections')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('upstream_links')
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('upstream_iss', 'text', (c) => c.notNull())
          .addColumn('upstream_sub', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_login_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('upstream_links_pk', ['connection_id', 'upstream_iss', 'upstream_sub'])
          .execute();
        await db.schema.createIndex('upstream_links_user').on('upstream_links').column('user_id').execute();
        await db.schema
          .createTable('upstream_requests')
          .addColumn('state_digest', 'text', (c) => c.primaryKey())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('interaction_id', 'text', (c) => c.notNull())
          .addColumn('browser_digest', 'text', (c) => c.notNull())
          .addColumn('nonce', 'text', (c) => c.notNull())
          .addColumn('code_verifier', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('session_upstreams')
          .addColumn('sid', 'text', (c) => c.primaryKey())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('upstream_iss', 'text', (c) => c.notNull())
          .addColumn('upstream_sub', 'text', (c) => c.notNull())
          .addColumn('upstream_sid', 'text')
          .addColumn('id_token', 'text')
          .addColumn('id_token_expires_at', 'bigint')
          .addColumn('refresh_token', 'text')
          .addColumn('end_session_endpoint', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('session_upstreams_upstream_sid')
          .on('session_upstreams')
          .columns(['connection_id', 'upstream_sid'])
          .execute();
        await db.schema
          .createIndex('session_upstreams_upstream_sub')
          .on('session_upstreams')
          .columns(['connection_id', 'upstream_sub'])
          .execute();
        await db.schema
          .createTable('upstream_pending_links')
          .addColumn('token_digest', 'text', (c) => c.primaryKey())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('interaction_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('identity', 'text', (c) => c.notNull())
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('upstream_logout_jtis')
          .addColumn('jti_digest', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003_browser_and_logout_notes': {
      async up(db: Kysely<unknown>) {
        // The browser a session was created in (issue 12: a closed browser ends its non-persistent sessions).
        // Several sessions may share one browser (several accounts per browser), so it is not unique.
        await db.schema.alterTable('sessions').addColumn('browser_id', 'text').execute();
        await db.schema.createIndex('sessions_browser').on('sessions').column('browser_id').execute();
        // Why the browser was not sent back to the app after this logout (plain words for the receipt).
        await db.schema.alterTable('logouts').addColumn('redirect_note', 'text').execute();
      },
    },
    '0004_upstream_logouts': {
      async up(db: Kysely<unknown>) {
        // What happened at the upstream when a session bound to a connection ended: the receipt's upstream row.
        await db.schema
          .createTable('upstream_logouts')
          .addColumn('logout_id', 'text', (c) => c.primaryKey())
          .addColumn('sid', 'text', (c) => c.notNull())
          .addColumn('connection_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('state_digest', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('upstream_logouts_state')
          .on('upstream_logouts')
          .column('state_digest')
          .execute();
      },
    },
    '0005_console_audit_roles': {
      async up(db: Kysely<unknown>) {
        // Issue 16: roles (the console admits `admin`), the append-only audit log, and console sign-ins.
        await db.schema
          .createTable('user_roles')
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'bigint', (c) => c.notNull())
          .addColumn('granted_by', 'text')
          .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
          .execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('id', serialType, serialKey)
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor_type', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text')
          .addColumn('actor_name', 'text')
          .addColumn('client_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target_type', 'text')
          .addColumn('target_id', 'text')
          .addColumn('status', 'integer')
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
        await db.schema.createIndex('audit_events_target').on('audit_events').column('target_id').execute();
        await db.schema
          .createTable('console_sessions')
          .addColumn('id_digest', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0006_account_tokens': {
      // Links mailed to users (email verification, password reset, invitation). Only a digest of the token is
      // stored; `used_at` makes each single use and lets a second click be answered kindly.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('account_tokens')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('account_tokens_user')
          .on('account_tokens')
          .columns(['user_id', 'kind'])
          .execute();
        // Emails are matched case-insensitively (forgot password, sign-up).
        await db.schema
          .createIndex('users_email')
          .on('users')
          .expression(sql`lower(email)`)
          .execute();
      },
    },
    '0008_second_factors': {
      // Issue 15: second factors (TOTP, passkeys), recovery codes, and the methods each sign-in used (amr).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('user_factors')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('label', 'text', (c) => c.notNull())
          // TOTP: the shared secret, sealed like signing keys (keys/key-encryption.ts).
          .addColumn('secret', 'text')
          // TOTP: the last time step accepted; a code of this step or an earlier one is a replay.
          .addColumn('last_step', 'bigint')
          // Passkeys: the credential (base64url id, public key, signature counter, transports).
          .addColumn('credential_id', 'text', (c) => c.unique())
          .addColumn('public_key', 'text')
          .addColumn('sign_count', 'bigint')
          .addColumn('transports', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema.createIndex('user_factors_user').on('user_factors').column('user_id').execute();
        await db.schema
          .createTable('recovery_codes')
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'digest'])
          .execute();
        // Space-separated RFC 8176 method references; null on rows from before this migration (a password).
        await db.schema.alterTable('sessions').addColumn('amr', 'text').execute();
        await db.schema.alterTable('auth_codes').addColumn('amr', 'text').execute();
        await db.schema.alterTable('refresh_tokens').addColumn('amr', 'text').execute();
      },
    },
    '0009_passkey_backup_flags': {
      // Issue 15, passkeys: whether a credential may be synced (WebAuthn BE flag, fixed for its life: checked at
      // every use, and what makes it swk rather than hwk in amr) and whether it is backed up now (BS, shown).
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('user_factors').addColumn('backup_eligible', 'integer').execute();
        await db.schema.alterTable('user_factors').addColumn('backed_up', 'integer').execute();
      },
    },
  };
}

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
