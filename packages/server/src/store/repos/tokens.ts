import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Engine } from '../connect.js';
import type { AuthCodeTable, Database, RefreshTokenTable } from '../tables.js';
import { SessionsRepo } from './sessions.js';

export type AuthCodeRow = Selectable<AuthCodeTable>;
/** A refresh token as the rest of the server sees it (the table stores `offline` as 0/1). */
export type RefreshTokenRow = Omit<Selectable<RefreshTokenTable>, 'offline'> & { offline: boolean };

/** What a refresh token grant did with the presented token. */
export type RotationOutcome =
  /** The presented token is now used and its successor stored. */
  | 'rotated'
  /** The presented token had already been used: nothing was written. */
  | 'reused'
  /** The presented token was revoked (before, or by a racing revocation while its successor was stored). */
  | 'revoked';

/** A client that got tokens in a session: logout fans out to it. Written with the tokens, in one transaction. */
export interface Participant {
  sid: string;
  clientId: string;
}

const toRefreshToken = (row: Selectable<RefreshTokenTable>): RefreshTokenRow => ({
  ...row,
  offline: row.offline === 1,
});

/** Authorization codes, refresh tokens and the access-token deny list. Secrets are stored as digests only. */
export class TokensRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

  /** Run `fn` in a transaction, joining the caller's if this repository already runs in one. */
  private inTransaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    return this.db.transaction().execute((trx: Transaction<Database>) => fn(trx));
  }

  /**
   * Exchange an authorization code, in one transaction: the code becomes consumed, recording what it produced,
   * and the refresh token and session participant are stored. False if the code was consumed first (a racing
   * exchange): then nothing is written.
   */
  async exchangeCode(
    codeDigest: string,
    now: number,
    issued: { family_id: string | null; access_jti: string; access_expires_at: number },
    refresh: RefreshTokenRow | undefined,
    participant: Participant | undefined,
  ): Promise<boolean> {
    return this.inTransaction(async (trx) => {
      const tokens = new TokensRepo(trx, this.engine);
      if (!(await tokens.consumeCode(codeDigest, now, issued))) return false;
      if (refresh) await tokens.insertRefresh(refresh);
      if (participant) await new SessionsRepo(trx).addParticipant(participant.sid, participant.clientId, now);
      return true;
    });
  }

  /**
   * RFC 6749 §4.1.2 / RFC 9700 §4.5: a code presented again revokes what its first exchange produced (the
   * refresh token family and the access token). Nothing to do for a code never exchanged.
   */
  async revokeCodeGrant(codeDigest: string, now: number): Promise<void> {
    const code = await this.findCode(codeDigest);
    if (!code) return;
    if (code.family_id) await this.revokeRefresh({ family_id: code.family_id }, now, 'code_reuse');
    if (code.access_jti && code.access_expires_at) {
      await this.denyAccessTokens([{ jti: code.access_jti, expires_at: code.access_expires_at }]);
    }
  }

  /**
   * Refresh token rotation, whole: the presented token becomes used and its successor (if any) and the session
   * participant are stored in one transaction, or nothing is written. A revocation racing it never misses the
   * successor (see revokeRefresh).
   */
  async rotateRefresh(
    presentedDigest: string,
    successor: RefreshTokenRow | undefined,
    participant: Participant | undefined,
    now: number,
  ): Promise<RotationOutcome> {
    const stored = await this.inTransaction(async (trx) => {
      const tokens = new TokensRepo(trx, this.engine);
      if (!(await tokens.markRefreshUsed(presentedDigest, now))) return false;
      if (successor) await tokens.insertRefresh(successor);
      if (participant) await new SessionsRepo(trx).addParticipant(participant.sid, participant.clientId, now);
      return true;
    });
    if (stored) return 'rotated';
    const row = await this.findRefresh(presentedDigest);
    return row && row.revoked_at === null ? 'reused' : 'revoked';
  }

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
    await this.db
      .insertInto('refresh_tokens')
      .values({ ...row, offline: row.offline ? 1 : 0 })
      .execute();
  }

  async findRefresh(tokenDigest: string): Promise<RefreshTokenRow | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_digest', '=', tokenDigest)
      .executeTakeFirst();
    return row && toRefreshToken(row);
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
   * Revoke refresh tokens matching a filter and deny-list the live access tokens they produced. Returns how many
   * refresh tokens were newly revoked.
   *
   * On PostgreSQL a rotation committing while the revoking UPDATE runs stores a successor that UPDATE's snapshot
   * cannot see (RFC 9700 §4.14.2 says it must die with its family). The rotation holds the presented token's row
   * lock until it commits, so once an UPDATE has revoked anything, one more UPDATE (a new snapshot) sees every
   * successor: repeat until nothing is left. SQLite has one writer, so nothing can interleave.
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
    let upd = this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now, revoke_reason: reason })
      .where('revoked_at', 'is', null);
    for (const [k, v] of Object.entries(filter) as [string, string | false][]) {
      if (k === 'except_sid') {
        upd = upd.where((eb) => eb.or([eb('sid', 'is', null), eb('sid', '!=', v as string)]));
        continue;
      }
      upd = upd.where(k as keyof RefreshTokenTable, '=', v === false ? 0 : v);
    }
    let revoked = 0;
    for (;;) {
      const rows = await upd.returning(['access_jti', 'access_expires_at']).execute();
      await this.denyAccessTokens(
        rows.flatMap((t) =>
          t.access_jti !== null && t.access_expires_at !== null && t.access_expires_at > now
            ? [{ jti: t.access_jti, expires_at: t.access_expires_at }]
            : [],
        ),
      );
      revoked += rows.length;
      if (rows.length === 0 || this.engine !== 'postgres') return revoked;
    }
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
