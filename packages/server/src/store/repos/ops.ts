import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';

/** Questions operators ask of the store: is it there, how much is waiting, how many are signed in. */
export class OpsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** A round trip to the database; throws when it cannot be reached. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Back-channel deliveries still to be made. */
  async outboxDepth(): Promise<number> {
    const r = await this.db
      .selectFrom('backchannel_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** SSO sessions neither ended nor expired at `now`. */
  async activeSessions(now: number): Promise<number> {
    const r = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ended_at', 'is', null)
      .where('idle_expires_at', '>', now)
      .where('absolute_expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
