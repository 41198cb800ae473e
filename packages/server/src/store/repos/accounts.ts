import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccountTokenTable, Database } from '../tables.js';
import { toUserRow, type UserRow } from './users.js';

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

  /** Run `fn` in a transaction, joining the caller's if this repository already runs in one. */
  private inTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    return this.db.transaction().execute((trx) => fn(trx));
  }

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

  /** Users ordered by username, optionally matching `q` in username, email or name; one page after `after`. */
  async listUsers(o: {
    q?: string | undefined;
    after?: string | undefined;
    limit: number;
  }): Promise<UserRow[]> {
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
    return (await query.orderBy('username').limit(o.limit).execute()).map((r) => toUserRow(r));
  }

  /**
   * Everything stored about one person that is theirs to read (`GET /api/v1/me`): the grants they gave, their
   * roles and the upstream accounts linked to them. Sessions are read through the sessions repository.
   */
  async personalData(userId: string): Promise<{
    consents: { client_id: string; scope: string; granted_at: number }[];
    roles: string[];
    links: { connection_id: string; upstream_iss: string; created_at: number; last_login_at: number }[];
  }> {
    const [consents, roles, links] = await Promise.all([
      this.db
        .selectFrom('consents')
        .select(['client_id', 'scope', 'granted_at'])
        .where('user_id', '=', userId)
        .orderBy('client_id')
        .execute(),
      this.db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute(),
      this.db
        .selectFrom('upstream_links')
        .select(['connection_id', 'upstream_iss', 'created_at', 'last_login_at'])
        .where('user_id', '=', userId)
        .orderBy('connection_id')
        .execute(),
    ]);
    return { consents, roles: roles.map((r) => r.role), links };
  }

  /**
   * Remove a user's personal data in one transaction: the account, consents, roles, linked upstream accounts,
   * mailed links, console sign-ins, second factors and refresh tokens are deleted; ended sessions keep only opaque ids (no IP
   * address, browser or upstream ID token). Logout records keep the opaque user id, so an admin can still read
   * what happened. Run it after the user's sessions were ended. False when there was no such user.
   */
  forgetUser(userId: string): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      for (const table of [
        'account_tokens',
        'consents',
        'refresh_tokens',
        'auth_codes',
        'user_roles',
        'upstream_links',
        'upstream_pending_links',
        'console_sessions',
        // Second factors: TOTP secrets, passkeys and recovery codes (issue 15).
        'user_factors',
        'recovery_codes',
      ] as const) {
        await trx.deleteFrom(table).where('user_id', '=', userId).execute();
      }
      await trx
        .updateTable('session_upstreams')
        .set({ id_token: null, refresh_token: null })
        .where('sid', 'in', trx.selectFrom('sessions').select('sid').where('user_id', '=', userId))
        .execute();
      await trx
        .updateTable('sessions')
        .set({ ip: null, user_agent: null })
        .where('user_id', '=', userId)
        .execute();
      const r = await trx.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}
