import type { Compilable, CompiledQuery, Kysely, Selectable } from 'kysely';
import type { Engine } from '../connect.js';
import { PreparedQuery } from '../prepared-query.js';
import { inBatches } from '../batches.js';
import { changed, claimAndWrite } from '../claim-and-write.js';
import type { Database, RefreshTokenTable } from '../tables.js';
import {
  joinedSession,
  joinedSessionColumns,
  addParticipantQuery,
  type JoinedSession,
  type SessionRow,
} from './sessions.js';

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

/** The columns of a refresh token (`offline` back to 0/1). */
export const toRefreshColumns = (row: RefreshTokenRow): Selectable<RefreshTokenTable> => ({
  ...row,
  offline: row.offline ? 1 : 0,
});

// The queries of every refresh, compiled once (store/prepared-query.ts).
const insertRefreshQuery = new PreparedQuery((db, p: Selectable<RefreshTokenTable>) =>
  db.insertInto('refresh_tokens').values({
    token_digest: p.token_digest,
    family_id: p.family_id,
    client_id: p.client_id,
    user_id: p.user_id,
    sid: p.sid,
    scope: p.scope,
    offline: p.offline,
    auth_time: p.auth_time,
    amr: p.amr,
    created_at: p.created_at,
    expires_at: p.expires_at,
    used_at: p.used_at,
    revoked_at: p.revoked_at,
    revoke_reason: p.revoke_reason,
    access_jti: p.access_jti,
    access_expires_at: p.access_expires_at,
  } satisfies Record<keyof RefreshTokenTable, unknown>),
);
const findRefreshQuery = new PreparedQuery((db, p: { tokenDigest: string }) =>
  db.selectFrom('refresh_tokens').selectAll().where('token_digest', '=', p.tokenDigest),
);
const findRefreshWithSessionQuery = new PreparedQuery(
  (db, p: { tokenDigest: string }) =>
    db
      .selectFrom('refresh_tokens as r')
      .leftJoin('sessions as s', 's.sid', 'r.sid')
      .selectAll('r')
      .select(joinedSessionColumns('s'))
      .where('r.token_digest', '=', p.tokenDigest) as unknown as Compilable<
      Selectable<RefreshTokenTable> & JoinedSession
    >,
);
const isAccessTokenDeniedQuery = new PreparedQuery((db, p: { jti: string }) =>
  db.selectFrom('revoked_access_tokens').select('jti').where('jti', '=', p.jti),
);
const markRefreshUsedQuery = new PreparedQuery((db, p: { tokenDigest: string; now: number }) =>
  db
    .updateTable('refresh_tokens')
    .set({ used_at: p.now })
    .where('token_digest', '=', p.tokenDigest)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null),
);

/** A successor refresh token, flat (prepared queries take named scalar values), and the write's time. */
export type SuccessorValues = Selectable<RefreshTokenTable> & { now: number };
/** The session participant written with the tokens, flat. */
export type ParticipantValues = { participantSid: string; participantClientId: string };

/**
 * What a claimed refresh token or code makes, as statements for claimAndWrite: the successor refresh token and the
 * session participant, each if there is one.
 */
export function dependentWrites(
  engine: Engine,
  successor: RefreshTokenRow | undefined,
  participant: Participant | undefined,
  now: number,
): CompiledQuery[] {
  const writes: CompiledQuery[] = [];
  if (successor) writes.push(insertRefreshQuery.bind(engine, toRefreshColumns(successor)));
  if (participant) {
    writes.push(
      addParticipantQuery.bind(engine, { sid: participant.sid, clientId: participant.clientId, now }),
    );
  }
  return writes;
}
/** The first step of a one-statement write: claims one row (a refresh token or a code) or none. */
export type Claim = (db: Kysely<Database>) => Kysely<Database & { claimed: { digest: string } }>;

/**
 * Every column of refresh_tokens with its PostgreSQL type, for the one-statement writes below. A Record, so that
 * a column added to the table fails to compile until it is added here too.
 */
const REFRESH_COLUMN_TYPES: Record<keyof RefreshTokenTable, 'text' | 'bigint' | 'integer'> = {
  token_digest: 'text',
  family_id: 'text',
  client_id: 'text',
  user_id: 'text',
  sid: 'text',
  scope: 'text',
  offline: 'integer',
  auth_time: 'bigint',
  amr: 'text',
  created_at: 'bigint',
  expires_at: 'bigint',
  used_at: 'bigint',
  revoked_at: 'bigint',
  revoke_reason: 'text',
  access_jti: 'text',
  access_expires_at: 'bigint',
};
const REFRESH_COLUMNS = Object.keys(REFRESH_COLUMN_TYPES) as (keyof RefreshTokenTable)[];

/** The columns of one table out of a joined row. */
export function pick<T, K extends keyof T>(row: T, columns: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const c of columns) out[c] = row[c];
  return out;
}

/**
 * PostgreSQL: a whole rotation or code exchange in one statement, so one round trip instead of four or five
 * (BEGIN, UPDATE, INSERT, [participant,] COMMIT). Data-modifying CTEs run as one atomic statement: `claim` marks
 * the presented token used (or the code consumed), and the successor and the participant are written only if it
 * claimed a row. The claimed row stays locked until the statement commits, exactly as in the transaction (see
 * revokeRefresh). SQLite cannot modify data in a CTE, so it keeps the transaction.
 */
export function claimAndStore(
  db: Kysely<Database>,
  claim: Claim,
  p: Partial<SuccessorValues & ParticipantValues> & { now: number },
  parts: { successor: boolean; participant: boolean },
) {
  let q = claim(db);
  if (parts.successor) {
    q = q.with('successor', (qb) =>
      qb
        .insertInto('refresh_tokens')
        .columns(REFRESH_COLUMNS)
        .expression((eb) =>
          // Bind parameters in a SELECT list have no column to take a type from: each is cast to its column's.
          eb
            .selectFrom('claimed')
            .select(REFRESH_COLUMNS.map((c) => eb.cast(eb.val(p[c]), REFRESH_COLUMN_TYPES[c]).as(c))),
        )
        .returning('token_digest'),
    ) as unknown as typeof q;
  }
  if (parts.participant) {
    q = q.with('participant', (qb) =>
      qb
        .insertInto('session_participants')
        .columns(['sid', 'client_id', 'first_at', 'last_at'])
        .expression((eb) =>
          eb
            .selectFrom('claimed')
            .select([
              eb.cast(eb.val(p.participantSid), 'text').as('sid'),
              eb.cast(eb.val(p.participantClientId), 'text').as('client_id'),
              eb.cast(eb.val(p.now), 'bigint').as('first_at'),
              eb.cast(eb.val(p.now), 'bigint').as('last_at'),
            ]),
        )
        // Times only widen, as in SessionsRepo.addParticipant.
        .onConflict((oc) =>
          oc.columns(['sid', 'client_id']).doUpdateSet((eb) => ({
            first_at: eb.fn('least', [eb.ref('session_participants.first_at'), eb.ref('excluded.first_at')]),
            last_at: eb.fn('greatest', [eb.ref('session_participants.last_at'), eb.ref('excluded.last_at')]),
          })),
        )
        .returning('sid'),
    ) as unknown as typeof q;
  }
  return q.selectFrom('claimed').select('claimed.digest');
}

/** Rotation: the presented refresh token becomes used (see markRefreshUsedQuery). */
const useRefresh =
  (p: { presented: string; now: number }): Claim =>
  (db) =>
    db.with('claimed', (qb) =>
      qb
        .updateTable('refresh_tokens')
        .set({ used_at: p.now })
        .where('token_digest', '=', p.presented)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .returning('token_digest as digest'),
    ) as unknown as Kysely<Database & { claimed: { digest: string } }>;

type RotationValues = SuccessorValues & { presented: string };
const rotatePgQuery = new PreparedQuery((db, p: RotationValues) =>
  claimAndStore(db, useRefresh(p), p, { successor: true, participant: false }),
);
const rotateWithParticipantPgQuery = new PreparedQuery((db, p: RotationValues & ParticipantValues) =>
  claimAndStore(db, useRefresh(p), p, { successor: true, participant: true }),
);

/** Refresh tokens and the access-token deny list (what a revoked grant's access tokens are checked against). */
export class RefreshTokensRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
  ) {}

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
    const oneStatement = this.engine === 'postgres' && successor !== undefined;
    const stored = oneStatement
      ? await this.rotateInOneStatement(presentedDigest, successor, participant, now)
      : await claimAndWrite(
          this.db,
          markRefreshUsedQuery.bind(this.engine, { tokenDigest: presentedDigest, now }),
          dependentWrites(this.engine, successor, participant, now),
        );
    if (stored) return 'rotated';
    const row = await this.findRefresh(presentedDigest);
    return row && row.revoked_at === null ? 'reused' : 'revoked';
  }

  /** PostgreSQL: see rotationStatement. True if the presented token was used by this rotation. */
  private async rotateInOneStatement(
    presented: string,
    successor: RefreshTokenRow,
    participant: Participant | undefined,
    now: number,
  ): Promise<boolean> {
    const values = { ...toRefreshColumns(successor), presented, now };
    const { rows } = participant
      ? await rotateWithParticipantPgQuery.execute(this.db, this.engine, {
          ...values,
          participantSid: participant.sid,
          participantClientId: participant.clientId,
        })
      : await rotatePgQuery.execute(this.db, this.engine, values);
    return rows.length === 1;
  }

  async insertRefresh(row: RefreshTokenRow): Promise<void> {
    await insertRefreshQuery.execute(this.db, this.engine, toRefreshColumns(row));
  }

  async findRefresh(tokenDigest: string): Promise<RefreshTokenRow | undefined> {
    const row = (await findRefreshQuery.execute(this.db, this.engine, { tokenDigest })).rows[0];
    return row && toRefreshToken(row);
  }

  /**
   * A refresh token and the SSO session it is bound to, read in one statement (the session is undefined when
   * the token has none or it is gone); undefined when no such token exists.
   */
  async findRefreshWithSession(
    tokenDigest: string,
  ): Promise<{ token: RefreshTokenRow; session: SessionRow | undefined } | undefined> {
    const row = (await findRefreshWithSessionQuery.execute(this.db, this.engine, { tokenDigest })).rows[0];
    return row && { token: toRefreshToken(pick(row, REFRESH_COLUMNS)), session: joinedSession(row) };
  }

  /** Rotation: the presented token becomes used; false if it was already used or revoked (reuse). */
  async markRefreshUsed(tokenDigest: string, now: number): Promise<boolean> {
    const r = await markRefreshUsedQuery.execute(this.db, this.engine, { tokenDigest, now });
    return changed(r) === 1;
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
      /** The tokens of several sessions at once (a logout that ends many). */
      | { sids: readonly string[]; offline?: false }
      | { user_id: string }
      | { user_id: string; client_id: string }
      /** Every token of a user except those bound to one session (self-service password change keeps it). */
      | { user_id: string; except_sid: string },
    now: number,
    reason: string,
  ): Promise<number> {
    if ('sids' in filter) {
      const { sids, ...rest } = filter;
      let revoked = 0;
      for (const batch of inBatches(sids, 1)) {
        revoked += await this.revokeWhere({ ...rest, sid_in: batch }, now, reason);
      }
      return revoked;
    }
    return this.revokeWhere(filter, now, reason);
  }

  private async revokeWhere(
    filter: Record<string, string | false | readonly string[]>,
    now: number,
    reason: string,
  ): Promise<number> {
    let upd = this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now, revoke_reason: reason })
      .where('revoked_at', 'is', null);
    for (const [k, v] of Object.entries(filter)) {
      if (k === 'sid_in') {
        upd = upd.where('sid', 'in', v as readonly string[]);
        continue;
      }
      if (k === 'except_sid') {
        upd = upd.where((eb) => eb.or([eb('sid', 'is', null), eb('sid', '!=', v as string)]));
        continue;
      }
      upd = upd.where(k as keyof RefreshTokenTable, '=', v === false ? 0 : (v as string));
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
    for (const batch of inBatches(tokens)) {
      await this.db
        .insertInto('revoked_access_tokens')
        .values(batch)
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    }
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    return (await isAccessTokenDeniedQuery.execute(this.db, this.engine, { jti })).rows.length > 0;
  }

  /** Housekeeping: drop expired refresh tokens, and deny-list entries of access tokens that expired anyway. */
  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('revoked_access_tokens').where('expires_at', '<', now).execute();
    await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', now).execute();
  }
}
