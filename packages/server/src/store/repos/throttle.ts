import type { Kysely, Selectable } from 'kysely';
import type { Database, ThrottleTable } from '../tables.js';

export type ThrottleRow = Selectable<ThrottleTable>;

/** Failure counters for login throttling, per account and per IP, shared by every provider process. */
export class ThrottleRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(key: string): Promise<ThrottleRow | undefined> {
    return this.db.selectFrom('throttle').selectAll().where('key', '=', key).executeTakeFirst();
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
