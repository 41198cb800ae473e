import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import type { Database, ThrottleTable } from '../tables.js';

export type ThrottleRow = Selectable<ThrottleTable>;

/**
 * Failure counters for login throttling, per account and per IP, shared by every provider process. Counting is
 * one atomic upsert, so parallel attempts from many processes are all counted.
 */
export class ThrottleRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  get(key: string): Promise<ThrottleRow | undefined> {
    return this.db.selectFrom('throttle').selectAll().where('key', '=', key).executeTakeFirst();
  }

  /** Several counters at once (absent keys are missing from the answer). */
  getMany(keys: readonly string[]): Promise<ThrottleRow[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('throttle').selectAll().where('key', 'in', keys).execute();
  }

  /**
   * One password attempt, in one statement: unless the account's or the address's counter is locked at `now`,
   * count the attempt on both and return both rows (their locks untouched); while either is locked, count
   * nothing and return undefined (read the locks with {@link getMany}). The account counts consecutive failures,
   * forgotten after `quietMs` without attempts: the quiet period runs from the later of the last attempt and the
   * end of the last lock, and for such rows `window_started_at` holds the time of the last attempt. The address
   * counts failures in a window of `windowMs` (as {@link bump}).
   */
  async countAttempt(
    keys: { account: string; ip: string },
    now: number,
    o: { quietMs: number; windowMs: number },
  ): Promise<{ account: ThrottleRow; ip: ThrottleRow } | undefined> {
    const { account, ip } = keys;
    // Both proposed rows, as a derived table (the casts give PostgreSQL the columns' types).
    const proposed = (key: string) =>
      this.db.selectNoFrom((eb) => [eb.cast<string>(eb.val(key), 'text').as('key')]);
    const ipStale = sql<boolean>`${now} - throttle.window_started_at > ${o.windowMs}`;
    const accountStale = sql<boolean>`${now} - (case when throttle.locked_until > throttle.window_started_at then throttle.locked_until else throttle.window_started_at end) > ${o.quietMs}`;
    const isAccount = sql<boolean>`throttle.key = ${account}`;
    const rows = await this.db
      .insertInto('throttle')
      .columns(['key', 'failures', 'window_started_at', 'locked_until'])
      .expression((eb) =>
        eb
          .selectFrom(proposed(account).unionAll(proposed(ip)).as('proposed'))
          .select((eb) => [
            'proposed.key',
            eb.lit(1).as('failures'),
            eb.cast<number>(eb.val(now), 'bigint').as('window_started_at'),
            eb.lit(0).as('locked_until'),
          ])
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('throttle')
                  .select('throttle.key')
                  .where('throttle.key', 'in', [account, ip])
                  .where('throttle.locked_until', '>', now),
              ),
            ),
          ),
      )
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when (case when ${isAccount} then ${accountStale} else ${ipStale} end) then 1 else throttle.failures + 1 end`,
          window_started_at: sql<number>`case when ${isAccount} then ${now} when ${ipStale} then ${now} else throttle.window_started_at end`,
        }),
      )
      .returningAll()
      .execute();
    const a = rows.find((r) => r.key === account);
    const i = rows.find((r) => r.key === ip);
    return a && i ? { account: a, ip: i } : undefined;
  }

  /**
   * A password was right: the account's counter goes (it starts afresh) and the address's takes back the
   * attempt it counted. One statement on PostgreSQL (a data-modifying CTE), two on SQLite.
   */
  async forgive(accountKey: string, ipKey: string): Promise<void> {
    if (this.engine === 'postgres') {
      await this.db
        .with('cleared', (qb) => qb.deleteFrom('throttle').where('key', '=', accountKey).returning('key'))
        .updateTable('throttle')
        .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
        .where('key', '=', ipKey)
        .execute();
      return;
    }
    await this.clear(accountKey);
    await this.unbump(ipKey);
  }

  /** Count one more attempt in a window of `windowMs` (a window older than that starts again at 1). */
  async bump(key: string, now: number, windowMs: number): Promise<ThrottleRow> {
    const stale = sql<boolean>`${now} - throttle.window_started_at > ${windowMs}`;
    return this.db
      .insertInto('throttle')
      .values({ key, failures: 1, window_started_at: now, locked_until: 0 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when ${stale} then 1 else throttle.failures + 1 end`,
          window_started_at: sql<number>`case when ${stale} then ${now} else throttle.window_started_at end`,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Take over an expired lock: replace `expired` (the lock this caller read) by a new one until `until`. Only one
   * of many parallel callers wins; it alone may check a password, the others find the new lock.
   */
  async claimExpiredLock(key: string, expired: number, until: number): Promise<boolean> {
    const r = await this.db
      .updateTable('throttle')
      .set({ locked_until: until })
      .where('key', '=', key)
      .where('locked_until', '=', expired)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Lock until `until`, never shortening a longer lock another process set. */
  async lock(key: string, until: number): Promise<void> {
    await this.db
      .updateTable('throttle')
      .set({ locked_until: until })
      .where('key', '=', key)
      .where('locked_until', '<', until)
      .execute();
  }

  /** Take back one counted attempt (it turned out to be a success). */
  async unbump(key: string): Promise<void> {
    await this.db
      .updateTable('throttle')
      .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
      .where('key', '=', key)
      .execute();
  }

  async put(row: ThrottleRow): Promise<void> {
    await this.db
      .insertInto('throttle')
      .values(row)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: row.failures,
          window_started_at: row.window_started_at,
          locked_until: row.locked_until,
        }),
      )
      .execute();
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('throttle').where('key', '=', key).execute();
  }
}
