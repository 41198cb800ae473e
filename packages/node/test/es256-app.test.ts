/**
 * An app registered for ES256 ID tokens, on a provider that offers ES256 beside RS256: @adieu/node signs it in and
 * takes its back-channel logout tokens (signed as its ID tokens are) without a setting, because the SDK checks a
 * logout token's alg as openid-client checks the ID token's: against the provider's discovery. An app that lists
 * its own `logoutToken.algorithms` is held to them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { freePorts, startTestProvider, type TestProvider } from '../../server/src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { startApp, type TestApp } from './support/apps.js';
import { appSignIn, whoAmI } from './support/flows.js';
import { startTap, type Tap } from './support/tap.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const SECRET = 'es-app-secret-0123456789abcdef';

describe('@adieu/node with an ES256 app', () => {
  let op: TestProvider;
  let app: TestApp;
  let strict: TestApp;
  let appTap: Tap;
  let strictTap: Tap;

  beforeAll(async () => {
    const [appPort, strictPort, appTapPort, strictTapPort] = await freePorts(4);
    const appUrl = `http://localhost:${appPort}`;
    const strictUrl = `http://localhost:${strictPort}`;
    appTap = await startTap(appTapPort, () => `${appUrl}/backchannel-logout`);
    strictTap = await startTap(strictTapPort, () => `${strictUrl}/backchannel-logout`);
    const client = (id: string, url: string, tap: Tap) => ({
      client_id: id,
      client_secret: SECRET,
      redirect_uris: [`${url}/callback`],
      post_logout_redirect_uris: [`${url}/logout/callback`],
      backchannel_logout_uri: tap.url,
      id_token_signed_response_alg: 'ES256' as const,
    });
    op = await startTestProvider({
      keys: { algorithms: ['RS256', 'ES256'] },
      clients: [client('es-app', appUrl, appTap), client('es-strict', strictUrl, strictTap)],
      users: [{ ...ALICE, name: 'Alice' }],
    });
    const common = { issuer: op.issuer, allowInsecureRequests: true, clientSecret: SECRET };
    app = await startApp('express', { port: appPort, options: { ...common, clientId: 'es-app' } });
    strict = await startApp('express', {
      port: strictPort,
      options: {
        ...common,
        clientId: 'es-strict',
        logoutToken: { algorithms: ['RS256'] },
        // Browsers ignore ports: two apps on localhost need different cookie names.
        cookie: { name: 'strict_app' },
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await strict?.close();
    await op?.close();
    await appTap?.close();
    await strictTap?.close();
  });

  it('signs in with ES256 ID tokens and ends the session on an ES256 logout token, with no setting', async () => {
    const browser = new BrowserSession();
    const me = await appSignIn(browser, app.url, op.issuer, ALICE);
    expect(me.authenticated).toBe(true);
    expect(decodeProtectedHeader(me.idToken!).alg).toBe('ES256');
    const other = await appSignIn(browser, strict.url, op.issuer);
    expect(other.sid).toBe(me.sid);

    // Alice signs out at the provider; both apps are told, each in ES256.
    const confirm = await browser.navigate(`${op.issuer}/end_session`);
    expect((await browser.submit(confirm, { confirm: 'yes' })).status).toBe(200);
    const [delivered] = await appTap.waitFor(1);
    expect(decodeProtectedHeader(delivered!.token)).toMatchObject({ alg: 'ES256', typ: 'logout+jwt' });
    expect(delivered!.status).toBe(200);
    expect((await whoAmI(browser, app.url)).authenticated).toBe(false);
    expect(app.ended.at(-1)).toMatchObject({ reason: 'backchannel' });

    // The app that said RS256 only refuses it, naming the check, and keeps its session: its own list rules.
    const [refused] = await strictTap.waitFor(1);
    expect(decodeProtectedHeader(refused!.token).alg).toBe('ES256');
    expect(refused!.status).toBe(400);
    expect(JSON.parse(refused!.body)).toMatchObject({ code: 'alg_not_allowed', check: 'alg' });
    expect((await whoAmI(browser, strict.url)).authenticated).toBe(true);
  });
});
