import type { Kysely, Selectable } from 'kysely';
import type { AuthCodeTable, Database, RefreshTokenTable } from '../tables.js';

export type AuthCodeRow = Selectable<AuthCodeTable>;
export type RefreshTokenRow = Selectable<RefreshTokenTable>;

/** Authorization codes, refresh tokens and the access-token deny list. Secrets are stored as digests only. */
export class TokensRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insertCode(row: AuthCodeRow): Promise<void> {
    await this.db.insertInto('auth_codes').values(row).execute();
  }

  findCode(codeDigest: string): Promise<AuthCodeRow | undefined> {
    return this.db
      .selectFrom('auth_codes')
      .selectAll()
      .where('code_digest', '=', codeDigest)
      .executeTakeFirst();
  }

  /** Mark a code used, recording what it produced; false if someone else consumed it first. */
  async consumeCode(
    codeDigest: string,
    now: number,
    issued: { family_id: string | null; access_jti: string; access_expires_at: number },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('auth_codes')
      .set({ consumed_at: now, ...issued })
      .where('code_digest', '=', codeDigest)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async insertRefresh(row: RefreshTokenRow): Promise<void> {
    await this.db.insertInto('refresh_tokens').values(row).execute();
  }

  findRefresh(tokenDigest: string): Promise<RefreshTokenRow | undefined> {
    return this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_digest', '=', tokenDigest)
      .executeTakeFirst();
  }

  /** Rotation: the presented token becomes used; false if it was already used or revoked (reuse). */
  async markRefreshUsed(tokenDigest: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('token_digest', '=', tokenDigest)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * After rotation stored the successor: is the rotated token still unrevoked? A racing reuse revokes the family
   * with one UPDATE; this check is an UPDATE that changes nothing, so it waits for that one to commit instead of
   * reading around it. Either the revocation saw the successor, or this sees the revocation.
   */
  async rotationHolds(tokenDigest: string): Promise<boolean> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set((eb) => ({ used_at: eb.ref('used_at') }))
      .where('token_digest', '=', tokenDigest)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Revoke refresh tokens matching a filter and deny-list the access tokens they produced. Returns how many
   * refresh tokens were newly revoked.
   */
  async revokeRefresh(
    filter:
      | { family_id: string }
      | { sid: string; offline?: false }
      | { user_id: string }
      | { user_id: string; client_id: string }
      /** Every token of a user except those bound to one session (self-service password change keeps it). */
      | { user_id: string; except_sid: string },
    now: number,
    reason: string,
  ): Promise<number> {
    let sel = this.db.selectFrom('refresh_tokens').select(['access_jti', 'access_expires_at']);
    let upd = this.db.updateTable('refresh_tokens').set({ revoked_at: now, revoke_reason: reason });
    for (const [k, v] of Object.entries(filter) as [string, string | false][]) {
      if (k === 'except_sid') {
        sel = sel.where((eb) => eb.or([eb('sid', 'is', null), eb('sid', '!=', v as string)]));
        upd = upd.where((eb) => eb.or([eb('sid', 'is', null), eb('sid', '!=', v as string)]));
        continue;
      }
      const value = v === false ? 0 : v;
      sel = sel.where(k as keyof RefreshTokenRow, '=', value);
      upd = upd.where(k as keyof RefreshTokenRow, '=', value);
    }
    const live = await sel.where('access_expires_at', '>', now).where('access_jti', 'is not', null).execute();
    await this.denyAccessTokens(
      live.map((t) => ({ jti: t.access_jti as string, expires_at: t.access_expires_at as number })),
    );
    const r = await upd.where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async denyAccessTokens(tokens: readonly { jti: string; expires_at: number }[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.db
      .insertInto('revoked_access_tokens')
      .values([...tokens])
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('revoked_access_tokens')
      .select('jti')
      .where('jti', '=', jti)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Housekeeping: drop what can no longer be used. */
  async purgeExpired(now: number): Promise<void> {
    await this.db
      .deleteFrom('auth_codes')
      .where('expires_at', '<', now - 86_400_000)
      .execute();
    await this.db.deleteFrom('revoked_access_tokens').where('expires_at', '<', now).execute();
    await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', now).execute();
  }
}
