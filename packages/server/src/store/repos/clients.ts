import type { Kysely, Selectable } from 'kysely';
import type { ClientTable, Database } from '../tables.js';

export type ClientRow = Selectable<ClientTable>;

export class ClientsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  find(clientId: string): Promise<ClientRow | undefined> {
    return this.db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  }

  findMany(clientIds: readonly string[]): Promise<ClientRow[]> {
    if (clientIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('clients').selectAll().where('client_id', 'in', clientIds).execute();
  }

  list(): Promise<ClientRow[]> {
    return this.db.selectFrom('clients').selectAll().orderBy('client_id').execute();
  }

  async upsert(row: ClientRow): Promise<void> {
    await this.db
      .insertInto('clients')
      .values(row)
      .onConflict((oc) =>
        oc.column('client_id').doUpdateSet({
          metadata: row.metadata,
          secret_digest: row.secret_digest,
          source: row.source,
          registration_token_digest: row.registration_token_digest,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  /** Add a client unless one with its id exists; false then (two admins registering the same id). */
  async insertNew(row: ClientRow): Promise<boolean> {
    const r = await this.db
      .insertInto('clients')
      .values(row)
      .onConflict((oc) => oc.column('client_id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Drop clients that came from the config file but are no longer in it. */
  async deleteConfigClientsExcept(keep: readonly string[]): Promise<number> {
    let q = this.db.deleteFrom('clients').where('source', '=', 'config');
    if (keep.length) q = q.where('client_id', 'not in', keep);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async delete(clientId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
