import type { Generated } from 'kysely';

/**
 * Table shapes shared by both engines. Times are epoch milliseconds (BIGINT on PostgreSQL, INTEGER on SQLite),
 * booleans are 0/1 and structured values are JSON text, so one query layer serves both engines unchanged.
 */

export interface UserTable {
  id: string;
  username: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  password_hash: string;
  disabled: number;
  password_changed_at: number;
  created_at: number;
  updated_at: number;
}

export interface ClientTable {
  client_id: string;
  metadata: string;
  secret_digest: string | null;
  source: string;
  registration_token_digest: string | null;
  created_at: number;
  updated_at: number;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  sign_from: number;
  sign_until: number | null;
  publish_until: number | null;
  verify_until: number | null;
}

export interface InteractionTable {
  id: string;
  kind: string;
  payload: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

export interface SessionTable {
  sid: string;
  cookie_digest: string;
  user_id: string;
  auth_time: number;
  created_at: number;
  last_active_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  remember_me: number;
  idle_seconds: number;
  ended_at: number | null;
  end_reason: string | null;
  logout_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** Digest of the browser cookie of the browser this session was created in (null before 0002). */
  browser_id: string | null;
  /** Space-separated RFC 8176 methods of the session's authentication (null before 0008: a password). */
  amr: string | null;
}

export interface SessionParticipantTable {
  sid: string;
  client_id: string;
  first_at: number;
  last_at: number;
}

export interface AuthCodeTable {
  code_digest: string;
  client_id: string;
  user_id: string;
  sid: string;
  redirect_uri: string;
  scope: string;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  auth_time: number;
  /** The session's amr when the code was issued. */
  amr: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  family_id: string | null;
  access_jti: string | null;
  access_expires_at: number | null;
}

export interface RefreshTokenTable {
  token_digest: string;
  family_id: string;
  client_id: string;
  user_id: string;
  sid: string | null;
  scope: string;
  offline: number;
  auth_time: number;
  amr: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  revoke_reason: string | null;
  access_jti: string | null;
  access_expires_at: number | null;
}

export interface RevokedAccessTokenTable {
  jti: string;
  expires_at: number;
}

export interface ThrottleTable {
  key: string;
  failures: number;
  window_started_at: number;
  locked_until: number;
}

export interface LogoutTable {
  id: string;
  sid: string | null;
  user_id: string | null;
  reason: string;
  initiator: string;
  initiator_client_id: string | null;
  created_at: number;
  frontchannel_deadline_at: number;
  receipt_deadline_at: number;
  /** Digest of the secret that lets the user's browser report front-channel results and read its receipt. */
  receipt_digest: string | null;
  /** The validated post-logout redirect (with state), followed when the receipt is done. */
  redirect_to: string | null;
  /** Why the browser was not sent back to the app that asked (unregistered or unidentified redirect). */
  redirect_note: string | null;
}

export interface LogoutParticipantTable {
  logout_id: string;
  client_id: string;
  channel: string;
  status: string;
  detail: string | null;
  updated_at: number;
}

export interface BackchannelOutboxTable {
  id: string;
  logout_id: string;
  client_id: string;
  uri: string;
  sid: string | null;
  sub: string;
  reason: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  deadline_at: number;
  locked_until: number | null;
  locked_by: string | null;
  completed_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
}

export interface DeliveryAttemptTable {
  id: Generated<number>;
  outbox_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  outcome: string;
  error: string | null;
}

export interface SessionEventTable {
  id: Generated<number>;
  sid: string;
  user_id: string;
  reason: string;
  logout_id: string | null;
  created_at: number;
}

export interface ConsentTable {
  user_id: string;
  client_id: string;
  scope: string;
  granted_at: number;
}

export interface Database {
  consents: ConsentTable;
  users: UserTable;
  clients: ClientTable;
  signing_keys: SigningKeyTable;
  interactions: InteractionTable;
  sessions: SessionTable;
  session_participants: SessionParticipantTable;
  auth_codes: AuthCodeTable;
  refresh_tokens: RefreshTokenTable;
  revoked_access_tokens: RevokedAccessTokenTable;
  throttle: ThrottleTable;
  logouts: LogoutTable;
  logout_participants: LogoutParticipantTable;
  backchannel_outbox: BackchannelOutboxTable;
  delivery_attempts: DeliveryAttemptTable;
  session_events: SessionEventTable;
  connections: ConnectionTable;
  upstream_links: UpstreamLinkTable;
  upstream_requests: UpstreamRequestTable;
  session_upstreams: SessionUpstreamTable;
  upstream_logout_jtis: UpstreamLogoutJtiTable;
  upstream_pending_links: UpstreamPendingLinkTable;
  upstream_logouts: UpstreamLogoutTable;
  account_tokens: AccountTokenTable;
  user_factors: UserFactorTable;
  recovery_codes: RecoveryCodeTable;
}

/** A second factor of a user (issue 15). TOTP rows use secret/last_step, passkeys the credential columns. */
export interface UserFactorTable {
  id: string;
  user_id: string;
  kind: 'totp' | 'passkey';
  label: string;
  secret: string | null;
  last_step: number | null;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | null;
  transports: string | null;
  created_at: number;
  last_used_at: number | null;
  /** Passkeys (0009): WebAuthn backup eligibility (BE, 0/1, fixed for the credential's life) and state (BS). */
  backup_eligible: number | null;
  backed_up: number | null;
}

/** A single-use recovery code: only its digest is kept. */
export interface RecoveryCodeTable {
  user_id: string;
  digest: string;
  created_at: number;
  used_at: number | null;
}

/** Upstream identity providers managed through the CLI or the admin API (config-file ones are not stored). */
export interface ConnectionTable {
  id: string;
  /** The connection's settings as validated JSON (connectionSchema). */
  settings: string;
  created_at: number;
  updated_at: number;
}

/** An Adieu user signed in through a connection: (connection, upstream iss, upstream sub) -> our user. */
export interface UpstreamLinkTable {
  connection_id: string;
  upstream_iss: string;
  upstream_sub: string;
  user_id: string;
  created_at: number;
  last_login_at: number;
}

/**
 * One trip to an upstream's authorization endpoint: what the callback must check (state, nonce, PKCE) and where it
 * continues. Keyed by the digest of `state`; bound to the browser by the digest of a cookie value.
 */
export interface UpstreamRequestTable {
  state_digest: string;
  connection_id: string;
  interaction_id: string;
  browser_digest: string;
  nonce: string;
  code_verifier: string;
  created_at: number;
  expires_at: number;
}

/** Which upstream session an Adieu SSO session was signed in through (binding per SSO session, not per user). */
export interface SessionUpstreamTable {
  sid: string;
  connection_id: string;
  upstream_iss: string;
  upstream_sub: string;
  upstream_sid: string | null;
  id_token: string | null;
  id_token_expires_at: number | null;
  refresh_token: string | null;
  end_session_endpoint: string | null;
  created_at: number;
}

/** jti values of upstream logout tokens already processed (Back-Channel Logout 1.0 §2.6 step 10). */
export interface UpstreamLogoutJtiTable {
  jti_digest: string;
  expires_at: number;
}

/**
 * An upstream identity whose verified email matches an existing account: linking waits until the person proves
 * they own that account (its password). `identity` is the validated upstream identity as JSON.
 */
export interface UpstreamPendingLinkTable {
  token_digest: string;
  connection_id: string;
  interaction_id: string;
  user_id: string;
  identity: string;
  csrf: string;
  expires_at: number;
}

/**
 * The upstream's part of one logout (one row per ended SSO session that was signed in through a connection):
 * `pending` (the browser is on its way there), `ended`, `not_ended` (the upstream refused or did not answer), or
 * `not_attempted` (the connection's policy, no browser, no end_session endpoint, or the logout came from there).
 */
export interface UpstreamLogoutTable {
  logout_id: string;
  sid: string;
  connection_id: string;
  status: string;
  detail: string | null;
  state_digest: string | null;
  created_at: number;
  updated_at: number;
}

export interface AccountTokenTable {
  digest: string;
  kind: string;
  user_id: string;
  email: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
