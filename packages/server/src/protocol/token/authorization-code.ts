/**
 * The authorization code grant (RFC 6749 §4.1.3) and its rules, with PKCE (RFC 7636 §4.6) and code replay
 * (RFC 6749 §4.1.2, RFC 9700 §4.5). Each rule is a function named for it; `authorizationCodeGrant` applies them
 * in the order the spec reads.
 */
import type { Client } from '../../domain/clients.js';
import type { SessionRow } from '../../domain/sessions.js';
import type { AuthCodeRow } from '../../store/repos/auth-codes.js';
import { digest, randomToken } from '../../util/crypto.js';
import { invalidGrant, invalidRequest } from '../errors.js';
import { readParams, splitScope } from '../params.js';
import { verifyPkce } from '../pkce.js';
import { rejectGrantNotAllowedForClient } from './grant-type.js';
import { issueTokens, type TokenResponse } from './issue.js';
import type { TokenDeps, TokenStore } from './ports.js';

/** RFC 6749 §4.1.3: the code must have been issued to the authenticated client. */
export function rejectUnknownCode(
  code: AuthCodeRow | undefined,
  client: Client,
): asserts code is AuthCodeRow {
  if (!code || code.client_id !== client.id) throw invalidGrant('the authorization code is invalid');
}

/**
 * RFC 6749 §4.1.2 / RFC 9700 §4.5: a code is used once; presented again, everything its first exchange
 * produced is revoked. `replayed` is true when the code was already consumed when read, or when consuming it
 * lost a race (then the message does not claim the loser's tokens ever existed).
 */
export async function rejectReplayedCode(
  replay: 'none' | 'consumed' | 'lost-race',
  codeDigest: string,
  tokens: Pick<TokenStore, 'revokeCodeGrant'>,
  now: number,
): Promise<void> {
  if (replay === 'none') return;
  await tokens.revokeCodeGrant(codeDigest, now);
  throw invalidGrant(
    replay === 'consumed'
      ? 'the authorization code was already used; tokens issued with it are revoked'
      : 'the authorization code was already used',
  );
}

/** RFC 6749 §4.1.2: codes are short-lived. */
export function rejectExpiredCode(code: AuthCodeRow, now: number): void {
  if (code.expires_at <= now) throw invalidGrant('the authorization code has expired');
}

/**
 * RFC 6749 §4.1.3: redirect_uri must be present and identical when it was in the authorization request (it
 * always is here: OIDC Core §3.1.2.1 requires it).
 */
export function requireSameRedirectUri(code: AuthCodeRow, redirectUri: string | undefined): void {
  if (redirectUri !== code.redirect_uri)
    throw invalidGrant('redirect_uri does not match the authorization request');
}

/**
 * RFC 7636 §4.6: with a code_challenge, the verifier must be sent and match; without one, a verifier is an error
 * (RFC 9700 §4.8.2: a PKCE downgrade attempt).
 */
export function verifyCodeVerifier(code: AuthCodeRow, verifier: string | undefined): void {
  if (code.code_challenge) {
    if (!verifier) throw invalidGrant('code_verifier is required (PKCE)');
    if (!verifyPkce(verifier, code.code_challenge)) throw invalidGrant('code_verifier does not match (PKCE)');
  } else if (verifier) {
    throw invalidGrant('code_verifier sent but the authorization request had no code_challenge');
  }
}

/** Adieu's promise: tokens are not issued into an SSO session that has ended since the code was issued. */
export function rejectEndedSession(session: SessionRow | undefined): asserts session is SessionRow {
  if (!session) throw invalidGrant('the sign-in session has ended');
}

/** RFC 6749 §4.1.3, top to bottom. */
export async function authorizationCodeGrant(
  deps: TokenDeps,
  client: Client,
  body: unknown,
): Promise<TokenResponse> {
  rejectGrantNotAllowedForClient(client, 'authorization_code');
  const params = readParams(body, ['code', 'redirect_uri', 'code_verifier'] as const);
  if (!params.code) throw invalidRequest('code is missing');
  const now = deps.now();
  const codeDigest = digest(params.code);
  // The code and its session in one read: the session is checked below, after the code's own rules.
  const found = await deps.tokens.findCodeWithSession(codeDigest);
  const code = found?.code;
  rejectUnknownCode(code, client);
  await rejectReplayedCode(code.consumed_at !== null ? 'consumed' : 'none', codeDigest, deps.tokens, now);
  rejectExpiredCode(code, now);
  requireSameRedirectUri(code, params.redirect_uri);
  verifyCodeVerifier(code, params.code_verifier);
  const session = await deps.sessions.keepIfLive(found?.session);
  rejectEndedSession(session);

  // Sign first, then write everything in one transaction: one commit per exchange, and a lost race leaves
  // nothing of the loser behind.
  const issued = await issueTokens(deps, client, {
    userId: code.user_id,
    session,
    scopes: splitScope(code.scope),
    authTime: code.auth_time,
    amr: code.amr,
    nonce: code.nonce,
    familyId: client.allowsGrant('refresh_token') ? `fam_${randomToken(12)}` : null,
    familyExpiresAt: now + deps.ttl.refresh_token * 1000,
  });
  const participant = deps.sessions.participantWriteDue(session.sid, client.id)
    ? { sid: session.sid, clientId: client.id }
    : undefined;
  const exchanged = await deps.tokens.exchangeCode(
    codeDigest,
    now,
    { family_id: issued.familyId, access_jti: issued.accessJti, access_expires_at: issued.accessExpiresAt },
    issued.refresh,
    participant,
  );
  // Two exchanges raced: the loser's tokens were never stored, and the winner's must not survive either
  // (a code used twice revokes what it issued, however close together the uses were).
  await rejectReplayedCode(exchanged ? 'none' : 'lost-race', codeDigest, deps.tokens, deps.now());
  if (participant) deps.sessions.participantWritten(participant.sid, client.id);
  return issued.response;
}
