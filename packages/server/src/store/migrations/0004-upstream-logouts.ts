import type { Kysely, Migration } from 'kysely';

/** Migration `0004_upstream_logouts`: its id and content are fixed once released (existing databases record the id). */
export const m0004UpstreamLogouts: Migration = {
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
};
