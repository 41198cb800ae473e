/**
 * Issue 11 point 9: a bounded number of concurrent `/session/events` streams per user and per client address;
 * one more gets a clear 429, and a closed stream frees its place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';
import { openSse } from '../../../test/support/sse.js';

const CB = 'http://localhost:5014/cb';
const USERS = ['alice', 'bob', 'carol'].map((u) => ({ username: u, password: `${u}-password` }));

describe('session event streams', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider({
      logout: { event_streams_per_user: 2, event_streams_per_ip: 3 },
      clients: [{ client_id: 'app', client_secret: 'app-secret-0123456789', redirect_uris: [CB] }],
      users: USERS,
    });
  });
  afterAll(() => op?.close());

  const tokenOf = async (user: (typeof USERS)[number]) => {
    const rp = await discover({
      issuer: op.issuer,
      clientId: 'app',
      clientSecret: 'app-secret-0123456789',
      redirectUri: CB,
    });
    return (await signIn(rp, new BrowserSession(), CB, user)).tokens.access_token;
  };
  const url = () => `${op.issuer}/session/events`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses a user’s stream past the per-user limit with 429, and admits one again after a close', async () => {
    const alice = await tokenOf(USERS[0]!);
    const first = await openSse(url(), bearer(alice));
    const second = await openSse(url(), bearer(alice));
    const third = await fetch(url(), { headers: { accept: 'text/event-stream', ...bearer(alice) } });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('30');
    expect(await third.json()).toEqual({
      error: 'too_many_streams',
      error_description:
        'at most 2 session event streams may be open at once for one user; close one and try again',
    });
    await first.close();
    // The server notices the closed connection asynchronously.
    let again: Response | undefined;
    for (let i = 0; i < 50; i++) {
      again = await fetch(url(), { headers: { accept: 'text/event-stream', ...bearer(alice) } });
      if (again.status === 200) break;
      await again.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(again!.status).toBe(200);
    await again!.body?.cancel();
    await second.close();
  });

  it('refuses streams past the per-address limit, whoever the user', async () => {
    const [bob, carol] = [await tokenOf(USERS[1]!), await tokenOf(USERS[2]!)];
    // Give the streams of the test above time to be noticed as closed.
    await new Promise((r) => setTimeout(r, 300));
    const open = [
      await openSse(url(), bearer(bob)),
      await openSse(url(), bearer(bob)),
      await openSse(url(), bearer(carol)),
    ];
    const refused = await fetch(url(), { headers: { accept: 'text/event-stream', ...bearer(carol) } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error_description: string }).error_description).toMatch(
      /at most 3 session event streams may be open at once from one address/,
    );
    for (const s of open) await s.close();
  });
});
