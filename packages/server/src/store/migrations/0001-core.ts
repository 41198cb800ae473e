import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect.js';
import { serialColumn } from './serial-column.js';

/** Migration `0001_core`: its id and content are fixed once released (existing databases record the id). */
export function m0001Core(engine: Engine): Migration {
  const { serialType, serialKey } = serialColumn(engine);
  return {
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
      await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'ended_at']).execute();
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
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
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
  };
}
