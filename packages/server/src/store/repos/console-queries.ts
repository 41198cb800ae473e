import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';
import type { LogoutRow, OutboxRow } from './logouts.js';
import { toUserRow, type UserRow } from './users.js';

export interface LogoutSearch {
  userId?: string | undefined;
  clientId?: string | undefined;
  reason?: string | undefined;
  /** `delivered`: every back-channel row delivered; `failed`: one failed or was rejected; `pending`: one pending. */
  outcome?: 'delivered' | 'failed' | 'pending' | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Keyset paging: logouts created before this time (ties broken by id). */
  before?: { at: number; id: string } | undefined;
  limit: number;
}

/** The questions the console asks that no protocol path needs: lists with filters, live figures, a retry. */
export class ConsoleQueriesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Users whose username, name or email contains `q` (case-insensitive), ordered by username, after `after`. */
  async searchUsers(q: string | undefined, after: string | undefined, limit: number): Promise<UserRow[]> {
    let s = this.db.selectFrom('users').selectAll();
    if (q) {
      // LIKE wildcards in the query are dropped (escaping differs between the engines).
      const like = `%${q.toLowerCase().replace(/[\\%_]/g, '')}%`;
      s = s.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['username']), 'like', like),
          eb(eb.fn('lower', ['name']), 'like', like),
          eb(eb.fn('lower', ['email']), 'like', like),
        ]),
      );
    }
    if (after) s = s.where('username', '>', after);
    return (await s.orderBy('username').limit(limit).execute()).map((r) => toUserRow(r));
  }

  searchLogouts(f: LogoutSearch): Promise<LogoutRow[]> {
    let q = this.db.selectFrom('logouts').selectAll();
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.reason) q = q.where('reason', '=', f.reason);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<', f.until);
    if (f.clientId) {
      const clientId = f.clientId;
      q = q.where((eb) =>
        eb.or([
          eb(
            'id',
            'in',
            eb.selectFrom('logout_participants').select('logout_id').where('client_id', '=', clientId),
          ),
          eb(
            'id',
            'in',
            eb.selectFrom('backchannel_outbox').select('logout_id').where('client_id', '=', clientId),
          ),
        ]),
      );
    }
    if (f.outcome) {
      const statuses =
        f.outcome === 'failed' ? ['failed', 'rejected'] : f.outcome === 'pending' ? ['pending'] : undefined;
      if (statuses) {
        q = q.where('id', 'in', (eb) =>
          eb.selectFrom('backchannel_outbox').select('logout_id').where('status', 'in', statuses),
        );
      } else {
        q = q.where('id', 'not in', (eb) =>
          eb.selectFrom('backchannel_outbox').select('logout_id').where('status', '!=', 'delivered'),
        );
      }
    }
    if (f.before) {
      const b = f.before;
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', b.at), eb.and([eb('created_at', '=', b.at), eb('id', '<', b.id)])]),
      );
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  }

  findOutbox(id: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom('backchannel_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * "Retry now" for a delivery that gave up (failed or rejected): due at once, with a new deadline. Only a
   * finished, unsuccessful row moves, so a stale form cannot disturb a delivery in flight or a delivered one.
   */
  async retryDelivery(id: string, now: number, deadline: number): Promise<boolean> {
    const r = await this.db
      .updateTable('backchannel_outbox')
      .set({ status: 'pending', next_attempt_at: now, deadline_at: deadline, completed_at: null })
      .where('id', '=', id)
      .where('status', 'in', ['failed', 'rejected'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The live figures: deliveries waiting, and deliveries that gave up since `since`. */
  async outboxFigures(since: number): Promise<{ pending: number; failedSince: number }> {
    const [pending, failed] = await Promise.all([
      this.db
        .selectFrom('backchannel_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('backchannel_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['failed', 'rejected'])
        .where('completed_at', '>=', since)
        .executeTakeFirstOrThrow(),
    ]);
    return { pending: Number(pending.n), failedSince: Number(failed.n) };
  }

  /** Outbox rows finished or waiting since `since`, for "deliveries per app over time". */
  deliveriesSince(
    since: number,
  ): Promise<Pick<OutboxRow, 'client_id' | 'status' | 'attempts' | 'created_at'>[]> {
    return this.db
      .selectFrom('backchannel_outbox')
      .select(['client_id', 'status', 'attempts', 'created_at'])
      .where('created_at', '>=', since)
      .execute();
  }

  /** Live SSO sessions per client (participants of sessions not ended and not past their limits). */
  async sessionsPerClient(now: number): Promise<{ client_id: string; n: number }[]> {
    const rows = await this.db
      .selectFrom('session_participants as p')
      .innerJoin('sessions as s', 's.sid', 'p.sid')
      .select(['p.client_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('s.ended_at', 'is', null)
      .where('s.idle_expires_at', '>', now)
      .where('s.absolute_expires_at', '>', now)
      .groupBy('p.client_id')
      .orderBy('p.client_id')
      .execute();
    return rows.map((r) => ({ client_id: r.client_id, n: Number(r.n) }));
  }

  /** Live SSO sessions per connection they were signed in through. */
  async sessionsPerConnection(now: number): Promise<{ connection_id: string; n: number }[]> {
    const rows = await this.db
      .selectFrom('session_upstreams as su')
      .innerJoin('sessions as s', 's.sid', 'su.sid')
      .select(['su.connection_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('s.ended_at', 'is', null)
      .where('s.idle_expires_at', '>', now)
      .where('s.absolute_expires_at', '>', now)
      .groupBy('su.connection_id')
      .orderBy('su.connection_id')
      .execute();
    return rows.map((r) => ({ connection_id: r.connection_id, n: Number(r.n) }));
  }

  /** The newest live SSO sessions signed in through one connection, with their user and upstream identity. */
  sessionsThroughConnection(connectionId: string, now: number, limit: number) {
    return this.db
      .selectFrom('session_upstreams as su')
      .innerJoin('sessions as s', 's.sid', 'su.sid')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.sid',
        's.created_at',
        's.last_active_at',
        's.ip',
        's.user_agent',
        'u.id as user_id',
        'u.username',
        'su.upstream_iss',
        'su.upstream_sub',
        'su.upstream_sid',
      ])
      .where('su.connection_id', '=', connectionId)
      .where('s.ended_at', 'is', null)
      .where('s.idle_expires_at', '>', now)
      .where('s.absolute_expires_at', '>', now)
      .orderBy('s.created_at', 'desc')
      .limit(limit)
      .execute();
  }
}
