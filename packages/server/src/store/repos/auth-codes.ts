import type { Compilable, Kysely, Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import { PreparedQuery } from '../prepared-query.js';
import type { AuthCodeTable, Database } from '../tables.js';
import {
  joinedSession,
  joinedSessionColumns,
  SessionsRepo,
  type JoinedSession,
  type SessionRow,
} from './sessions.js';
import { changed, claimAndWrite } from '../claim-and-write.js';
import {
  claimAndStore,
  pick,
  dependentWrites,
  RefreshTokensRepo,
  toRefreshColumns,
  type Claim,
  type Participant,
  type ParticipantValues,
  type RefreshTokenRow,
  type SuccessorValues,
} from './refresh-tokens.js';

export type AuthCodeRow = Selectable<AuthCodeTable>;

/** Every column of a code, named (so a new column cannot be left out of an insert). */
const codeValues = (p: AuthCodeRow) =>
  ({
    code_digest: p.code_digest,
    client_id: p.client_id,
    user_id: p.user_id,
    sid: p.sid,
    redirect_uri: p.redirect_uri,
    scope: p.scope,
    nonce: p.nonce,
    code_challenge: p.code_challenge,
    code_challenge_method: p.code_challenge_method,
    auth_time: p.auth_time,
    amr: p.amr,
    created_at: p.created_at,
    expires_at: p.expires_at,
    consumed_at: p.consumed_at,
    family_id: p.family_id,
    access_jti: p.access_jti,
    access_expires_at: p.access_expires_at,
  }) satisfies Record<keyof AuthCodeTable, unknown>;

// The queries of every code exchange, compiled once (store/prepared-query.ts).
const insertCodeQuery = new PreparedQuery((db, p: AuthCodeRow) =>
  db.insertInto('auth_codes').values(codeValues(p)),
);
const findCodeQuery = new PreparedQuery((db, p: { codeDigest: string }) =>
  db.selectFrom('auth_codes').selectAll().where('code_digest', '=', p.codeDigest),
);
const findCodeWithSessionQuery = new PreparedQuery(
  (db, p: { codeDigest: string }) =>
    db
      .selectFrom('auth_codes as c')
      .leftJoin('sessions as s', 's.sid', 'c.sid')
      .selectAll('c')
      .select(joinedSessionColumns('s'))
      .where('c.code_digest', '=', p.codeDigest) as unknown as Compilable<AuthCodeRow & JoinedSession>,
);
const consumeCodeQuery = new PreparedQuery(
  (
    db,
    p: {
      codeDigest: string;
      now: number;
      familyId: string | null;
      accessJti: string;
      accessExpiresAt: number;
    },
  ) =>
    db
      .updateTable('auth_codes')
      .set({
        consumed_at: p.now,
        family_id: p.familyId,
        access_jti: p.accessJti,
        access_expires_at: p.accessExpiresAt,
      })
      .where('code_digest', '=', p.codeDigest)
      .where('consumed_at', 'is', null),
);
/** The values of consumeCodeQuery: the code, and what its exchange produced. */
const consumeValues = (
  codeDigest: string,
  now: number,
  issued: { family_id: string | null; access_jti: string; access_expires_at: number },
) => ({
  codeDigest,
  now,
  familyId: issued.family_id,
  accessJti: issued.access_jti,
  accessExpiresAt: issued.access_expires_at,
});
/** Every column of auth_codes (a Record, so that a new column fails to compile until it is listed). */
const CODE_COLUMN_SET: Record<keyof AuthCodeTable, true> = {
  code_digest: true,
  client_id: true,
  user_id: true,
  sid: true,
  redirect_uri: true,
  scope: true,
  nonce: true,
  code_challenge: true,
  code_challenge_method: true,
  auth_time: true,
  amr: true,
  created_at: true,
  expires_at: true,
  consumed_at: true,
  family_id: true,
  access_jti: true,
  access_expires_at: true,
};
const CODE_COLUMNS = Object.keys(CODE_COLUMN_SET) as (keyof AuthCodeTable)[];

/** Exchange: the code becomes consumed, recording what it produced (see consumeCodeQuery). */
const consumeCode =
  (p: {
    codeDigest: string;
    now: number;
    familyId: string | null;
    accessJti: string;
    accessExpiresAt: number;
  }): Claim =>
  (db) =>
    db.with('claimed', (qb) =>
      qb
        .updateTable('auth_codes')
        .set({
          consumed_at: p.now,
          family_id: p.familyId,
          access_jti: p.accessJti,
          access_expires_at: p.accessExpiresAt,
        })
        .where('code_digest', '=', p.codeDigest)
        .where('consumed_at', 'is', null)
        .returning('code_digest as digest'),
    ) as unknown as Kysely<Database & { claimed: { digest: string } }>;

/** Issue: the code is stored (the "claimed" row of claimAndStore is the new code). */
const storeCode =
  (p: AuthCodeRow): Claim =>
  (db) =>
    db.with('claimed', (qb) =>
      qb.insertInto('auth_codes').values(codeValues(p)).returning('code_digest as digest'),
    ) as unknown as Kysely<Database & { claimed: { digest: string } }>;
/** PostgreSQL: a new code and the session participant it makes, in one statement. */
const insertCodeWithParticipantPgQuery = new PreparedQuery(
  (db, p: AuthCodeRow & ParticipantValues & { now: number }) =>
    claimAndStore(
      db,
      storeCode(p),
      { participantSid: p.participantSid, participantClientId: p.participantClientId, now: p.now },
      { successor: false, participant: true },
    ),
);

type ExchangeValues = Parameters<typeof consumeCode>[0];
const exchangePgQueries = {
  successor: new PreparedQuery((db, p: ExchangeValues & SuccessorValues) =>
    claimAndStore(db, consumeCode(p), p, { successor: true, participant: false }),
  ),
  participant: new PreparedQuery((db, p: ExchangeValues & ParticipantValues) =>
    claimAndStore(db, consumeCode(p), p, { successor: false, participant: true }),
  ),
  both: new PreparedQuery((db, p: ExchangeValues & SuccessorValues & ParticipantValues) =>
    claimAndStore(db, consumeCode(p), p, { successor: true, participant: true }),
  ),
};

/**
 * Authorization codes: issued, exchanged once (with what the exchange produced, in one transaction or statement),
 * and a replayed code's grant revoked. Secrets are stored as digests only.
 */
export class AuthCodesRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly refresh: RefreshTokensRepo = new RefreshTokensRepo(db, engine),
  ) {}

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
    if (this.engine === 'postgres' && (refresh || participant)) {
      const claim = {
        codeDigest,
        now,
        familyId: issued.family_id,
        accessJti: issued.access_jti,
        accessExpiresAt: issued.access_expires_at,
      };
      const successor = refresh && { ...toRefreshColumns(refresh), now };
      const who = participant && {
        participantSid: participant.sid,
        participantClientId: participant.clientId,
      };
      const { rows } =
        successor && who
          ? await exchangePgQueries.both.execute(this.db, this.engine, { ...claim, ...successor, ...who })
          : successor
            ? await exchangePgQueries.successor.execute(this.db, this.engine, { ...claim, ...successor })
            : await exchangePgQueries.participant.execute(this.db, this.engine, { ...claim, ...who! });
      return rows.length === 1;
    }
    return claimAndWrite(
      this.db,
      consumeCodeQuery.bind(this.engine, consumeValues(codeDigest, now, issued)),
      dependentWrites(this.engine, refresh, participant, now),
    );
  }

  /**
   * RFC 6749 §4.1.2 / RFC 9700 §4.5: a code presented again revokes what its first exchange produced (the
   * refresh token family and the access token). Nothing to do for a code never exchanged.
   */
  async revokeCodeGrant(codeDigest: string, now: number): Promise<void> {
    const code = await this.findCode(codeDigest);
    if (!code) return;
    if (code.family_id) await this.refresh.revokeRefresh({ family_id: code.family_id }, now, 'code_reuse');
    if (code.access_jti && code.access_expires_at) {
      await this.refresh.denyAccessTokens([{ jti: code.access_jti, expires_at: code.access_expires_at }]);
    }
  }

  /**
   * Store a new code; with `participant`, also record the client in the session (times only widen, as
   * SessionsRepo.addParticipant): one statement on PostgreSQL, the same two on SQLite as when they were asked
   * apart.
   */
  async insertCode(row: AuthCodeRow, participant?: Participant, now = row.created_at): Promise<void> {
    if (participant && this.engine === 'postgres') {
      await insertCodeWithParticipantPgQuery.execute(this.db, this.engine, {
        ...row,
        participantSid: participant.sid,
        participantClientId: participant.clientId,
        now,
      });
      return;
    }
    await insertCodeQuery.execute(this.db, this.engine, row);
    if (participant) {
      await new SessionsRepo(this.db, this.engine).addParticipant(participant.sid, participant.clientId, now);
    }
  }

  async findCode(codeDigest: string): Promise<AuthCodeRow | undefined> {
    return (await findCodeQuery.execute(this.db, this.engine, { codeDigest })).rows[0];
  }

  /**
   * A code and the SSO session it was issued in, read in one statement (the session is undefined when it is
   * gone); undefined when no such code exists.
   */
  async findCodeWithSession(
    codeDigest: string,
  ): Promise<{ code: AuthCodeRow; session: SessionRow | undefined } | undefined> {
    const row = (await findCodeWithSessionQuery.execute(this.db, this.engine, { codeDigest })).rows[0];
    return row && { code: pick(row, CODE_COLUMNS), session: joinedSession(row) };
  }

  /** Mark a code used, recording what it produced; false if someone else consumed it first. */
  async consumeCode(
    codeDigest: string,
    now: number,
    issued: { family_id: string | null; access_jti: string; access_expires_at: number },
  ): Promise<boolean> {
    const r = await consumeCodeQuery.execute(this.db, this.engine, consumeValues(codeDigest, now, issued));
    return changed(r) === 1;
  }

  /** Housekeeping: drop codes a day past their expiry. */
  async purgeExpired(now: number): Promise<void> {
    await this.db
      .deleteFrom('auth_codes')
      .where('expires_at', '<', now - 86_400_000)
      .execute();
  }
}
