import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, UserFactorTable } from '../tables.js';

type FactorRecord = Selectable<UserFactorTable>;
/**
 * A factor as the rest of the server sees it: a passkey's WebAuthn flags are booleans (the columns hold 0|1;
 * null for an authenticator app).
 */
export type FactorRow = Omit<FactorRecord, 'backup_eligible' | 'backed_up'> & {
  backup_eligible: boolean | null;
  backed_up: boolean | null;
};

const flag = (v: number | null): boolean | null => (v === null ? null : Number(v) === 1);
const column = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0);

function toFactorRow(r: FactorRecord): FactorRow {
  return { ...r, backup_eligible: flag(r.backup_eligible), backed_up: flag(r.backed_up) };
}

/** Second factors and recovery codes (issue 15). Each method answers one whole question. */
export class FactorsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Run `fn` in a transaction, joining the caller's if this repository already runs in one. */
  private inTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    return this.db.transaction().execute((trx: Transaction<Database>) => fn(trx));
  }

  async listByUser(userId: string): Promise<FactorRow[]> {
    const rows = await this.db
      .selectFrom('user_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map(toFactorRow);
  }

  async hasAny(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('user_factors')
      .select('id')
      .where('user_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether the user has a factor of this kind (one indexed row read, not the list). */
  async hasKind(userId: string, kind: FactorRow['kind']): Promise<boolean> {
    const row = await this.db
      .selectFrom('user_factors')
      .select('id')
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async findByCredentialId(credentialId: string): Promise<FactorRow | undefined> {
    const row = await this.db
      .selectFrom('user_factors')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    return row && toFactorRow(row);
  }

  /**
   * Add a confirmed factor. When `recoveryDigests` is given (the user's first factor), the recovery codes are
   * replaced in the same transaction: a factor never exists without the codes the user was shown, or the reverse.
   */
  async add(row: FactorRow, recoveryDigests?: readonly string[]): Promise<void> {
    await this.inTransaction(async (tx) => {
      await tx
        .insertInto('user_factors')
        .values({ ...row, backup_eligible: column(row.backup_eligible), backed_up: column(row.backed_up) })
        .execute();
      if (recoveryDigests) {
        await tx.deleteFrom('recovery_codes').where('user_id', '=', row.user_id).execute();
        if (recoveryDigests.length) {
          await tx
            .insertInto('recovery_codes')
            .values(
              recoveryDigests.map((digest) => ({
                user_id: row.user_id,
                digest,
                created_at: row.created_at,
                used_at: null,
              })),
            )
            .execute();
        }
      }
    });
  }

  /**
   * Accept a TOTP code of time step `step` for this factor: true only when the step is later than the last one
   * accepted (RFC 6238 §5.2: a code is used at most once), for exactly one of racing callers.
   */
  async acceptTotpStep(factorId: string, step: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('user_factors')
      .set({ last_step: step, last_used_at: now })
      .where('id', '=', factorId)
      .where('kind', '=', 'totp')
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * A passkey was used, its authenticator reporting `signCount`: true only for the one caller that moved the
   * stored counter from `seenCount` (the value the assertion was verified against) — a racing use of the same
   * counter value, or any older one, is refused (WebAuthn §6.1.1: a counter that does not grow means a clone).
   * Authenticators that always report 0 (most synced passkeys) keep 0; their replays are stopped by the
   * single-use challenge instead.
   */
  async acceptPasskeyUse(
    factorId: string,
    seenCount: number,
    signCount: number,
    backedUp: boolean,
    now: number,
  ): Promise<boolean> {
    if ((signCount > 0 || seenCount > 0) && signCount <= seenCount) return false;
    const r = await this.db
      .updateTable('user_factors')
      .set({ sign_count: signCount, backed_up: backedUp ? 1 : 0, last_used_at: now })
      .where('id', '=', factorId)
      .where('kind', '=', 'passkey')
      .where('sign_count', '=', seenCount)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Spend a recovery code: true only for the one caller that marked it used. */
  async useRecoveryCode(userId: string, digest: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('digest', '=', digest)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async countUnusedRecoveryCodes(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Remove one factor of the user; when it was the last one, the recovery codes go too (they only stand in for a
   * factor). False when there was no such factor of this user.
   */
  async remove(userId: string, factorId: string): Promise<boolean> {
    return this.inTransaction(async (tx) => {
      const r = await tx
        .deleteFrom('user_factors')
        .where('id', '=', factorId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) return false;
      const left = await tx
        .selectFrom('user_factors')
        .select('id')
        .where('user_id', '=', userId)
        .limit(1)
        .executeTakeFirst();
      if (!left) await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      return true;
    });
  }

  /** Remove every factor and recovery code of the user (admin reset); how many factors there were. */
  async removeAll(userId: string): Promise<number> {
    return this.inTransaction(async (tx) => {
      const r = await tx.deleteFrom('user_factors').where('user_id', '=', userId).executeTakeFirst();
      await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      return Number(r.numDeletedRows);
    });
  }
}
