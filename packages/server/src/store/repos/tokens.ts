import type { Kysely } from 'kysely';
import type { Engine } from '../connect.js';
import type { Database } from '../tables.js';
import { AuthCodesRepo } from './auth-codes.js';
import { RefreshTokensRepo } from './refresh-tokens.js';

/**
 * The token endpoint's store, one port: authorization codes (`auth-codes.ts`), refresh tokens and the
 * access-token deny list (`refresh-tokens.ts`). Each question is answered by the repository of its table; this
 * keeps `store.tokens` the one place the token, revocation and logout paths ask.
 */
export class TokensRepo {
  readonly codes: AuthCodesRepo;
  readonly refreshTokens: RefreshTokensRepo;

  constructor(db: Kysely<Database>, engine: Engine) {
    this.refreshTokens = new RefreshTokensRepo(db, engine);
    this.codes = new AuthCodesRepo(db, engine, this.refreshTokens);
  }

  /** See {@link AuthCodesRepo.insertCode}. */
  insertCode: AuthCodesRepo['insertCode'] = (...a) => this.codes.insertCode(...a);
  /** See {@link AuthCodesRepo.findCode}. */
  findCode: AuthCodesRepo['findCode'] = (...a) => this.codes.findCode(...a);
  /** See {@link AuthCodesRepo.findCodeWithSession}. */
  findCodeWithSession: AuthCodesRepo['findCodeWithSession'] = (...a) => this.codes.findCodeWithSession(...a);
  /** See {@link AuthCodesRepo.consumeCode}. */
  consumeCode: AuthCodesRepo['consumeCode'] = (...a) => this.codes.consumeCode(...a);
  /** See {@link AuthCodesRepo.exchangeCode}. */
  exchangeCode: AuthCodesRepo['exchangeCode'] = (...a) => this.codes.exchangeCode(...a);
  /** See {@link AuthCodesRepo.revokeCodeGrant}. */
  revokeCodeGrant: AuthCodesRepo['revokeCodeGrant'] = (...a) => this.codes.revokeCodeGrant(...a);

  /** See {@link RefreshTokensRepo.insertRefresh}. */
  insertRefresh: RefreshTokensRepo['insertRefresh'] = (...a) => this.refreshTokens.insertRefresh(...a);
  /** See {@link RefreshTokensRepo.findRefresh}. */
  findRefresh: RefreshTokensRepo['findRefresh'] = (...a) => this.refreshTokens.findRefresh(...a);
  /** See {@link RefreshTokensRepo.findRefreshWithSession}. */
  findRefreshWithSession: RefreshTokensRepo['findRefreshWithSession'] = (...a) =>
    this.refreshTokens.findRefreshWithSession(...a);
  /** See {@link RefreshTokensRepo.markRefreshUsed}. */
  markRefreshUsed: RefreshTokensRepo['markRefreshUsed'] = (...a) => this.refreshTokens.markRefreshUsed(...a);
  /** See {@link RefreshTokensRepo.rotateRefresh}. */
  rotateRefresh: RefreshTokensRepo['rotateRefresh'] = (...a) => this.refreshTokens.rotateRefresh(...a);
  /** See {@link RefreshTokensRepo.revokeRefresh}. */
  revokeRefresh: RefreshTokensRepo['revokeRefresh'] = (...a) => this.refreshTokens.revokeRefresh(...a);
  /** See {@link RefreshTokensRepo.denyAccessTokens}. */
  denyAccessTokens: RefreshTokensRepo['denyAccessTokens'] = (...a) =>
    this.refreshTokens.denyAccessTokens(...a);
  /** See {@link RefreshTokensRepo.isAccessTokenDenied}. */
  isAccessTokenDenied: RefreshTokensRepo['isAccessTokenDenied'] = (...a) =>
    this.refreshTokens.isAccessTokenDenied(...a);

  /** Housekeeping: drop what can no longer be used. */
  async purgeExpired(now: number): Promise<void> {
    await this.codes.purgeExpired(now);
    await this.refreshTokens.purgeExpired(now);
  }
}
