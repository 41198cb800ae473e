import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../tables.js';
import type { ConsoleSessionTable } from './console-tables.js';

export type ConsoleSessionRow = Selectable<ConsoleSessionTable>;

/** Console sign-ins in progress and signed-in console sessions, keyed by the digest of the cookie value. */
export class ConsoleSessionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ConsoleSessionRow): Promise<void> {
    await this.db.insertInto('console_sessions').values(row).execute();
  }

  find(idDigest: string, kind: string, now: number): Promise<ConsoleSessionRow | undefined> {
    return this.db
      .selectFrom('console_sessions')
      .selectAll()
      .where('id_digest', '=', idDigest)
      .where('kind', '=', kind)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  /** Single use (a login transaction): true only for the one caller that removed it. */
  async take(idDigest: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('console_sessions')
      .where('id_digest', '=', idDigest)
      .executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('expires_at', '<=', now).execute();
  }
}
