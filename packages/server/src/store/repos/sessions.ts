import { sql, type AliasedRawBuilder, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import { inBatches } from '../batches.js';
import { PreparedQuery } from '../prepared-query.js';
import type { Database, SessionParticipantTable, SessionTable } from '../tables.js';

type SessionRecord = Selectable<SessionTable>;
/** A sessions row as the rest of the server sees it: `remember_me` is a boolean (the column holds 0|1). */
export type SessionRow = Omit<SessionRecord, 'remember_me'> & { remember_me: boolean };
export type ParticipantRow = Selectable<SessionParticipantTable>;

/** Every column of sessions: a Record, so that a column added to the table fails to compile until it is listed. */
const SESSION_COLUMN_SET: Record<keyof SessionTable, true> = {
  sid: true,
  cookie_digest: true,
  user_id: true,
  auth_time: true,
  created_at: true,
  last_active_at: true,
  idle_expires_at: true,
  absolute_expires_at: true,
  remember_me: true,
  idle_seconds: true,
  ended_at: true,
  end_reason: true,
  logout_id: true,
  ip: true,
  user_agent: true,
  browser_id: true,
  amr: true,
};
const SESSION_COLUMNS = Object.keys(SESSION_COLUMN_SET) as (keyof SessionTable)[];

/** Joined session columns are selected as `session_<column>`, apart from the other table's. */
export type JoinedSession = { [K in keyof SessionTable as `session_${K}`]: SessionTable[K] | null };

/**
 * The columns of the session joined (left join) under `alias`, for a query that reads a row together with its
 * session in one statement; {@link joinedSession} takes them back out.
 */
export function joinedSessionColumns(alias: string): AliasedRawBuilder<unknown, string>[] {
  return SESSION_COLUMNS.map((c) => sql.ref(`${alias}.${c}`).as(`session_${c}`));
}

/** The session of a row read with {@link joinedSessionColumns}; undefined when the join found none. */
export function joinedSession(row: JoinedSession): SessionRow | undefined {
  if (row.session_sid === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const c of SESSION_COLUMNS) out[c] = row[`session_${c}`];
  return toSessionRow(out as unknown as SessionRecord);
}

// The queries of every token and authorization request, compiled once (store/prepared-query.ts).
const findByCookieDigestQuery = new PreparedQuery((db, p: { cookieDigest: string }) =>
  db.selectFrom('sessions').selectAll().where('cookie_digest', '=', p.cookieDigest),
);
const findBySidQuery = new PreparedQuery((db, p: { sid: string }) =>
  db.selectFrom('sessions').selectAll().where('sid', '=', p.sid),
);
/** The session an access token names, with the token's entry on the deny list if it has one (a left join). */
const findForAccessTokenQuery = new PreparedQuery((db, p: { sid: string; jti: string }) =>
  db
    .selectFrom('sessions')
    .leftJoin('revoked_access_tokens', (join) => join.on('revoked_access_tokens.jti', '=', p.jti))
    .selectAll('sessions')
    .select('revoked_access_tokens.jti as denied_jti')
    .where('sessions.sid', '=', p.sid),
);
const touchQuery = new PreparedQuery((db, p: { sid: string; now: number; idleExpiresAt: number }) =>
  db
    .updateTable('sessions')
    .set({ last_active_at: p.now, idle_expires_at: p.idleExpiresAt })
    .where('sid', '=', p.sid)
    .where('ended_at', 'is', null),
);
/**
 * Record a client's token time in a session. Times only widen: racing requests (or processes) may land out of
 * order, and a late one with an older clock must not move last_at back or leave it before first_at.
 */
export const addParticipantQuery = new PreparedQuery(
  (db, p: { sid: string; clientId: string; now: number }) =>
    db
      .insertInto('session_participants')
      .values({ sid: p.sid, client_id: p.clientId, first_at: p.now, last_at: p.now })
      .onConflict((oc) =>
        oc.columns(['sid', 'client_id']).doUpdateSet((eb) => ({
          first_at: eb
            .case()
            .when('session_participants.first_at', '>', p.now)
            .then(p.now)
            .else(eb.ref('session_participants.first_at'))
            .end(),
          last_at: eb
            .case()
            .when('session_participants.last_at', '<', p.now)
            .then(p.now)
            .else(eb.ref('session_participants.last_at'))
            .end(),
        })),
      ),
);

const isParticipantQuery = new PreparedQuery((db, p: { sid: string; clientId: string }) =>
  db
    .selectFrom('session_participants')
    .select('client_id')
    .where('sid', '=', p.sid)
    .where('client_id', '=', p.clientId),
);

/** A sessions row as it leaves the store. */
/** A sessions row as it leaves the store (`remember_me` a boolean). */
export function toSessionRow(r: SessionRecord): SessionRow;
export function toSessionRow(r: SessionRecord | undefined): SessionRow | undefined;
export function toSessionRow(r: SessionRecord | undefined): SessionRow | undefined {
  return r && { ...r, remember_me: r.remember_me === 1 };
}

const toSessionRows = (rows: SessionRecord[]): SessionRow[] => rows.map((r) => toSessionRow(r));

/** SSO sessions and their participants (the clients that got tokens in them; logout fans out to these). */
export class SessionsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async insert(row: SessionRow): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ ...row, remember_me: row.remember_me ? 1 : 0 })
      .execute();
  }

  async findByCookieDigest(cookieDigest: string): Promise<SessionRow | undefined> {
    return toSessionRow(
      (await findByCookieDigestQuery.execute(this.db, this.engine, { cookieDigest })).rows[0],
    );
  }

  /**
   * The sessions behind several cookie digests (one browser's accounts), in no particular order. One account,
   * the usual case, takes the compiled single lookup.
   */
  async findByCookieDigests(cookieDigests: readonly string[]): Promise<SessionRow[]> {
    if (cookieDigests.length === 0) return [];
    if (cookieDigests.length === 1) {
      const one = await this.findByCookieDigest(cookieDigests[0]!);
      return one ? [one] : [];
    }
    return toSessionRows(
      await this.db.selectFrom('sessions').selectAll().where('cookie_digest', 'in', cookieDigests).execute(),
    );
  }

  async findBySid(sid: string): Promise<SessionRow | undefined> {
    return toSessionRow((await findBySidQuery.execute(this.db, this.engine, { sid })).rows[0]);
  }

  /**
   * What a resource server's call (userinfo, introspection) asks of an access token that names a session, in one
   * statement: that session, and whether the token `jti` is on the deny list. Undefined when no such session.
   */
  async findForAccessToken(
    sid: string,
    jti: string,
  ): Promise<{ session: SessionRow; denied: boolean } | undefined> {
    const row = (await findForAccessTokenQuery.execute(this.db, this.engine, { sid, jti })).rows[0];
    if (!row) return undefined;
    const { denied_jti, ...session } = row;
    return { session: toSessionRow(session), denied: denied_jti !== null };
  }

  /** Live sessions of a user, newest first. */
  async listActiveByUser(userId: string): Promise<SessionRow[]> {
    return toSessionRows(
      await this.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .orderBy('created_at', 'desc')
        .execute(),
    );
  }

  /** Slide the idle window. Only a live session moves; the absolute limit never does. */
  async touch(sid: string, now: number, idleExpiresAt: number): Promise<void> {
    await touchQuery.execute(this.db, this.engine, { sid, now, idleExpiresAt });
  }

  /** Re-authentication of the same user: a new cookie (no fixation) and a new auth_time, same sid. */
  async reauthenticate(
    sid: string,
    patch: Pick<SessionRow, 'cookie_digest' | 'auth_time' | 'last_active_at' | 'idle_expires_at' | 'amr'>,
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

  /**
   * End several live sessions at once, each with its own logout id; returns the sids this call ended (those
   * that had already ended, by another process or request, are left as they are and not returned).
   */
  async endMany(
    sessions: readonly { sid: string; logoutId: string | null }[],
    now: number,
    reason: string,
  ): Promise<string[]> {
    const ended: string[] = [];
    for (const batch of inBatches(sessions, 3)) {
      const logoutId = sql<string | null>`case sid ${sql.join(
        batch.map((s) => sql`when ${s.sid} then ${s.logoutId}`),
        sql` `,
      )} end`;
      const rows = await this.db
        .updateTable('sessions')
        .set({ ended_at: now, end_reason: reason, logout_id: logoutId })
        .where(
          'sid',
          'in',
          batch.map((s) => s.sid),
        )
        .where('ended_at', 'is', null)
        .returning('sid')
        .execute();
      ended.push(...rows.map((r) => r.sid));
    }
    return ended;
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
  async listLiveNonPersistentInBrowser(browserId: string): Promise<SessionRow[]> {
    return toSessionRows(
      await this.db
        .selectFrom('sessions')
        .selectAll()
        .where('browser_id', '=', browserId)
        .where('ended_at', 'is', null)
        .where('remember_me', '=', 0)
        .execute(),
    );
  }

  /** Live sessions whose idle or absolute limit has passed. */
  async listExpired(now: number, limit: number): Promise<SessionRow[]> {
    return toSessionRows(
      await this.db
        .selectFrom('sessions')
        .selectAll()
        .where('ended_at', 'is', null)
        .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
        .orderBy('idle_expires_at')
        .limit(limit)
        .execute(),
    );
  }

  /** Record a client's token time in a session; times only widen (see addParticipantQuery). */
  async addParticipant(sid: string, clientId: string, now: number): Promise<void> {
    await addParticipantQuery.execute(this.db, this.engine, { sid, clientId, now });
  }

  /** Whether the client already got tokens in this session (issue 19 point 6: an app coming back). */
  async isParticipant(sid: string, clientId: string): Promise<boolean> {
    return (await isParticipantQuery.execute(this.db, this.engine, { sid, clientId })).rows.length > 0;
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
