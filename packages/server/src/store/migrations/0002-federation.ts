import type { Kysely, Migration } from 'kysely';

/** Migration `0002_federation`: its id and content are fixed once released (existing databases record the id). */
export const m0002Federation: Migration = {
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
};
