/**
 * Issue 11 point 9 (this side): unauthenticated GET /authorize and GET /account store a bounded number of
 * sign-in pages per client address (and a browser reloading /account reuses its pending one), and the token endpoint answers unknown clients and wrong methods alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';

const CB = 'http://localhost:5013/cb';

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({
    login: { ip_max_sign_in_pages: 3 },
    clients: [
      { client_id: 'app', client_secret: 'app-secret-0123456789', redirect_uris: [CB] },
      { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: [CB] },
    ],
  });
});
afterAll(() => op?.close());

const interactionRows = async () =>
  Number(
    (await sql<{ n: number }>`select count(*) as n from interactions`.execute(op.provider.store.db)).rows[0]!
      .n,
  );

describe('sign-in pages per client address', () => {
  it('are bounded: over the budget nothing is stored and the app hears temporarily_unavailable', async () => {
    const url = new URL(`${op.issuer}/authorize`);
    url.search = new URLSearchParams({
      client_id: 'app',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: CB,
      state: 's1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const before = await interactionRows();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
      statuses.push(last.status);
    }
    expect(await interactionRows()).toBe(before + 3);
    expect(statuses.slice(3).every((s) => s === 303 || s === 302)).toBe(true);
    const location = new URL(last!.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(CB);
    expect(location.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(location.searchParams.get('state')).toBe('s1');
  });
});

describe('the account page signed out', () => {
  // Its own provider: the test above spent the budget of this address.
  let own: TestProvider;
  beforeAll(async () => {
    own = await startTestProvider({ login: { ip_max_sign_in_pages: 3 } });
  });
  afterAll(() => own?.close());
  const rows = async () =>
    Number(
      (await sql<{ n: number }>`select count(*) as n from interactions`.execute(own.provider.store.db))
        .rows[0]!.n,
    );

  it('stores no sign-in page per reload: a browser keeps its pending one; cookie-less requests share the budget', async () => {
    // A person reloading /account while signed out: one stored sign-in page, whatever the number of reloads.
    const before = await rows();
    let cookie = '';
    const targets = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${own.issuer}/account`, {
        redirect: 'manual',
        headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) },
      });
      expect(res.status).toBe(303);
      targets.add(res.headers.get('location')!);
      const set = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
      if (set.length) cookie = set.join('; ');
    }
    expect(targets.size).toBe(1);
    expect(await rows()).toBe(before + 1);

    // A script without cookies: bounded like /authorize (ip_max_sign_in_pages), then a readable 429.
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await fetch(`${own.issuer}/account`, { redirect: 'manual', headers: { accept: 'text/html' } });
      statuses.push(last.status);
    }
    expect(await rows()).toBe(before + 3);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.headers.get('content-type')).toMatch(/text\/html/);
    expect(await last!.text()).toMatch(/try again in \d+ seconds/);
    // The password page's signed-out visits take from the same budget.
    const password = await fetch(`${own.issuer}/account/password`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(password.status).toBe(429);
    expect(await rows()).toBe(before + 3);
  });
});

describe('token endpoint client authentication', () => {
  const token = (headers: Record<string, string>, body: Record<string, string>) =>
    fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...body }),
    });
  const basic = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
  });

  it('answers an unknown client, a wrong method and a wrong secret the same way', async () => {
    const answers = await Promise.all([
      token(basic('nobody', 'whatever-secret'), {}),
      token(basic('spa', 'whatever-secret'), {}), // a public client presented with a secret
      token(basic('app', 'wrong-secret'), {}),
    ]);
    const post = await Promise.all([
      token({}, { client_id: 'nobody', client_secret: 'whatever-secret' }),
      token({}, { client_id: 'app', client_secret: 'wrong-secret' }),
      token({}, { client_id: 'spa', client_secret: 'whatever-secret' }),
      token({}, { client_id: 'app' }), // a confidential client without its secret
      token({}, { client_id: 'nobody' }),
    ]);
    const shape = async (r: Response) => ({
      status: r.status,
      body: await r.json(),
      challenge: r.headers.get('www-authenticate'),
    });
    const basicShapes = await Promise.all(answers.map(shape));
    const postShapes = await Promise.all(post.map(shape));
    for (const s of basicShapes) expect(s).toEqual(basicShapes[0]);
    for (const s of postShapes) expect(s).toEqual(postShapes[0]);
    expect(basicShapes[0]).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(postShapes[0]!.body).toEqual(basicShapes[0]!.body);
  });
});
