import type { Kysely, Migration } from 'kysely';

/** Migration `0003_browser_and_logout_notes`: its id and content are fixed once released (existing databases record the id). */
export const m0003BrowserAndLogoutNotes: Migration = {
  async up(db: Kysely<unknown>) {
    // The browser a session was created in (issue 12: a closed browser ends its non-persistent sessions).
    // Several sessions may share one browser (several accounts per browser), so it is not unique.
    await db.schema.alterTable('sessions').addColumn('browser_id', 'text').execute();
    await db.schema.createIndex('sessions_browser').on('sessions').column('browser_id').execute();
    // Why the browser was not sent back to the app after this logout (plain words for the receipt).
    await db.schema.alterTable('logouts').addColumn('redirect_note', 'text').execute();
  },
};
