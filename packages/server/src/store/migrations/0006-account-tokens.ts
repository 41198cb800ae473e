import { type Kysely, type Migration, sql } from 'kysely';

/** Migration `0006_account_tokens`: its id and content are fixed once released (existing databases record the id). */
export const m0006AccountTokens: Migration = {
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
};
