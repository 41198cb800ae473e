import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ThrottleTable } from '../tables.js';

export type ThrottleRow = Selectable<ThrottleTable>;

/**
 * Failure counters for login throttling, per account and per IP, shared by every provider process. Counting is
 * one atomic upsert, so parallel attempts from many processes are all counted.
 */
export class ThrottleRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(key: string): Promise<ThrottleRow | undefined> {
    return this.db.selectFrom('throttle').selectAll().where('key', '=', key).executeTakeFirst();
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
   * Count one more consecutive failure of an account, forgotten after `quietMs` without attempts: the quiet
   * period runs from the later of the last attempt and the end of the last lock. For such rows
   * `window_started_at` holds the time of the last attempt.
   */
  async bumpUntilQuiet(key: string, now: number, quietMs: number): Promise<ThrottleRow> {
    const stale = sql<boolean>`${now} - (case when throttle.locked_until > throttle.window_started_at then throttle.locked_until else throttle.window_started_at end) > ${quietMs}`;
    return this.db
      .insertInto('throttle')
      .values({ key, failures: 1, window_started_at: now, locked_until: 0 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql<number>`case when ${stale} then 1 else throttle.failures + 1 end`,
          window_started_at: now,
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
