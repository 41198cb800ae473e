import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionEventTable } from '../tables.js';

export type SessionEventRow = Selectable<SessionEventTable>;

/** An append-only log of "session ended" events; its ids are the SSE event ids, so clients can resume. */
export class SessionEventsRepo {
  constructor(private readonly db: Kysely<Database>) {}

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
