import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeyTable } from '../tables.js';

export type SigningKeyRow = Selectable<SigningKeyTable>;

export class KeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

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

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('signing_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
