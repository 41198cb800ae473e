/**
 * The app's sessions live on the server, behind this interface; the browser's cookie holds only a random id.
 * Sessions are indexed by id, by the provider's SSO session id (`sid`) and by user (`sub`), because those are
 * the questions logout asks: "which app sessions belong to this SSO session?" and "which of this user's
 * sessions started before this logout?".
 *
 * Every implementation must keep these promises (the contract suite in test/ checks them on each store):
 * - `create` refuses a session whose `sid` was already ended, or whose `authTime` is not after the user's
 *   "logged out before" time, so a login that was in flight during a logout cannot resurrect a dead session.
 * - `update` never recreates a session that was destroyed meanwhile.
 * - the `destroyBy*` methods and `create` are atomic with respect to each other.
 * - every destroyed session is announced to `onEnded` listeners, in every process sharing the store.
 */

/** Tokens of an app session, as the provider issued them (refreshed in place). */
export interface SessionTokens {
  idToken: string;
  accessToken: string;
  refreshToken?: string | undefined;
  /** When the access token expires, ms since the epoch (absent if the provider did not say). */
  accessTokenExpiresAt?: number | undefined;
  tokenType?: string | undefined;
  scope?: string | undefined;
}

/** Claims about the signed-in user: the ID token's profile claims (plus userinfo when enabled). */
export interface UserClaims {
  sub: string;
  name?: string;
  email?: string;
  preferred_username?: string;
  [claim: string]: unknown;
}

/** One app session. The cookie carries `id`; everything else stays here. */
export interface AppSession {
  /** Random, 256 bits, base64url. The only thing the browser holds. */
  id: string;
  sub: string;
  /** The provider's SSO session (`sid` claim of the ID token); absent if the provider sends none. */
  sid?: string | undefined;
  /** When the user authenticated at the provider (`auth_time`, or the ID token's `iat`), in seconds. */
  authTime: number;
  /** ms since the epoch. */
  createdAt: number;
  /** Last request seen (ms); drives the idle timeout. */
  lastSeenAt: number;
  /** The hard end of this session (ms), whatever the activity. */
  absoluteExpiresAt: number;
  /** min(absoluteExpiresAt, lastSeenAt + idle): after this the session no longer exists. */
  expiresAt: number;
  user: UserClaims;
  tokens: SessionTokens;
  /** The `acr_values` the sign-in behind this session asked for (a step-up's level); the ID token's `acr` says what it reached. */
  requestedAcr?: string[] | undefined;
}

/** Why an app session ended; carried to `onEnded` listeners and to open pages through push. */
export type EndReason =
  /** A back-channel logout token from the provider. */
  | 'backchannel'
  /** The provider's front-channel logout iframe. */
  | 'frontchannel'
  /** The user signed out in this app (RP-initiated or local logout). */
  | 'logout'
  /** A refresh was refused with `invalid_grant`: the provider no longer knows the session. */
  | 'refresh_failed'
  /** A newer login in the same browser replaced it. */
  | 'replaced';

export interface SessionsEnded {
  sessionIds: string[];
  reason: EndReason;
}

/** Short-lived state of a login or logout round trip, keyed by a random id kept in a cookie. */
export interface Transaction {
  kind: 'login' | 'logout';
  /** Where to send the browser afterwards (a path on this app, already validated). */
  returnTo: string;
  state: string;
  nonce?: string | undefined;
  codeVerifier?: string | undefined;
  /** The `acr_values` a login asked for, kept for the session it creates. */
  acrValues?: string[] | undefined;
}

/** Result of {@link SessionStore.create}. */
export type CreateResult = 'created' | 'sid_ended' | 'logged_out_before';

export interface SessionStore {
  /** The live session with this id, or undefined (unknown, destroyed or expired). */
  get(id: string): Promise<AppSession | undefined>;
  /** Insert a new session unless its sid was ended or its authTime is too old (see the contract above). */
  create(session: AppSession): Promise<CreateResult>;
  /** Replace an existing session (tokens refreshed, activity); false if it no longer exists. */
  update(session: AppSession): Promise<boolean>;
  /** Destroy one session; returns it if it existed. */
  destroy(id: string, reason: EndReason): Promise<AppSession | undefined>;
  /**
   * Destroy every app session of this SSO session and remember the sid as ended (for `endedTtl` seconds) so
   * that no session for it can be created afterwards.
   */
  destroyBySid(sid: string, reason: EndReason, endedTtl: number): Promise<AppSession[]>;
  /**
   * Record that every session of `sub` that authenticated at or before `before` (seconds) is logged out, keep
   * that time (the later of the old and new one) for `ttl` seconds, and destroy those sessions. Sessions that
   * authenticated later survive.
   */
  destroyBySub(sub: string, before: number, reason: EndReason, ttl: number): Promise<AppSession[]>;
  /** Remember a logout token id; false if it was already remembered (a replay). */
  rememberJti(key: string, ttl: number): Promise<boolean>;
  /** Keep a login/logout transaction for `ttl` seconds. */
  putTransaction(id: string, tx: Transaction, ttl: number): Promise<void>;
  /** Read and delete a transaction (single use). */
  takeTransaction(id: string): Promise<Transaction | undefined>;
  /**
   * Try to take a short lock (e.g. one token refresh per session across processes). Returns a release
   * function, or undefined if someone else holds it.
   */
  lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** Be told when sessions are destroyed, in this process or any other sharing the store. */
  onEnded(listener: (event: SessionsEnded) => void): () => void;
  /** Resolves once `onEnded` listeners are sure to hear every later event (e.g. a Redis SUBSCRIBE is done). */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
