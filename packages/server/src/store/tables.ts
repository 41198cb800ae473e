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
}
