import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import { inBatches } from '../batches.js';
import type {
  BackchannelOutboxTable,
  Database,
  DeliveryAttemptTable,
  LogoutParticipantTable,
  LogoutTable,
} from '../tables.js';

export type LogoutRow = Selectable<LogoutTable>;
export type LogoutParticipantRow = Selectable<LogoutParticipantTable>;
export type OutboxRow = Selectable<BackchannelOutboxTable>;
export type DeliveryAttemptRow = Selectable<DeliveryAttemptTable>;

/** Final front-channel states never go back to a weaker one (an ack beats a later "load" or "timeout"). */
const FRONT_RANK: Record<string, number> = { pending: 0, timeout: 1, reached: 2, acknowledged: 3, failed: 3 };

/** Logout records, per-participant channel status, and the durable back-channel outbox with its attempts. */
export class LogoutsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async insert(row: LogoutRow): Promise<void> {
    await this.db.insertInto('logouts').values(row).execute();
  }

  /** Several logout records in as few statements as the engine's parameter limit allows. */
  async insertMany(rows: readonly LogoutRow[]): Promise<void> {
    for (const batch of inBatches(rows)) {
      await this.db.insertInto('logouts').values(batch).execute();
    }
  }

  find(id: string): Promise<LogoutRow | undefined> {
    return this.db.selectFrom('logouts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertParticipants(rows: readonly LogoutParticipantRow[]): Promise<void> {
    for (const batch of inBatches(rows)) {
      await this.db.insertInto('logout_participants').values(batch).execute();
    }
  }

  listParticipants(logoutId: string): Promise<LogoutParticipantRow[]> {
    return this.db.selectFrom('logout_participants').selectAll().where('logout_id', '=', logoutId).execute();
  }

  /** Record a front-channel/push result unless a stronger one is already there. */
  async setParticipantStatus(
    logoutId: string,
    clientId: string,
    channel: string,
    status: string,
    detail: string | null,
    now: number,
  ): Promise<boolean> {
    const rank = FRONT_RANK[status] ?? 0;
    const weaker = Object.entries(FRONT_RANK)
      .filter(([, r]) => r < rank)
      .map(([s]) => s);
    if (weaker.length === 0) return false;
    const r = await this.db
      .updateTable('logout_participants')
      .set({ status, detail, updated_at: now })
      .where('logout_id', '=', logoutId)
      .where('client_id', '=', clientId)
      .where('channel', '=', channel)
      .where('status', 'in', weaker)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Record that a push subscriber of this client was told (a channel that has no row until it happens). */
  async recordPush(logoutId: string, clientId: string, detail: string, now: number): Promise<void> {
    await this.db
      .insertInto('logout_participants')
      .values({
        logout_id: logoutId,
        client_id: clientId,
        channel: 'push',
        status: 'delivered',
        detail,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['logout_id', 'client_id', 'channel']).doUpdateSet({ detail, updated_at: now }),
      )
      .execute();
  }

  async insertOutbox(rows: readonly OutboxRow[]): Promise<void> {
    for (const batch of inBatches(rows)) {
      await this.db.insertInto('backchannel_outbox').values(batch).execute();
    }
  }

  listOutbox(logoutId: string): Promise<OutboxRow[]> {
    return this.db.selectFrom('backchannel_outbox').selectAll().where('logout_id', '=', logoutId).execute();
  }

  listOutboxByIds(ids: readonly string[]): Promise<OutboxRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.selectFrom('backchannel_outbox').selectAll().where('id', 'in', ids).execute();
  }

  /**
   * Claim due deliveries for this worker with a lease. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets many
   * processes claim concurrently without ever taking the same row; SQLite has a single writer, so the
   * UPDATE ... WHERE id IN (SELECT ...) is already exclusive.
   */
  async claimDue(now: number, limit: number, workerId: string, leaseMs: number): Promise<OutboxRow[]> {
    let due = this.db
      .selectFrom('backchannel_outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (this.engine === 'postgres') due = due.forUpdate().skipLocked();
    return this.db
      .updateTable('backchannel_outbox')
      .set({ locked_until: now + leaseMs, locked_by: workerId })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /** Earliest time a pending delivery becomes due, to sleep exactly that long. */
  async nextDueAt(): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('backchannel_outbox')
      .select((eb) => eb.fn.min<number>('next_attempt_at').as('t'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r?.t == null ? undefined : Number(r.t);
  }

  /**
   * Record one attempt and move the row on, only while this worker still holds the lease: a worker whose lease
   * ran out must not overwrite the result of the one that took over.
   */
  async recordAttempt(
    row: OutboxRow,
    workerId: string,
    attempt: Omit<DeliveryAttemptRow, 'id' | 'outbox_id'>,
    next: Pick<OutboxRow, 'status' | 'next_attempt_at' | 'completed_at' | 'last_status_code' | 'last_error'>,
  ): Promise<boolean> {
    const [updated] = await this.recordAttempts(workerId, [{ row, attempt, next }]);
    return updated === true;
  }

  /**
   * Record several finished attempts at once (the outbox worker's group commit): one insert for all attempts,
   * then each row moves on only while `workerId` still holds its lease. Call inside a transaction. Returns, per
   * entry, whether its row was updated (false: the lease was lost and another worker owns the row now).
   */
  async recordAttempts(
    workerId: string,
    entries: readonly {
      row: OutboxRow;
      attempt: Omit<DeliveryAttemptRow, 'id' | 'outbox_id'>;
      next: Pick<
        OutboxRow,
        'status' | 'next_attempt_at' | 'completed_at' | 'last_status_code' | 'last_error'
      >;
    }[],
  ): Promise<boolean[]> {
    if (!entries.length) return [];
    // 100 attempts x 7 columns stays far below either engine's bind-parameter limit; chunk beyond that.
    for (let i = 0; i < entries.length; i += 100) {
      await this.db
        .insertInto('delivery_attempts')
        .values(entries.slice(i, i + 100).map((e) => ({ outbox_id: e.row.id, ...e.attempt })))
        .execute();
    }
    const updated: boolean[] = [];
    for (const { row, next } of entries) {
      const r = await this.db
        .updateTable('backchannel_outbox')
        .set({ ...next, attempts: sql`attempts + 1`, locked_until: null, locked_by: null })
        .where('id', '=', row.id)
        .where('locked_by', '=', workerId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      updated.push(Number(r.numUpdatedRows) === 1);
    }
    return updated;
  }

  listAttempts(outboxIds: readonly string[]): Promise<DeliveryAttemptRow[]> {
    if (!outboxIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('outbox_id', 'in', outboxIds)
      .orderBy('id')
      .execute();
  }

  /** Every delivery attempt of one logout's back-channel rows, oldest first (its outbox needs no read first). */
  listAttemptsOfLogout(logoutId: string): Promise<DeliveryAttemptRow[]> {
    return this.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('outbox_id', 'in', (eb) =>
        eb
          .selectFrom('backchannel_outbox')
          .select('backchannel_outbox.id')
          .where('backchannel_outbox.logout_id', '=', logoutId),
      )
      .orderBy('id')
      .execute();
  }

  /** Logouts of one SSO session, newest first (the "last logout" panel of an app). */
  listBySid(sid: string, limit = 10): Promise<LogoutRow[]> {
    return this.db
      .selectFrom('logouts')
      .selectAll()
      .where('sid', '=', sid)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Logouts a client took part in, newest first. */
  listByParticipant(clientId: string, limit = 10): Promise<LogoutRow[]> {
    return this.db
      .selectFrom('logouts')
      .selectAll()
      .where(
        'id',
        'in',
        this.db.selectFrom('logout_participants').select('logout_id').where('client_id', '=', clientId),
      )
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }
}
