import type { Kysely, Migration } from 'kysely';

/** Migration `0008_second_factors`: its id and content are fixed once released (existing databases record the id). */
export const m0008SecondFactors: Migration = {
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
};
