/**
 * Issue 12 point 1, SDK side: the app session cookie dies with the browser when the provider's session does.
 * The ID token's `session_persistent` claim (docs/protocol-extensions.md) says whether the user chose "keep me
 * signed in". `false`: the app cookie is a browser-session cookie (no Max-Age, no Expires). Absent: today's
 * lifetime (`session.absolute`). The provider here is a fake behind the SDK's `fetch` option, so the real login
 * code (openid-client's code exchange and ID token checks) runs end to end without a network.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT } from 'jose';
import { parseSetCookie } from 'cookie';
import { Adieu } from '../src/index.js';
import { appCookieLifetime } from '../src/login.js';

const ISSUER = 'https://id.example';
const { privateKey } = await generateKeyPair('RS256');

/** An Adieu whose provider answers the token request with an ID token carrying `extra` claims. */
function appWith(extra: Record<string, unknown>) {
  let nonce = '';
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const json = (v: unknown) =>
      new Response(JSON.stringify(v), { headers: { 'content-type': 'application/json' } });
    if (url.endsWith('/.well-known/openid-configuration')) {
      return json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
        end_session_endpoint: `${ISSUER}/end_session`,
      });
    }
    if (url === `${ISSUER}/token`) {
      expect(new URLSearchParams(String(init.body)).get('grant_type')).toBe('authorization_code');
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ nonce, sid: 'sid-1', name: 'Alice', ...extra })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(ISSUER)
        .setAudience('portal')
        .setSubject('alice')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      return json({ access_token: 'at', token_type: 'Bearer', expires_in: 600, id_token: idToken });
    }
    return new Response('{}', { status: 404 });
  };
  const adieu = new Adieu({
    issuer: ISSUER,
    clientId: 'portal',
    clientSecret: 'secret',
    baseUrl: 'https://portal.example',
    fetch,
    session: { absolute: 3600 },
  });
  return {
    adieu,
    /** Log in; returns the app session cookie as the browser would store it. */
    async login() {
      const start = await adieu.login();
      const authorize = new URL(start.headers.location!);
      nonce = authorize.searchParams.get('nonce')!;
      const tx = parseSetCookie(start.cookies[0]!);
      const done = await adieu.handle('callback', {
        search: `?code=c0de&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(ISSUER)}`,
        cookies: { [tx.name]: tx.value },
      });
      expect(done.status).toBe(302);
      const session = done.cookies.map((c) => parseSetCookie(c)).find((c) => c.name === '__Host-adieu_app');
      return { session: session!, raw: done.cookies.find((c) => c.startsWith('__Host-adieu_app='))! };
    },
  };
}

describe('the app session cookie follows the provider session (session_persistent)', () => {
  it('session_persistent: false gives a browser-session cookie (no Max-Age, no Expires)', async () => {
    const { adieu, login } = appWith({ session_persistent: false });
    const { session, raw } = await login();
    expect(session.value).toMatch(/^[\w-]{43}$/);
    expect(session.maxAge).toBeUndefined();
    expect(session.expires).toBeUndefined();
    expect(raw).not.toMatch(/max-age|expires/i);
    expect(session).toMatchObject({ httpOnly: true, secure: true, path: '/' });
    // The claim describes the provider session, not the user.
    const loaded = await adieu.loadSession(`__Host-adieu_app=${session.value}`);
    expect(loaded.session?.user).toEqual({ sub: 'alice', name: 'Alice' });
    await adieu.close();
  });

  it('session_persistent: true keeps the configured lifetime', async () => {
    const { adieu, login } = appWith({ session_persistent: true });
    expect((await login()).session.maxAge).toBe(3600);
    await adieu.close();
  });

  it('without the claim (another provider), nothing changes: the configured lifetime', async () => {
    const { adieu, login } = appWith({});
    expect((await login()).session.maxAge).toBe(3600);
    await adieu.close();
  });

  it('only a boolean false makes it a browser-session cookie', () => {
    expect(appCookieLifetime({ session_persistent: false }, 60)).toBeUndefined();
    expect(appCookieLifetime({ session_persistent: 'false' }, 60)).toBe(60);
    expect(appCookieLifetime({ session_persistent: 0 }, 60)).toBe(60);
    expect(appCookieLifetime({}, 60)).toBe(60);
  });
});
