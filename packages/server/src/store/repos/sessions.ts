import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionParticipantTable, SessionTable } from '../tables.js';

export type SessionRow = Selectable<SessionTable>;
export type ParticipantRow = Selectable<SessionParticipantTable>;

/** SSO sessions and their participants (the clients that got tokens in them; logout fans out to these). */
export class SessionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  findByCookieDigest(cookieDigest: string): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('cookie_digest', '=', cookieDigest)
      .executeTakeFirst();
  }

  findBySid(sid: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('sid', '=', sid).executeTakeFirst();
  }

  /** Live sessions of a user, newest first. */
  listActiveByUser(userId: string): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Slide the idle window. Only a live session moves; the absolute limit never does. */
  async touch(sid: string, now: number, idleExpiresAt: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_active_at: now, idle_expires_at: idleExpiresAt })
      .where('sid', '=', sid)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** Re-authentication of the same user: a new cookie (no fixation) and a new auth_time, same sid. */
  async reauthenticate(
    sid: string,
    patch: Pick<SessionRow, 'cookie_digest' | 'auth_time' | 'last_active_at' | 'idle_expires_at'>,
  ): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set(patch)
      .where('sid', '=', sid)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** Apply a participant's tighter lifetime. */
  async tighten(
    sid: string,
    patch: Pick<SessionRow, 'idle_seconds' | 'absolute_expires_at' | 'idle_expires_at'>,
  ): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set(patch)
      .where('sid', '=', sid)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** End a live session; false when it had already ended (another process or request got there first). */
  async end(sid: string, now: number, reason: string, logoutId: string | null): Promise<boolean> {
    const r = await this.db
      .updateTable('sessions')
      .set({ ended_at: now, end_reason: reason, logout_id: logoutId })
      .where('sid', '=', sid)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Live sessions created in this browser without "keep me signed in": the ones whose cookie dies with the
   * browser. Several may share a browser (several accounts per browser).
   */
  listLiveNonPersistentInBrowser(browserId: string): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('browser_id', '=', browserId)
      .where('ended_at', 'is', null)
      .where('remember_me', '=', 0)
      .execute();
  }

  /** Live sessions whose idle or absolute limit has passed. */
  listExpired(now: number, limit: number): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('ended_at', 'is', null)
      .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
      .orderBy('idle_expires_at')
      .limit(limit)
      .execute();
  }

  /**
   * Record a client's token time in a session. Times only widen: racing requests (or processes) may land out of
   * order, and a late one with an older clock must not move last_at back or leave it before first_at.
   */
  async addParticipant(sid: string, clientId: string, now: number): Promise<void> {
    await this.db
      .insertInto('session_participants')
      .values({ sid, client_id: clientId, first_at: now, last_at: now })
      .onConflict((oc) =>
        oc.columns(['sid', 'client_id']).doUpdateSet((eb) => ({
          first_at: eb
            .case()
            .when('session_participants.first_at', '>', now)
            .then(now)
            .else(eb.ref('session_participants.first_at'))
            .end(),
          last_at: eb
            .case()
            .when('session_participants.last_at', '<', now)
            .then(now)
            .else(eb.ref('session_participants.last_at'))
            .end(),
        })),
      )
      .execute();
  }

  listParticipants(sid: string): Promise<ParticipantRow[]> {
    return this.db
      .selectFrom('session_participants')
      .selectAll()
      .where('sid', '=', sid)
      .orderBy('first_at')
      .execute();
  }

  listParticipantsOf(sids: readonly string[]): Promise<ParticipantRow[]> {
    if (sids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('session_participants')
      .selectAll()
      .where('sid', 'in', sids)
      .orderBy('first_at')
      .execute();
  }
}
