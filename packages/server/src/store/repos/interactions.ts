import type { Kysely, Selectable } from 'kysely';
import type { Database, InteractionTable } from '../tables.js';

/**
 * An interaction as it enters and leaves the store: its payload is the object its kind carries, never the JSON
 * text of the table. `P` is the payload type of the kind the caller asks for; the store cannot check it (the
 * table holds every kind), so a caller names only the payload type its own kinds were written with.
 */
export type InteractionRow<P = unknown> = Omit<Selectable<InteractionTable>, 'payload'> & { payload: P };

/** Short-lived browser interactions (login, logout confirmation): kept in the store so any process can finish them. */
export class InteractionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert<P>(row: InteractionRow<P>): Promise<void> {
    await this.db
      .insertInto('interactions')
      .values({ ...row, payload: JSON.stringify(row.payload) })
      .execute();
  }

  async find<P = unknown>(id: string, now: number): Promise<InteractionRow<P> | undefined> {
    const row = await this.db
      .selectFrom('interactions')
      .selectAll()
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    // Written by insert()/update() above from the payload of the row's kind.
    return row && { ...row, payload: JSON.parse(row.payload) as P };
  }

  async update<P>(id: string, payload: P): Promise<void> {
    await this.db
      .updateTable('interactions')
      .set({ payload: JSON.stringify(payload) })
      .where('id', '=', id)
      .execute();
  }

  /** Delete and report whether this caller was the one that deleted it: single use across processes. */
  async take(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('interactions').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('interactions').where('expires_at', '<=', now).execute();
  }
}
