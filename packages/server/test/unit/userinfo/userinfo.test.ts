import { describe, expect, it } from 'vitest';
import { userinfo } from '../../../src/protocol/userinfo.js';
import type { TokenCheckDeps } from '../../../src/protocol/access-tokens.js';
import type { SessionRow } from '../../../src/store/repos/sessions.js';
import type { UserRow } from '../../../src/store/repos/users.js';
import { T0, oauthError } from '../support.js';

const ALICE = {
  id: 'usr_alice',
  username: 'alice',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice',
  disabled: false,
} as UserRow;

type Standing = { session: SessionRow; denied: boolean } | undefined;

/**
 * Our own token checks over fixed claims: the signer accepts `good-<scope>` tokens, and `sid-<scope>` ones that
 * name the session `s1`, which `standing` describes (live and not denied unless told).
 */
function deps(
  over: { denied?: boolean; user?: UserRow | undefined; standing?: Standing } = {},
): TokenCheckDeps {
  const live = { sid: 's1', ended_at: null, idle_expires_at: T0 + 60_000, absolute_expires_at: T0 + 60_000 };
  return {
    issuer: 'https://op.example',
    now: () => T0,
    signer: {
      verifyAccessToken: async (token: string) => {
        const [kind, scope] = token.split('-');
        if (kind !== 'good' && kind !== 'sid') throw new Error('bad signature');
        return {
          iss: 'https://op.example',
          sub: ALICE.id,
          aud: 'https://op.example',
          client_id: 'app',
          scope: scope!.replace(/_/g, ' '),
          jti: 'jti',
          exp: T0 / 1000 + 60,
          iat: T0 / 1000,
          ...(kind === 'sid' ? { sid: 's1' } : {}),
        };
      },
    },
    store: {
      sessions: {
        findBySid: async () => undefined,
        findForAccessToken: async () =>
          'standing' in over ? over.standing : { session: live as SessionRow, denied: false },
      },
      tokens: { isAccessTokenDenied: async () => over.denied ?? false, findRefresh: async () => undefined },
    },
    users: { findCached: async () => ('user' in over ? over.user : ALICE) },
  };
}

describe('UserInfo (OIDC Core §5.3)', () => {
  it('answers the claims of the token’s scopes', async () => {
    expect(await userinfo(deps(), 'good-openid_email')).toMatchObject({
      sub: 'usr_alice',
      email: 'alice@example.com',
    });
    expect(await userinfo(deps(), 'good-openid')).not.toHaveProperty('email');
  });

  it('needs a valid access token (RFC 6750 §3.1 invalid_token)', async () => {
    await oauthError(() => userinfo(deps(), undefined), 'invalid_token', /required/);
    await oauthError(() => userinfo(deps(), 'forged'), 'invalid_token');
    await oauthError(() => userinfo(deps({ denied: true }), 'good-openid'), 'invalid_token', /revoked/);
    await oauthError(() => userinfo(deps({ user: undefined }), 'good-openid'), 'invalid_token', /no longer/);
  });

  it('needs the token’s session to be live and the token not denied, read in one lookup', async () => {
    expect(await userinfo(deps(), 'sid-openid')).toMatchObject({ sub: 'usr_alice' });
    await oauthError(() => userinfo(deps({ standing: undefined }), 'sid-openid'), 'invalid_token', /ended/);
    const ended = {
      sid: 's1',
      ended_at: T0 - 1,
      idle_expires_at: T0 + 60_000,
      absolute_expires_at: T0 + 60_000,
    };
    await oauthError(
      () => userinfo(deps({ standing: { session: ended as SessionRow, denied: false } }), 'sid-openid'),
      'invalid_token',
      /ended/,
    );
    const live = { ...ended, ended_at: null };
    await oauthError(
      () => userinfo(deps({ standing: { session: live as SessionRow, denied: true } }), 'sid-openid'),
      'invalid_token',
      /revoked/,
    );
    // A token without a session asks the deny list alone.
    await oauthError(
      () => userinfo(deps({ denied: true, standing: undefined }), 'good-openid'),
      'invalid_token',
      /revoked/,
    );
  });

  it('needs the openid scope (§5.3.1 insufficient_scope)', async () => {
    await oauthError(() => userinfo(deps(), 'good-email'), 'insufficient_scope');
  });
});
