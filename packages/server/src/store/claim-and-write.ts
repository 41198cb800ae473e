import type { CompiledQuery, Kysely } from 'kysely';
import { directFor } from './sqlite-direct.js';
import type { Database } from './tables.js';

/** Rows changed by an UPDATE (drivers report a bigint). */
export const changed = (r: { numAffectedRows?: bigint }): number => Number(r.numAffectedRows ?? 0);

/**
 * One transaction that claims a row and, only if it did, writes what depends on it: a refresh token rotation
 * (mark the presented token used; store its successor and the session participant) or a code exchange. `claim`
 * must change exactly one row to count as claimed. True if it did and everything was written; false if the row
 * was claimed first elsewhere, and then nothing is written. Joins the caller's transaction when `db` is one.
 *
 * On SQLite it is one synchronous transaction on the handle (store/sqlite-direct.ts); on PostgreSQL a Kysely
 * transaction (the hot cases there are single statements instead: see claimAndStore in refresh-tokens.ts).
 */
export async function claimAndWrite(
  db: Kysely<Database>,
  claim: CompiledQuery,
  writes: readonly CompiledQuery[],
): Promise<boolean> {
  const direct = directFor(db);
  if (direct) {
    return direct.transaction(db, (run) => {
      if (changed(run(claim)) !== 1) return false;
      for (const w of writes) run(w);
      return true;
    });
  }
  const body = async (trx: Kysely<Database>) => {
    if (changed(await trx.executeQuery(claim)) !== 1) return false;
    for (const w of writes) await trx.executeQuery(w);
    return true;
  };
  return db.isTransaction ? body(db) : db.transaction().execute(body);
}
