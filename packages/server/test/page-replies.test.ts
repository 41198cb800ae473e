/**
 * Every provider page is answered once. A helper that sent a page and returned the reply, awaited by the route,
 * resolved to nothing (a Fastify reply is thenable), so the route went on and tried to send the login page as well
 * (FST_ERR_REP_ALREADY_SENT, and whatever the rest of the route did, such as starting an upstream trip).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, signIn } from '../../../test/support/oidc.js';

const CB = 'http://localhost:5004/portal/callback';
const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };

describe('a provider page is sent once', () => {
  let op: TestProvider;
  const logged: { level: number; msg?: string; err?: { code?: string } }[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line));
        done();
      },
    });
    op = await startTestProvider(
      {
        clients: [{ client_id: 'portal', client_secret: 'portal-secret-0123456789', redirect_uris: [CB] }],
        users: [ALICE, BOB],
      },
      { logger: pino({ level: 'warn' }, sink) as unknown as FastifyBaseLogger },
    );
  });
  afterAll(() => op?.close());

  const rp = () =>
    discover({
      issuer: op.issuer,
      clientId: 'portal',
      clientSecret: 'portal-secret-0123456789',
      redirectUri: CB,
    });
  const sentTwice = () =>
    logged.filter((l) => l.err?.code === 'FST_ERR_REP_ALREADY_SENT' || /already sent/i.test(l.msg ?? ''));

  it('the account picker, a wrong choice on it, and the "Continuing as" page', async () => {
    const browser = new BrowserSession();
    await signIn(await rp(), browser, CB, ALICE);
    await signIn(await rp(), browser, CB, BOB, { prompt: 'login' });

    const picking = await authorizationRequest(await rp(), CB, { prompt: 'select_account' });
    const picker = await browser.navigate(picking.url.toString());
    expect(picker.doc.querySelectorAll('button[name=account]')).toHaveLength(2);
    const wrong = await browser.submit(picker, { account: 'nobody-here' });
    expect(wrong.status).toBe(400);

    // The app comes back to a session it took part in: the page names the account first.
    const again = await authorizationRequest(await rp(), CB, { login_hint: 'bob' });
    const named = await browser.navigate(again.url.toString());
    expect(named.body).toMatch(/Continuing as/);

    await new Promise((r) => setTimeout(r, 200));
    expect(sentTwice()).toEqual([]);
  });
});
