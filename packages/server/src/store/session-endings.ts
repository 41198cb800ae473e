import { sql, type QueryCreator, type Selectable } from 'kysely';
import type {
  BackchannelOutboxTable,
  Database,
  LogoutParticipantTable,
  LogoutTable,
  SessionEventTable,
} from './tables.js';
import type { AuditEventTable } from './repos/console-tables.js';
import type { NewAuditEvent } from './repos/audit.js';
import type { LogoutParticipantRow, LogoutRow, OutboxRow } from './repos/logouts.js';
import { sessionEventChannel, type SessionEventMessage } from './repos/session-events.js';
import { PreparedQuery } from './prepared-query.js';
import type { Store } from './store.js';

/**
 * What one session's logout writes, if the session is still live when it is ended. The store fills in the keys
 * that tie the rows to the session (logout id, sid), so a row can never land on another session's logout.
 */
export interface SessionEnding {
  sid: string;
  logoutId: string;
  userId: string;
  record: Omit<LogoutRow, 'id' | 'sid'>;
  participants: readonly Omit<LogoutParticipantRow, 'logout_id'>[];
  outbox: readonly Omit<OutboxRow, 'logout_id' | 'sid'>[];
  /** The audit event of this logout; its target is the session. */
  audit: Omit<NewAuditEvent, 'target_type' | 'target_id'>;
}

export interface EndingOptions {
  now: number;
  /** `sessions.end_reason` and the session event's reason. */
  reason: string;
  /** `refresh_tokens.revoke_reason` of the sessions' refresh tokens. */
  revokeReason: string;
  /** Revoke the sessions' offline_access refresh tokens too (they outlive a session otherwise). */
  revokeOffline: boolean;
}

export interface EndedSessions {
  /** The sessions this call ended: those named that were still live. Their logouts were written. */
  ended: SessionEnding[];
  /** One session event per ended session, with its id in the event log (announced to other processes). */
  events: SessionEventMessage[];
}

/**
 * End sessions and write their logouts, atomically: each session named that is still live gets `ended_at`, its
 * refresh tokens revoked (their live access tokens deny-listed), its logout record, participant rows, back-channel
 * outbox rows, audit event and session event; a session that had already ended (another request or process got
 * there first) gets none of them. Joins the caller's transaction when `store` is in one.
 *
 * On PostgreSQL this is ONE statement, one round trip (data-modifying CTEs, the rows carried as JSON, so its text
 * and plan are the same for one session or a thousand), where the steps below took ten: BEGIN, eight statements,
 * COMMIT. SQLite cannot modify data in a CTE and has no round trips to save: it runs the steps in a transaction.
 */
export async function endSessions(
  store: Store,
  endings: readonly SessionEnding[],
  o: EndingOptions,
): Promise<EndedSessions> {
  // One ending per session, even if a caller named a session twice.
  const unique = [...new Map(endings.map((e) => [e.sid, e])).values()];
  if (unique.length === 0) return { ended: [], events: [] };
  if (store.engine !== 'postgres') return store.transaction((tx) => stepwise(tx, unique, o));
  // Offline tokens outlive their session: their second revocation pass (inOneStatement) must commit with the first.
  return o.revokeOffline
    ? store.transaction((tx) => inOneStatement(tx, unique, o))
    : inOneStatement(store, unique, o);
}

const rowsOf = (e: SessionEnding, o: EndingOptions) => ({
  logout: { ...e.record, id: e.logoutId, sid: e.sid } satisfies LogoutRow,
  participants: e.participants.map((p) => ({ ...p, logout_id: e.logoutId }) satisfies LogoutParticipantRow),
  outbox: e.outbox.map((r) => ({ ...r, logout_id: e.logoutId, sid: e.sid }) satisfies OutboxRow),
  audit: { ...e.audit, target_type: 'session', target_id: e.sid } satisfies NewAuditEvent,
  event: { sid: e.sid, userId: e.userId, reason: o.reason, logoutId: e.logoutId },
});

async function stepwise(
  tx: Store,
  endings: readonly SessionEnding[],
  o: EndingOptions,
): Promise<EndedSessions> {
  const endedSids = new Set(
    await tx.sessions.endMany(
      endings.map((e) => ({ sid: e.sid, logoutId: e.logoutId })),
      o.now,
      o.reason,
    ),
  );
  const ended = endings.filter((e) => endedSids.has(e.sid));
  if (ended.length === 0) return { ended: [], events: [] };
  const sids = ended.map((e) => e.sid);
  await tx.tokens.revokeRefresh(o.revokeOffline ? { sids } : { sids, offline: false }, o.now, o.revokeReason);
  const rows = ended.map((e) => rowsOf(e, o));
  await tx.logouts.insertMany(rows.map((r) => r.logout));
  await tx.logouts.insertParticipants(rows.flatMap((r) => r.participants));
  await tx.logouts.insertOutbox(rows.flatMap((r) => r.outbox));
  await tx.audit.appendMany(rows.map((r) => r.audit));
  const events = await tx.sessionEvents.appendAndAnnounceMany(
    rows.map((r) => r.event),
    o.now,
  );
  return { ended, events };
}

/** Every column of a table but its generated id, as a Record so that a new column fails to compile until listed. */
const columns = <T>(set: Record<keyof T, true>) => Object.keys(set) as (keyof T & string)[];
const LOGOUT_COLUMNS = columns<LogoutTable>({
  id: true,
  sid: true,
  user_id: true,
  reason: true,
  initiator: true,
  initiator_client_id: true,
  created_at: true,
  frontchannel_deadline_at: true,
  receipt_deadline_at: true,
  receipt_digest: true,
  redirect_to: true,
  redirect_note: true,
});
const PARTICIPANT_COLUMNS = columns<LogoutParticipantTable>({
  logout_id: true,
  client_id: true,
  channel: true,
  status: true,
  detail: true,
  updated_at: true,
});
const OUTBOX_COLUMNS = columns<BackchannelOutboxTable>({
  id: true,
  logout_id: true,
  client_id: true,
  uri: true,
  sid: true,
  sub: true,
  reason: true,
  status: true,
  attempts: true,
  created_at: true,
  next_attempt_at: true,
  deadline_at: true,
  locked_until: true,
  locked_by: true,
  completed_at: true,
  last_status_code: true,
  last_error: true,
});
const AUDIT_COLUMNS = columns<Omit<AuditEventTable, 'id'>>({
  at: true,
  actor_type: true,
  actor_id: true,
  actor_name: true,
  client_id: true,
  action: true,
  target_type: true,
  target_id: true,
  status: true,
  ip: true,
  user_agent: true,
  detail: true,
});
const EVENT_COLUMNS = columns<Omit<SessionEventTable, 'id'>>({
  sid: true,
  user_id: true,
  reason: true,
  logout_id: true,
  created_at: true,
});

/**
 * Rows of `table` sent as one JSON parameter and read back with the table's own row type, in the order sent
 * (`ordinality`): the statement's text does not depend on how many rows there are, and no value is ever spliced
 * into it.
 */
const recordset = <T extends keyof Database>(table: T, json: string) =>
  sql<Selectable<Database[T]> & { ordinality: number }>`json_populate_recordset(null::${sql.table(
    table,
  )}, cast(${json} as json)) with ordinality`.as('v');

/**
 * INSERT INTO `table` the rows sent in `json` that belong to a session the statement's `ended` step ended (their
 * `key` column is one of `ended`'s `endedKey`), in the order sent. The four inserts of an ending differ only in
 * these; the column lists are checked against the tables above, so the builder is used untyped here.
 */
function insertEnded<DB>(
  qb: QueryCreator<DB>,
  table: 'logouts' | 'logout_participants' | 'backchannel_outbox' | 'audit_events',
  cols: readonly string[],
  json: string,
  key: string,
  endedKey: 'sid' | 'logout_id',
) {
  const q = qb as unknown as QueryCreator<Record<string, Record<string, unknown>>>;
  return q
    .insertInto(table)
    .columns(cols)
    .expression((eb) =>
      eb
        .selectFrom(recordset(table, json))
        .select(cols.map((c) => `v.${c}`))
        .where(`v.${key}`, 'in', eb.selectFrom('ended').select(endedKey))
        .orderBy('v.ordinality'),
    );
}

type StatementValues = {
  now: number;
  reason: string;
  revokeReason: string;
  channel: string;
  /** JSON arrays of rows, one per table. */
  sessions: string;
  logouts: string;
  participants: string;
  outbox: string;
  audit: string;
  events: string;
};

/**
 * The whole ending as data-modifying CTEs. Every step after `ended` writes only rows of the sessions `ended`
 * returned, so a session that had already ended gets nothing, exactly as in the steps. The session events are
 * announced with pg_notify in id order; notifications go out on commit, like the transaction's.
 */
const endingStatement = (revokeOffline: boolean) =>
  new PreparedQuery((db, p: StatementValues) =>
    db
      .with('ended', (qb) =>
        qb
          .updateTable('sessions')
          .from(recordset('sessions', p.sessions))
          .set((eb) => ({ ended_at: p.now, end_reason: p.reason, logout_id: eb.ref('v.logout_id') }))
          .whereRef('sessions.sid', '=', 'v.sid')
          .where('sessions.ended_at', 'is', null)
          .returning(['sessions.sid as sid', 'v.logout_id as logout_id']),
      )
      .with('revoked', (qb) => {
        let q = qb
          .updateTable('refresh_tokens')
          .set({ revoked_at: p.now, revoke_reason: p.revokeReason })
          .where('revoked_at', 'is', null)
          .where('sid', 'in', qb.selectFrom('ended').select('ended.sid'));
        if (!revokeOffline) q = q.where('offline', '=', 0);
        return q.returning(['access_jti', 'access_expires_at']);
      })
      .with('denied', (qb) =>
        qb
          .insertInto('revoked_access_tokens')
          .columns(['jti', 'expires_at'])
          .expression((eb) =>
            eb
              .selectFrom('revoked')
              .select(['revoked.access_jti as jti', 'revoked.access_expires_at as expires_at'])
              .where('revoked.access_jti', 'is not', null)
              .where('revoked.access_expires_at', '>', p.now),
          )
          .onConflict((oc) => oc.column('jti').doNothing())
          .returning('jti'),
      )
      .with('logout_rows', (qb) => insertEnded(qb, 'logouts', LOGOUT_COLUMNS, p.logouts, 'id', 'logout_id'))
      .with('participant_rows', (qb) =>
        insertEnded(qb, 'logout_participants', PARTICIPANT_COLUMNS, p.participants, 'logout_id', 'logout_id'),
      )
      .with('outbox_rows', (qb) =>
        insertEnded(qb, 'backchannel_outbox', OUTBOX_COLUMNS, p.outbox, 'logout_id', 'logout_id'),
      )
      // Audit ids in the order given, as appendMany promises (insertEnded keeps the order sent).
      .with('audit_rows', (qb) => insertEnded(qb, 'audit_events', AUDIT_COLUMNS, p.audit, 'target_id', 'sid'))
      .with('events', (qb) =>
        qb
          .insertInto('session_events')
          .columns(EVENT_COLUMNS)
          .expression((eb) =>
            eb
              .selectFrom(recordset('session_events', p.events))
              .select(EVENT_COLUMNS.map((c) => `v.${c}` as const))
              .where('v.sid', 'in', eb.selectFrom('ended').select('ended.sid'))
              .orderBy('v.ordinality'),
          )
          .returning(['id', 'sid', 'user_id', 'reason', 'logout_id']),
      )
      // The same message appendAndAnnounceMany sends (SessionEventMessage), one per event, in id order.
      .with('announced', (qb) =>
        qb
          .selectFrom(qb.selectFrom('events').selectAll().orderBy('events.id').as('e'))
          .select(
            sql<string>`pg_notify(${p.channel}, json_build_object('id', e.id, 'sid', e.sid, 'userId', e.user_id, 'reason', e.reason, 'logoutId', e.logout_id)::text)`.as(
              'n',
            ),
          ),
      )
      .selectFrom('events')
      .select((eb) => [
        'events.id',
        'events.sid',
        eb.selectFrom('revoked').select(eb.fn.countAll<string>().as('c')).as('revoked'),
        // Referenced so that it runs: a SELECT in WITH is evaluated only as far as it is read.
        eb.selectFrom('announced').select(eb.fn.countAll<string>().as('c')).as('announced'),
      ]),
  );

const endingStatements = { keepOffline: endingStatement(false), withOffline: endingStatement(true) };

async function inOneStatement(
  store: Store,
  endings: readonly SessionEnding[],
  o: EndingOptions,
): Promise<EndedSessions> {
  const rows = endings.map((e) => rowsOf(e, o));
  const statement = o.revokeOffline ? endingStatements.withOffline : endingStatements.keepOffline;
  const result = await statement.execute(store.db, 'postgres', {
    now: o.now,
    reason: o.reason,
    revokeReason: o.revokeReason,
    channel: sessionEventChannel(store.connection.schema),
    sessions: JSON.stringify(endings.map((e) => ({ sid: e.sid, logout_id: e.logoutId }))),
    logouts: JSON.stringify(rows.map((r) => r.logout)),
    participants: JSON.stringify(rows.flatMap((r) => r.participants)),
    outbox: JSON.stringify(rows.flatMap((r) => r.outbox)),
    audit: JSON.stringify(rows.map((r) => r.audit)),
    events: JSON.stringify(
      rows.map((r) => ({
        sid: r.event.sid,
        user_id: r.event.userId,
        reason: r.event.reason,
        logout_id: r.event.logoutId,
        created_at: o.now,
      })),
    ),
  });
  const ids = new Map(result.rows.map((r) => [r.sid, Number(r.id)]));
  const ended = endings.filter((e) => ids.has(e.sid));
  if (Number(result.rows[0]?.revoked ?? 0) > 0) {
    // A rotation that committed while the statement ran stored a successor its snapshot could not see (see
    // RefreshTokensRepo.revokeRefresh): revoke again with a new snapshot. The sessions have ended already, so such
    // a successor is refused at the token endpoint even if this process dies first (offline tokens, which outlive
    // their session, take this path inside a transaction: see endSessions).
    const sids = ended.map((e) => e.sid);
    await store.tokens.revokeRefresh(
      o.revokeOffline ? { sids } : { sids, offline: false },
      o.now,
      o.revokeReason,
    );
  }
  return {
    ended,
    events: rows.filter((r) => ids.has(r.event.sid)).map((r) => ({ id: ids.get(r.event.sid)!, ...r.event })),
  };
}
