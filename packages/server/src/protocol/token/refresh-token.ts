/**
 * The refresh token grant (RFC 6749 §6) and its rules, with rotation and reuse detection (RFC 9700 §4.14.2).
 * Each rule is a function named for it; `refreshTokenGrant` applies them in the order the spec reads.
 */
import type { Client } from '../../domain/clients.js';
import type { SessionRow } from '../../domain/sessions.js';
import type { RefreshTokenRow, RotationOutcome } from '../../store/repos/refresh-tokens.js';
import type { UserRow } from '../../store/repos/users.js';
import { digest } from '../../util/crypto.js';
import { invalidGrant, invalidRequest, invalidScope } from '../errors.js';
import { readParams, splitScope } from '../params.js';
import { rejectGrantNotAllowedForClient } from './grant-type.js';
import { issueTokens, type TokenResponse } from './issue.js';
import type { TokenDeps, TokenStore } from './ports.js';

/** RFC 6749 §6 / §10.4: a refresh token is bound to the client it was issued to; anything else is unknown. */
export function rejectUnknownRefreshToken(
  token: RefreshTokenRow | undefined,
  client: Client,
): asserts token is RefreshTokenRow {
  if (!token || token.client_id !== client.id) throw invalidGrant('the refresh token is invalid');
}

/** RFC 7009 §2.1: a revoked refresh token (logout, revocation, password change) grants nothing. */
export function rejectRevokedRefreshToken(token: RefreshTokenRow): void {
  if (token.revoked_at !== null) throw invalidGrant('the refresh token has been revoked');
}

/**
 * RFC 9700 §4.14.2: a rotated refresh token presented again means that someone holds a copy, and the server
 * cannot tell the client from the attacker: the whole family (every token rotated from the same grant, and
 * the access tokens they produced) is revoked, and the grant refused. `reused` is true when the token was
 * already used when read, or when rotating it lost to another use or to a revocation.
 */
export async function rejectReusedRefreshToken(
  reused: boolean,
  familyId: string,
  tokens: Pick<TokenStore, 'revokeRefresh'>,
  now: number,
): Promise<void> {
  if (!reused) return;
  await tokens.revokeRefresh({ family_id: familyId }, now, 'refresh_reuse');
  throw invalidGrant('the refresh token was already used; its whole family is now revoked');
}

/** Whether a rotation outcome means the presented token was reused (see rejectReusedRefreshToken). */
export const rotationWasReuse = (outcome: RotationOutcome): boolean => outcome !== 'rotated';

/** RFC 6749 §6: an expired refresh token grants nothing. */
export function rejectExpiredRefreshToken(token: RefreshTokenRow, now: number): void {
  if (token.expires_at <= now) throw invalidGrant('the refresh token has expired');
}

/**
 * OIDC Core §12 / Adieu's promise: a refresh token lives no longer than its SSO session, unless it is an
 * offline_access token (OIDC Core §11), which outlives sign-out by design.
 */
export function rejectEndedSession(token: RefreshTokenRow, session: SessionRow | undefined): void {
  if (!token.offline && !session) throw invalidGrant('the sign-in session has ended');
}

/** A disabled or deleted user's tokens grant nothing. */
export function rejectInactiveUser(user: UserRow | undefined): asserts user is UserRow {
  if (!user || user.disabled) throw invalidGrant('the user is no longer active');
}

/**
 * RFC 6749 §6: the requested scope must not include any scope not originally granted; omitted, it is the
 * original grant. Returns the scopes of the new access token.
 */
export function narrowScope(granted: readonly string[], requested: string | undefined): string[] {
  if (requested === undefined) return [...granted];
  const scopes = splitScope(requested);
  if (scopes.some((s) => !granted.includes(s)))
    throw invalidScope('scope exceeds what was originally granted');
  return scopes;
}

/** RFC 6749 §6, top to bottom. */
export async function refreshTokenGrant(
  deps: TokenDeps,
  client: Client,
  body: unknown,
): Promise<TokenResponse> {
  rejectGrantNotAllowedForClient(client, 'refresh_token');
  const params = readParams(body, ['refresh_token', 'scope'] as const);
  if (!params.refresh_token) throw invalidRequest('refresh_token is missing');
  const now = deps.now();
  const tokenDigest = digest(params.refresh_token);
  // The token and its session in one read: the session is checked below, after the token's own rules.
  const found = await deps.tokens.findRefreshWithSession(tokenDigest);
  const rt = found?.token;
  rejectUnknownRefreshToken(rt, client);
  rejectRevokedRefreshToken(rt);
  await rejectReusedRefreshToken(rt.used_at !== null, rt.family_id, deps.tokens, now);
  rejectExpiredRefreshToken(rt, now);
  const session = rt.sid ? await deps.sessions.keepIfLive(found?.session) : undefined;
  rejectEndedSession(rt, session);
  const user = await deps.findUser(rt.user_id);
  rejectInactiveUser(user);
  const granted = splitScope(rt.scope);
  const scopes = narrowScope(granted, params.scope);

  const issued = await issueTokens(deps, client, {
    userId: rt.user_id,
    session,
    scopes,
    grantedScopes: granted,
    authTime: rt.auth_time,
    amr: rt.amr,
    nonce: null,
    familyId: rt.family_id,
    familyExpiresAt: rt.expires_at,
    offline: rt.offline,
    user,
  });
  const participant =
    session && deps.sessions.participantWriteDue(session.sid, client.id)
      ? { sid: session.sid, clientId: client.id }
      : undefined;
  const outcome = await deps.tokens.rotateRefresh(tokenDigest, issued.refresh, participant, now);
  if (outcome === 'rotated' && participant) deps.sessions.participantWritten(participant.sid, client.id);
  await rejectReusedRefreshToken(rotationWasReuse(outcome), rt.family_id, deps.tokens, deps.now());
  if (session) await deps.sessions.touch(session);
  return issued.response;
}
