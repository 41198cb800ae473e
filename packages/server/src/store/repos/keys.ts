import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import type { Database, SigningKeyTable } from '../tables.js';

export type SigningKeyRow = Selectable<SigningKeyTable>;

export class KeysRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /**
   * Insert the first signing key of its algorithm unless one of that algorithm signs at `now` or will later; false
   * when another process won.
   * SQLite runs the guarded insert as one atomic statement; PostgreSQL serialises callers with an advisory lock,
   * because two concurrent INSERT ... WHERE NOT EXISTS can both see "none" under READ COMMITTED.
   */
  async insertFirst(row: SigningKeyRow, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (this.engine === 'postgres') {
        await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.signing_keys'))`.execute(trx);
      }
      const r = await sql`insert into signing_keys
        (kid, alg, private_jwk, public_jwk, created_at, sign_from, sign_until, publish_until, verify_until)
        select ${row.kid}, ${row.alg}, ${row.private_jwk}, ${row.public_jwk}, ${row.created_at}, ${row.sign_from},
          ${row.sign_until}, ${row.publish_until}, ${row.verify_until}
        where not exists (select 1 from signing_keys
          where alg = ${row.alg} and (sign_until is null or sign_until > ${now}))`.execute(trx);
      return Number(r.numAffectedRows ?? 0) === 1;
    });
  }

  /** Keys still useful for verification at `now`, newest first. */
  listUsable(now: number): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('verify_until', 'is', null), eb('verify_until', '>', now)]))
      .orderBy('sign_from', 'desc')
      .orderBy('kid', 'desc')
      .execute();
  }

  async insert(row: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(row).execute();
  }

  async update(
    kid: string,
    patch: Partial<Pick<SigningKeyRow, 'sign_until' | 'publish_until' | 'verify_until'>>,
  ) {
    await this.db.updateTable('signing_keys').set(patch).where('kid', '=', kid).execute();
  }

  /** Every key row, expired ones included (re-encryption covers them all). */
  listAll(): Promise<SigningKeyRow[]> {
    return this.db.selectFrom('signing_keys').selectAll().orderBy('kid').execute();
  }

  /** Replace a stored private key, only if it is still `expected` (another process may have done it). */
  async setPrivateJwk(kid: string, expected: string, value: string): Promise<boolean> {
    const r = await this.db
      .updateTable('signing_keys')
      .set({ private_jwk: value })
      .where('kid', '=', kid)
      .where('private_jwk', '=', expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('signing_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
