import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { LoginThrottle } from '../src/domain/throttle.js';
import { startTestProvider, testDatabase, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover } from '../../../test/support/oidc.js';
import { hasPostgres } from '../../../test/support/env.js';

const policy = { accountMaxFailures: 5, accountLockSeconds: 30, ipMaxFailures: 50, ipWindowSeconds: 900 };

describe.each(['sqlite', 'postgres'] as const)('login throttle on %s', (engine) => {
  const enabled = engine === 'sqlite' || hasPostgres();
  let store: Store;
  let db: ReturnType<typeof testDatabase>;
  beforeAll(async () => {
    if (!enabled) return;
    db = testDatabase(engine);
    store = await Store.open(db.url);
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });

  it.runIf(enabled)(
    'counts parallel attempts: of 20 simultaneous guesses only 5 reach the password check',
    async () => {
      const throttle = new LoginThrottle(store, policy);
      const now = Date.now();
      const verdicts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => throttle.begin('Mallory', `10.0.0.${i}`, now)),
      );
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
      const locked = verdicts.find((v) => !v.allowed);
      expect(locked).toMatchObject({ allowed: false });
      // Refused guesses that arrived before the lock was written counted, doubling the lock each time up to the
      // one-hour cap; a guess that read the lock first was refused without being counted (as every attempt
      // while locked is), so how many of the 15 counted depends on timing: at least the one that locked.
      const failures = (await store.throttle.get('acct:mallory'))!.failures;
      expect(failures).toBeGreaterThanOrEqual(6);
      expect(failures).toBeLessThanOrEqual(20);
      const later = await throttle.begin('mallory', '10.1.1.1', now + 60_000);
      expect(later.allowed).toBe(false);
      const lockSeconds = Math.min(30 * 2 ** (failures - 6), 3600);
      expect(!later.allowed && later.retryAfterSeconds).toBeGreaterThanOrEqual(lockSeconds - 60);
      // The refused attempt while locked was not counted.
      expect((await store.throttle.get('acct:mallory'))!.failures).toBe(failures);
    },
  );

  it.runIf(enabled)('a success starts the account afresh and is not held against the IP', async () => {
    const throttle = new LoginThrottle(store, policy);
    const now = Date.now();
    for (let i = 0; i < 4; i++) expect((await throttle.begin('erin', '10.2.0.1', now)).allowed).toBe(true);
    await throttle.succeeded('erin', '10.2.0.1');
    for (let i = 0; i < 5; i++) expect((await throttle.begin('erin', '10.2.0.1', now)).allowed).toBe(true);
    expect((await store.throttle.get('ip:10.2.0.1'))!.failures).toBe(8);
  });

  it.runIf(enabled)(
    'an IP is stopped after ip_max_failures in its window, whatever the usernames',
    async () => {
      const throttle = new LoginThrottle(store, { ...policy, ipMaxFailures: 10 });
      const now = Date.now();
      const verdicts = [];
      for (let i = 0; i < 12; i++) verdicts.push(await throttle.begin(`user${i}`, '10.3.0.1', now));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
      expect(await throttle.begin('someone-else', '10.3.0.1', now + 899_000)).toMatchObject({
        allowed: false,
      });
      expect((await throttle.begin('someone-else', '10.3.0.1', now + 901_000)).allowed).toBe(true);
    },
  );
});

describe('login page throttling over HTTP', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider({
      clients: [
        { client_id: 'c', client_secret: 'c-secret-0123456789', redirect_uris: ['http://localhost:5006/cb'] },
      ],
      users: [{ username: 'alice', password: 'alice-password' }],
    });
  });
  afterAll(() => op?.close());

  it('answers 429 with Retry-After after five wrong passwords, even for the right one', async () => {
    const config = await discover({
      issuer: op.issuer,
      clientId: 'c',
      clientSecret: 'c-secret-0123456789',
      redirectUri: 'http://localhost:5006/cb',
    });
    const browser = new BrowserSession();
    let page = await browser.navigate(
      (await authorizationRequest(config, 'http://localhost:5006/cb')).url.toString(),
    );
    for (let i = 0; i < 5; i++) {
      page = await browser.submit(page, { username: 'alice', password: 'wrong' });
      expect(page.status).toBe(401);
    }
    page = await browser.submit(page, { username: 'alice', password: 'alice-password' });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(page.doc.querySelector('[role=alert]')?.text).toMatch(/Too many failed attempts/);
  });
});
