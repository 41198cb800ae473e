import type { Kysely, Migration } from 'kysely';

/** Migration `0009_passkey_backup_flags`: its id and content are fixed once released (existing databases record the id). */
export const m0009PasskeyBackupFlags: Migration = {
  // Issue 15, passkeys: whether a credential may be synced (WebAuthn BE flag, fixed for its life: checked at
  // every use, and what makes it swk rather than hwk in amr) and whether it is backed up now (BS, shown).
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('user_factors').addColumn('backup_eligible', 'integer').execute();
    await db.schema.alterTable('user_factors').addColumn('backed_up', 'integer').execute();
  },
};
