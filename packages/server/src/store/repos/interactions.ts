import type { Kysely, Selectable } from 'kysely';
import type { Database, InteractionTable } from '../tables.js';

export type InteractionRow = Selectable<InteractionTable>;

/** Short-lived browser interactions (login, logout confirmation): kept in the store so any process can finish them. */
export class InteractionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: InteractionRow): Promise<void> {
    await this.db.insertInto('interactions').values(row).execute();
  }

  find(id: string, now: number): Promise<InteractionRow | undefined> {
    return this.db
      .selectFrom('interactions')
      .selectAll()
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  async update(id: string, payload: string): Promise<void> {
    await this.db.updateTable('interactions').set({ payload }).where('id', '=', id).execute();
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
