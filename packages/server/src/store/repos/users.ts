import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import { PreparedQuery } from '../prepared-query.js';
import type { Database, UserTable } from '../tables.js';

type UserRecord = Selectable<UserTable>;

/**
 * A user as it leaves the store: its flags are booleans. The columns hold 0|1 on both engines (SQLite has no
 * boolean); the conversion happens here, at the repository edge, and nowhere else.
 */
export type UserRow = Omit<UserRecord, 'email_verified' | 'disabled'> & {
  email_verified: boolean;
  disabled: boolean;
};

/** A users row as the rest of the server sees it. */
export function toUserRow(r: UserRecord): UserRow;
export function toUserRow(r: UserRecord | undefined): UserRow | undefined;
export function toUserRow(r: UserRecord | undefined): UserRow | undefined {
  return r && { ...r, email_verified: r.email_verified === 1, disabled: r.disabled === 1 };
}

/** The columns of a (partial) user: booleans back to 0|1. */
function toColumns<T extends Partial<UserRow>>(
  u: T,
): Omit<T, 'email_verified' | 'disabled'> & Partial<Pick<UserRecord, 'email_verified' | 'disabled'>> {
  const { email_verified, disabled, ...rest } = u;
  return {
    ...rest,
    ...(email_verified === undefined ? {} : { email_verified: email_verified ? 1 : 0 }),
    ...(disabled === undefined ? {} : { disabled: disabled ? 1 : 0 }),
  };
}

// Read on every token request whose user is not in the directory's cache (domain/users.ts), compiled once.
const findByIdQuery = new PreparedQuery((db, p: { id: string }) =>
  db.selectFrom('users').selectAll().where('id', '=', p.id),
);

export class UsersRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  async findById(id: string): Promise<UserRow | undefined> {
    return toUserRow((await findByIdQuery.execute(this.db, this.engine, { id })).rows[0]);
  }

  /**
   * The oldest user with this email address. Email addresses compare case-insensitively (their domain always
   * does; local parts in practice).
   */
  async findByEmail(email: string): Promise<UserRow | undefined> {
    return toUserRow(
      await this.db
        .selectFrom('users')
        .selectAll()
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
        .orderBy('created_at')
        .executeTakeFirst(),
    );
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    return toUserRow(
      await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst(),
    );
  }

  /** Admin APIs accept either the opaque id or the username (Graph's {id | userPrincipalName}). */
  async findByIdOrUsername(key: string): Promise<UserRow | undefined> {
    return toUserRow(
      await this.db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('id', '=', key), eb('username', '=', key)]))
        .executeTakeFirst(),
    );
  }

  async insert(row: UserRow): Promise<void> {
    await this.db
      .insertInto('users')
      .values({ ...row, email_verified: row.email_verified ? 1 : 0, disabled: row.disabled ? 1 : 0 })
      .execute();
  }

  async update(id: string, patch: Partial<Omit<UserRow, 'id' | 'created_at'>>): Promise<void> {
    await this.db.updateTable('users').set(toColumns(patch)).where('id', '=', id).execute();
  }

  async list(limit = 100, offset = 0): Promise<UserRow[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .orderBy('username')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => toUserRow(r));
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
