import type { Kysely, Selectable } from 'kysely';
import type { Database, UserTable } from '../tables.js';

export type UserRow = Selectable<UserTable>;

export class UsersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  /** Admin APIs accept either the opaque id or the username (Graph's {id | userPrincipalName}). */
  findByIdOrUsername(key: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', key), eb('username', '=', key)]))
      .executeTakeFirst();
  }

  async insert(row: UserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<UserRow, 'id' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('users').set(patch).where('id', '=', id).execute();
  }

  list(limit = 100, offset = 0): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').limit(limit).offset(offset).execute();
  }
}

/** Scopes a user granted to a dynamically registered client (statically configured clients need no consent). */
export class ConsentsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(userId: string, clientId: string): Promise<string[]> {
    const r = await this.db
      .selectFrom('consents')
      .select('scope')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return r ? r.scope.split(' ').filter(Boolean) : [];
  }

  async grant(userId: string, clientId: string, scopes: readonly string[], now: number): Promise<void> {
    const scope = [...new Set([...(await this.find(userId, clientId)), ...scopes])].join(' ');
    await this.db
      .insertInto('consents')
      .values({ user_id: userId, client_id: clientId, scope, granted_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scope, granted_at: now }))
      .execute();
  }
}
