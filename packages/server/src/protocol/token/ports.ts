import type { Config } from '../../config/schema.js';
import type { SessionRow } from '../../domain/sessions.js';
import type { TokensRepo } from '../../store/repos/tokens.js';
import type { UserRow } from '../../store/repos/users.js';
import type { TokenSigner } from '../jwt.js';

/** The store questions the token endpoint asks, nothing more. */
export type TokenStore = Pick<
  TokensRepo,
  | 'findCodeWithSession'
  | 'exchangeCode'
  | 'revokeCodeGrant'
  | 'findRefreshWithSession'
  | 'rotateRefresh'
  | 'revokeRefresh'
>;

/** The SSO sessions a grant depends on. */
export interface GrantSessions {
  /**
   * The session (read with the code or token) if it is live; one past its limits is ended through the logout
   * path and answers undefined.
   */
  keepIfLive(session: SessionRow | undefined): Promise<SessionRow | undefined>;
  /** Whether this process should write the (sid, client) participant row now (writes are rate-limited). */
  participantWriteDue(sid: string, clientId: string): boolean;
  /** The participant row was written (after commit). */
  participantWritten(sid: string, clientId: string): void;
  /** Slide the session's idle window. */
  touch(session: SessionRow): Promise<void>;
}

/** What the token endpoint needs, and only that (not the whole provider). */
export interface TokenDeps {
  tokens: TokenStore;
  sessions: GrantSessions;
  /** A user by id (a short-lived cache is fine: disabling a user revokes their refresh tokens). */
  findUser(id: string): Promise<UserRow | undefined>;
  signer: Pick<TokenSigner, 'accessToken' | 'idToken' | 'offers'>;
  now: () => number;
  issuer: string;
  ttl: Config['ttl'];
}
