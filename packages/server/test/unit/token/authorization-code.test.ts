import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  rejectEndedSession,
  rejectExpiredCode,
  rejectReplayedCode,
  rejectUnknownCode,
  requireSameRedirectUri,
  verifyCodeVerifier,
} from '../../../src/protocol/token/authorization-code.js';
import type { SessionRow } from '../../../src/domain/sessions.js';
import { T0, authCode, client, oauthError } from '../support.js';

const VERIFIER = 'v'.repeat(43);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

describe('authorization code rules (RFC 6749 §4.1.3, RFC 7636, RFC 9700 §4.5)', () => {
  it('a code issued to another client is unknown', async () => {
    await oauthError(() => rejectUnknownCode(undefined, client()), 'invalid_grant', /invalid/);
    await oauthError(() => rejectUnknownCode(authCode({ client_id: 'other' }), client()), 'invalid_grant');
    expect(() => rejectUnknownCode(authCode(), client())).not.toThrow();
  });

  it('a code presented again revokes what its first exchange produced', async () => {
    const revoked: unknown[] = [];
    const tokens = { revokeCodeGrant: async (...args: unknown[]) => void revoked.push(args) };
    await oauthError(
      () => rejectReplayedCode('consumed', 'code', tokens, T0),
      'invalid_grant',
      /already used; tokens issued with it are revoked/,
    );
    await oauthError(
      () => rejectReplayedCode('lost-race', 'code', tokens, T0),
      'invalid_grant',
      /already used$/,
    );
    expect(revoked).toEqual([
      ['code', T0],
      ['code', T0],
    ]);
    await rejectReplayedCode('none', 'code', tokens, T0);
    expect(revoked).toHaveLength(2);
  });

  it('an expired code grants nothing', async () => {
    await oauthError(() => rejectExpiredCode(authCode({ expires_at: T0 }), T0), 'invalid_grant', /expired/);
    expect(() => rejectExpiredCode(authCode({ expires_at: T0 + 1 }), T0)).not.toThrow();
  });

  it('redirect_uri must be identical to the authorization request’s', async () => {
    await oauthError(() => requireSameRedirectUri(authCode(), undefined), 'invalid_grant', /redirect_uri/);
    await oauthError(() => requireSameRedirectUri(authCode(), 'https://app.example/cb/'), 'invalid_grant');
    expect(() => requireSameRedirectUri(authCode(), 'https://app.example/cb')).not.toThrow();
  });

  it('PKCE: a challenged code needs its verifier; an unchallenged code refuses one (downgrade)', async () => {
    const challenged = authCode({ code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    await oauthError(() => verifyCodeVerifier(challenged, undefined), 'invalid_grant', /required/);
    await oauthError(() => verifyCodeVerifier(challenged, 'w'.repeat(43)), 'invalid_grant', /does not match/);
    expect(() => verifyCodeVerifier(challenged, VERIFIER)).not.toThrow();
    await oauthError(() => verifyCodeVerifier(authCode(), VERIFIER), 'invalid_grant', /no code_challenge/);
    expect(() => verifyCodeVerifier(authCode(), undefined)).not.toThrow();
  });

  it('no tokens into an SSO session that has ended', async () => {
    await oauthError(() => rejectEndedSession(undefined), 'invalid_grant', /session has ended/);
    expect(() => rejectEndedSession({ sid: 'sid_1' } as SessionRow)).not.toThrow();
  });
});
