import type { Kysely, Selectable } from 'kysely';
import { inBatches } from '../batches.js';
import { toSessionRow, type SessionRow } from './sessions.js';
import type {
  ConnectionTable,
  Database,
  SessionUpstreamTable,
  UpstreamLinkTable,
  UpstreamLogoutTable,
  UpstreamPendingLinkTable,
  UpstreamRequestTable,
} from '../tables.js';

export type StoredConnectionRow = Selectable<ConnectionTable>;
export type UpstreamLinkRow = Selectable<UpstreamLinkTable>;
export type UpstreamRequestRow = Selectable<UpstreamRequestTable>;
export type SessionUpstreamRow = Selectable<SessionUpstreamTable>;
export type PendingLinkRow = Selectable<UpstreamPendingLinkTable>;
export type UpstreamLogoutRow = Selectable<UpstreamLogoutTable>;

/** Connections managed at run time (CLI, admin API). Config-file connections never reach this table. */
export class ConnectionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  list(): Promise<StoredConnectionRow[]> {
    return this.db.selectFrom('connections').selectAll().orderBy('id').execute();
  }

  async upsert(id: string, settings: string, now: number): Promise<void> {
    await this.db
      .insertInto('connections')
      .values({ id, settings, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ settings, updated_at: now }))
      .execute();
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}

/**
 * Everything about signing in through upstream providers: links from upstream identities to users, pending
 * authorization trips, the upstream session each SSO session is bound to, and replayed logout-token ids.
 */
export class FederationRepo {
  constructor(private readonly db: Kysely<Database>) {}

  findLink(connectionId: string, iss: string, sub: string): Promise<UpstreamLinkRow | undefined> {
    return this.db
      .selectFrom('upstream_links')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('upstream_iss', '=', iss)
      .where('upstream_sub', '=', sub)
      .executeTakeFirst();
  }

  listLinksOfUser(userId: string): Promise<UpstreamLinkRow[]> {
    return this.db.selectFrom('upstream_links').selectAll().where('user_id', '=', userId).execute();
  }

  async insertLink(row: UpstreamLinkRow): Promise<void> {
    await this.db.insertInto('upstream_links').values(row).execute();
  }

  async touchLink(connectionId: string, iss: string, sub: string, now: number): Promise<void> {
    await this.db
      .updateTable('upstream_links')
      .set({ last_login_at: now })
      .where('connection_id', '=', connectionId)
      .where('upstream_iss', '=', iss)
      .where('upstream_sub', '=', sub)
      .execute();
  }

  /**
   * A returning sign-in through a link, in one statement: record the time on the link and return it, but only
   * when its user exists and is not disabled (undefined otherwise: no such link, or a user who may not sign in,
   * whose link is left as it was).
   */
  async touchLinkOfActiveUser(
    connectionId: string,
    iss: string,
    sub: string,
    now: number,
  ): Promise<UpstreamLinkRow | undefined> {
    return this.db
      .updateTable('upstream_links')
      .set({ last_login_at: now })
      .where('connection_id', '=', connectionId)
      .where('upstream_iss', '=', iss)
      .where('upstream_sub', '=', sub)
      .where('user_id', 'in', (eb) =>
        eb.selectFrom('users').select('users.id').where('users.disabled', '=', 0),
      )
      .returningAll()
      .executeTakeFirst();
  }

  async insertRequest(row: UpstreamRequestRow): Promise<void> {
    await this.db.insertInto('upstream_requests').values(row).execute();
  }

  /**
   * Delete and return a pending trip, in one statement: a callback can be completed once, by one process (only
   * the caller whose DELETE removed the row gets it back). An expired trip is deleted and not returned.
   */
  async takeRequest(stateDigest: string, now: number): Promise<UpstreamRequestRow | undefined> {
    const row = await this.db
      .deleteFrom('upstream_requests')
      .where('state_digest', '=', stateDigest)
      .returningAll()
      .executeTakeFirst();
    return row && row.expires_at > now ? row : undefined;
  }

  async bindSession(row: SessionUpstreamRow): Promise<void> {
    await this.db
      .insertInto('session_upstreams')
      .values(row)
      .onConflict((oc) => oc.column('sid').doUpdateSet({ ...row }))
      .execute();
  }

  findSessionBinding(sid: string): Promise<SessionUpstreamRow | undefined> {
    return this.db.selectFrom('session_upstreams').selectAll().where('sid', '=', sid).executeTakeFirst();
  }

  bindingsOf(sids: readonly string[]): Promise<SessionUpstreamRow[]> {
    if (sids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('session_upstreams').selectAll().where('sid', 'in', sids).execute();
  }

  async updateTokens(
    sid: string,
    tokens: { id_token: string; id_token_expires_at: number | null; refresh_token: string | null },
  ): Promise<void> {
    await this.db.updateTable('session_upstreams').set(tokens).where('sid', '=', sid).execute();
  }

  /**
   * The live SSO sessions bound to an upstream session (by its `sid`) or, when the upstream names no `sid`, to
   * every session of that upstream subject (Back-Channel Logout 1.0 §2.7), read whole in one statement.
   */
  async liveSessionsBoundTo(
    connectionId: string,
    iss: string,
    by: { sid?: string | undefined; sub?: string | undefined },
    now: number,
  ): Promise<SessionRow[]> {
    let q = this.db
      .selectFrom('session_upstreams as su')
      .innerJoin('sessions as s', 's.sid', 'su.sid')
      .selectAll('s')
      .where('su.connection_id', '=', connectionId)
      .where('su.upstream_iss', '=', iss)
      .where('s.ended_at', 'is', null)
      .where('s.absolute_expires_at', '>', now);
    if (by.sid !== undefined) q = q.where('su.upstream_sid', '=', by.sid);
    if (by.sub !== undefined) q = q.where('su.upstream_sub', '=', by.sub);
    return (await q.execute()).map((r) => toSessionRow(r));
  }

  /** Record a logout token's jti; false when it was seen before (a replay). */
  async rememberJti(jtiDigest: string, expiresAt: number, now: number): Promise<boolean> {
    await this.db.deleteFrom('upstream_logout_jtis').where('expires_at', '<=', now).execute();
    const r = await this.db
      .insertInto('upstream_logout_jtis')
      .values({ jti_digest: jtiDigest, expires_at: expiresAt })
      .onConflict((oc) => oc.column('jti_digest').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async insertPendingLink(row: PendingLinkRow): Promise<void> {
    await this.db.insertInto('upstream_pending_links').values(row).execute();
  }

  findPendingLink(tokenDigest: string, now: number): Promise<PendingLinkRow | undefined> {
    return this.db
      .selectFrom('upstream_pending_links')
      .selectAll()
      .where('token_digest', '=', tokenDigest)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  /** Single use across processes: only the caller that deletes the row may complete the link. */
  async takePendingLink(tokenDigest: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('upstream_pending_links')
      .where('token_digest', '=', tokenDigest)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Several upstream logout rows at once (sessions ended together); one already there is kept. */
  async insertUpstreamLogouts(rows: readonly UpstreamLogoutRow[]): Promise<void> {
    for (const batch of inBatches(rows)) {
      await this.db
        .insertInto('upstream_logouts')
        .values(batch)
        .onConflict((oc) => oc.column('logout_id').doNothing())
        .execute();
    }
  }

  findUpstreamLogout(logoutId: string): Promise<UpstreamLogoutRow | undefined> {
    return this.db
      .selectFrom('upstream_logouts')
      .selectAll()
      .where('logout_id', '=', logoutId)
      .executeTakeFirst();
  }

  upstreamLogoutsOf(logoutIds: readonly string[]): Promise<UpstreamLogoutRow[]> {
    if (logoutIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('upstream_logouts').selectAll().where('logout_id', 'in', logoutIds).execute();
  }

  findUpstreamLogoutByState(stateDigest: string): Promise<UpstreamLogoutRow | undefined> {
    return this.db
      .selectFrom('upstream_logouts')
      .selectAll()
      .where('state_digest', '=', stateDigest)
      .executeTakeFirst();
  }

  /** Move a pending upstream logout on; false when it was not pending (a second return, another process). */
  async settleUpstreamLogout(
    logoutId: string,
    from: readonly string[],
    patch: { status: string; detail: string | null; state_digest?: string | null },
    now: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('upstream_logouts')
      .set({ ...patch, updated_at: now })
      .where('logout_id', '=', logoutId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('upstream_pending_links').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('upstream_requests').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('upstream_logout_jtis').where('expires_at', '<=', now).execute();
  }
}
