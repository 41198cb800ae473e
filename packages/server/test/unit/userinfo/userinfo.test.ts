import { describe, expect, it } from 'vitest';
import { userinfo } from '../../../src/protocol/userinfo.js';
import type { TokenCheckDeps } from '../../../src/protocol/access-tokens.js';
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

/** Our own token checks over fixed claims: the signer accepts `good-<scope>` tokens. */
function deps(over: { denied?: boolean; user?: UserRow | undefined } = {}): TokenCheckDeps {
  return {
    issuer: 'https://op.example',
    now: () => T0,
    signer: {
      verifyOwn: async (token: string) => {
        if (!token.startsWith('good-')) throw new Error('bad signature');
        return {
          sub: ALICE.id,
          aud: 'https://op.example',
          client_id: 'app',
          scope: token.slice(5).replace(/_/g, ' '),
          jti: 'jti',
          exp: T0 / 1000 + 60,
          iat: T0 / 1000,
        };
      },
    },
    store: {
      sessions: { findBySid: async () => undefined },
      tokens: { isAccessTokenDenied: async () => over.denied ?? false, findRefresh: async () => undefined },
      users: { findById: async () => ('user' in over ? over.user : ALICE) },
    },
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

  it('needs the openid scope (§5.3.1 insufficient_scope)', async () => {
    await oauthError(() => userinfo(deps(), 'good-email'), 'insufficient_scope');
  });
});
