/**
 * Issue 19: "Sign out of all accounts" at end_session ends every account of the browser; each ended session's
 * front-channel participants get their iframe on the receipt (not only the first account's), and what each frame
 * did is recorded on that account's own logout, so the receipt tells the truth about every app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password' };
const apps = ['portal', 'bookings'] as const;
const cb = (n: string) => `http://localhost:5003/${n}/callback`;
const secret = (n: string) => `${n}-secret-0123456789`;

describe('"all accounts" sign-out: every ended session’s front-channel apps', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider({
      clients: apps.map((n) => ({
        client_id: n,
        client_secret: secret(n),
        redirect_uris: [cb(n)],
        frontchannel_logout_uri: `http://localhost:5003/${n}/frontchannel`,
        frontchannel_logout_session_required: true,
      })),
      users: [ALICE, BOB],
    });
  });
  afterAll(async () => op?.close());

  const rp = (n: string) =>
    discover({ issuer: op.issuer, clientId: n, clientSecret: secret(n), redirectUri: cb(n) });

  it('renders a frame per ended session’s front-channel participant, and records each on its own logout', async () => {
    const browser = new BrowserSession();
    const a = await signIn(await rp('portal'), browser, cb('portal'), ALICE, { prompt: 'login' });
    const b = await signIn(await rp('bookings'), browser, cb('bookings'), BOB, { prompt: 'login' });
    const aliceSid = a.tokens.claims()!.sid as string;
    const bobSid = b.tokens.claims()!.sid as string;
    const chooser = await browser.navigate(`${op.issuer}/end_session`);
    const receipt = await browser.submit(chooser, { account: 'all', confirm: 'yes' });
    expect(receipt.status).toBe(200);
    const frames = receipt.doc.querySelectorAll('.frames iframe').map((f) => ({
      client: f.getAttribute('data-client'),
      sid: new URL(f.getAttribute('src')!).searchParams.get('sid'),
      results: f.getAttribute('data-results'),
    }));
    expect(frames.map((f) => `${f.client} ${f.sid}`).sort()).toEqual(
      [`bookings ${bobSid}`, `portal ${aliceSid}`].sort(),
    );
    // What the page saw of each frame goes to that frame's own logout.
    for (const f of frames) {
      const res = await fetch(new URL(f.results!, receipt.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ results: [{ client_id: f.client, status: 'acknowledged' }] }),
      });
      expect(res.status).toBe(204);
    }
    const sections = receipt.doc.querySelectorAll('section[data-logout]');
    expect(sections).toHaveLength(2);
    for (const s of sections) {
      const report = await op.provider.logout.report(s.getAttribute('data-logout')!);
      expect(report!.participants.map((p) => [p.client_id, p.channels.frontchannel?.status])).toEqual([
        [expect.any(String), 'acknowledged'],
      ]);
    }
  });
});
