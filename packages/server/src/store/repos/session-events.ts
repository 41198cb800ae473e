import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import type { Database, SessionEventTable } from '../tables.js';
import { inBatches } from '../batches.js';

/** A "session ended" event as it travels between provider processes (the NOTIFY payload, as JSON). */
export interface SessionEventMessage {
  /** The row id in session_events; SSE clients resume with it as Last-Event-ID. */
  id: number;
  sid: string;
  userId: string;
  reason: string;
  logoutId: string | null;
}

const CHANNEL = 'adieu_session_events';

/** One channel per schema, so deployments sharing a database do not hear each other. */
export function sessionEventChannel(schema: string | undefined): string {
  return schema && schema !== 'public' ? `${CHANNEL}_${schema}` : CHANNEL;
}

export type SessionEventRow = Selectable<SessionEventTable>;

/** An append-only log of "session ended" events; its ids are the SSE event ids, so clients can resume. */
export class SessionEventsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly schema: string | undefined,
  ) {}

  /**
   * Append events (sessions ended together, one event each, in this order) and tell every provider process
   * (SessionEventFeed): one INSERT and, on PostgreSQL, one statement that sends a NOTIFY per event. Call it inside
   * the transaction that ends the sessions: on PostgreSQL a NOTIFY is delivered only on commit, so it is heard
   * only once the session is really dead. SQLite processes poll the log instead.
   */
  async appendAndAnnounceMany(
    events: readonly Omit<SessionEventMessage, 'id'>[],
    now: number,
  ): Promise<SessionEventMessage[]> {
    const out: SessionEventMessage[] = [];
    for (const batch of inBatches(events, 5)) {
      const rows = await this.db
        .insertInto('session_events')
        .values(
          batch.map((e) => ({
            sid: e.sid,
            user_id: e.userId,
            reason: e.reason,
            logout_id: e.logoutId,
            created_at: now,
          })),
        )
        .returning(['id', 'sid'])
        .execute();
      // One event per session: the sid names the row an id belongs to (RETURNING promises no order).
      const ids = new Map(rows.map((r) => [r.sid, Number(r.id)]));
      const made = batch.map((e) => ({ id: ids.get(e.sid)!, ...e }));
      if (this.engine === 'postgres' && made.length) {
        const channel = sessionEventChannel(this.schema);
        // Notifications are delivered in the order they were sent, on commit: the select list's order.
        await sql`select ${sql.join(made.map((e) => sql`pg_notify(${channel}, ${JSON.stringify(e)})`))}`.execute(
          this.db,
        );
      }
      out.push(...made);
    }
    return out;
  }

  async append(row: Omit<SessionEventRow, 'id'>): Promise<number> {
    const r = await this.db
      .insertInto('session_events')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  /** Events after `afterId` for the given sessions. */
  listAfter(afterId: number, sids: readonly string[], limit = 100): Promise<SessionEventRow[]> {
    if (!sids.length) return Promise.resolve([]);
    return this.db
      .selectFrom('session_events')
      .selectAll()
      .where('id', '>', afterId)
      .where('sid', 'in', sids)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Every event after `afterId` (cross-process fan-out polls this when no push bus is available). */
  listAllAfter(afterId: number, limit = 500): Promise<SessionEventRow[]> {
    return this.db
      .selectFrom('session_events')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async lastId(): Promise<number> {
    const r = await this.db
      .selectFrom('session_events')
      .select((eb) => eb.fn.max<number>('id').as('id'))
      .executeTakeFirst();
    return r?.id == null ? 0 : Number(r.id);
  }
}
