import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccountTokenTable, Database } from '../tables.js';
import type { UserRow } from './users.js';

export type AccountTokenRow = Selectable<AccountTokenTable>;
export type AccountTokenKind = 'verify' | 'reset' | 'invite';

/** The outcome of presenting a mailed link. */
export type TokenLookup =
  | { state: 'valid'; row: AccountTokenRow }
  | { state: 'used'; row: AccountTokenRow }
  | { state: 'expired' }
  | { state: 'unknown' };

/**
 * Self-service account questions: mailed single-use tokens (stored as digests), users by email, the user list
 * for admins, and forgetting a deleted user's personal data.
 */
export class AccountsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insertToken(row: AccountTokenRow): Promise<void> {
    await this.db.insertInto('account_tokens').values(row).execute();
  }

  async lookupToken(digest: string, kind: AccountTokenKind, now: number): Promise<TokenLookup> {
    const row = await this.db
      .selectFrom('account_tokens')
      .selectAll()
      .where('digest', '=', digest)
      .where('kind', '=', kind)
      .executeTakeFirst();
    if (!row) return { state: 'unknown' };
    if (row.used_at !== null) return { state: 'used', row };
    if (row.expires_at <= now) return { state: 'expired' };
    return { state: 'valid', row };
  }

  /** Mark the token used; true only for the one caller that did it (single use across processes). */
  async consumeToken(digest: string, kind: AccountTokenKind, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('digest', '=', digest)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Retire every unused token of these kinds (a new password makes outstanding reset links worthless). */
  async retireTokens(userId: string, kinds: readonly AccountTokenKind[], now: number): Promise<void> {
    await this.db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('kind', 'in', [...kinds])
      .where('used_at', 'is', null)
      .execute();
  }

  /** Drop tokens a day after they expired (until then a second click still gets a kind answer). */
  async purgeTokens(now: number): Promise<void> {
    await this.db
      .deleteFrom('account_tokens')
      .where('expires_at', '<', now - 86_400_000)
      .execute();
  }

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .orderBy('created_at')
      .executeTakeFirst();
  }

  /** Users ordered by username, optionally matching `q` in username, email or name; one page after `after`. */
  listUsers(o: { q?: string | undefined; after?: string | undefined; limit: number }): Promise<UserRow[]> {
    let query = this.db.selectFrom('users').selectAll();
    if (o.q) {
      const like = `%${o.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb(sql<string>`lower(username)`, 'like', sql<string>`${like} escape '\\'`),
          eb(sql<string>`lower(coalesce(email, ''))`, 'like', sql<string>`${like} escape '\\'`),
          eb(sql<string>`lower(coalesce(name, ''))`, 'like', sql<string>`${like} escape '\\'`),
        ]),
      );
    }
    if (o.after !== undefined) query = query.where('username', '>', o.after);
    return query.orderBy('username').limit(o.limit).execute();
  }

  /**
   * Remove a user's personal data: the account, consents, mailed links and refresh tokens are deleted; ended
   * sessions keep only opaque ids (no IP address or browser). Logout records keep the opaque user id, so an
   * admin can still read what happened. Run it after the user's sessions were ended.
   */
  async forgetUser(userId: string): Promise<void> {
    await this.db.deleteFrom('account_tokens').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('consents').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('refresh_tokens').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('auth_codes').where('user_id', '=', userId).execute();
    await this.db
      .updateTable('sessions')
      .set({ ip: null, user_agent: null })
      .where('user_id', '=', userId)
      .execute();
    await this.db.deleteFrom('users').where('id', '=', userId).execute();
  }
}
