import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import type { Database, SessionEventTable } from '../tables.js';

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
   * Append an event and tell every provider process (SessionEventFeed). Call it inside the transaction that
   * ends the session: on PostgreSQL the NOTIFY is delivered only on commit, so it is heard only once the
   * session is really dead. SQLite processes poll the log instead.
   */
  async appendAndAnnounce(e: Omit<SessionEventMessage, 'id'>, now: number): Promise<SessionEventMessage> {
    const id = await this.append({
      sid: e.sid,
      user_id: e.userId,
      reason: e.reason,
      logout_id: e.logoutId,
      created_at: now,
    });
    const event = { id, ...e };
    if (this.engine === 'postgres') {
      await sql`select pg_notify(${sessionEventChannel(this.schema)}, ${JSON.stringify(event)})`.execute(
        this.db,
      );
    }
    return event;
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
