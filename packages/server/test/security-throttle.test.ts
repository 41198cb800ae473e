/**
 * Issue 11 points 3 and 4: every password check shares one per-account and per-IP limiter, and a lockout is a
 * delay, never a denial (it expires, failures age out, an admin can lift it through the API or the CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHEAP_PASSWORD_HASHES,
  startTestProvider,
  testDatabase,
  type TestProvider,
} from '../src/testing/index.js';
import { Store } from '../src/store/store.js';
import { LoginThrottle } from '../src/domain/throttle.js';
import { hasPostgres } from '../../../test/support/env.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, signIn } from '../../../test/support/oidc.js';

const CB = 'http://localhost:5011/cb';
const ADMIN = 'admin-bearer-secret-0123456789';
const users = ['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => ({
  username: u,
  password: `${u}-password`,
}));
const clients = [
  {
    client_id: 'app',
    client_secret: 'app-secret-0123456789',
    redirect_uris: [CB],
    scope: 'openid profile account',
  },
];
const BIN = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'adieu-throttle-'));

let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider({
    admin: { bearer_secret: ADMIN },
    login: { account_lock_seconds: 1 },
    clients,
    users,
  });
});
afterAll(async () => {
  await op?.close();
  rmSync(dir, { recursive: true, force: true });
});

const rp = () =>
  discover({ issuer: op.issuer, clientId: 'app', clientSecret: 'app-secret-0123456789', redirectUri: CB });

async function loginPage(): Promise<{ browser: BrowserSession; page: Page }> {
  const browser = new BrowserSession();
  const req = await authorizationRequest(await rp(), CB);
  return { browser, page: await browser.navigate(req.url.toString()) };
}

/** Submit the login form; returns the status (302-to-app counts as 200) and the page to submit next. */
async function tryPassword(
  state: { browser: BrowserSession; page: Page },
  username: string,
  password: string,
) {
  const next = await state.browser.submit(state.page, { username, password });
  if (next.redirectTo) return { status: 200, state: await loginPage(), page: next };
  return { status: next.status, state: { browser: state.browser, page: next }, page: next };
}

async function wrongTimes(username: string, n: number) {
  let state = await loginPage();
  for (let i = 0; i < n; i++) {
    const r = await tryPassword(state, username, 'wrong-password');
    expect(r.status).toBe(401);
    state = r.state;
  }
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lockout is a delay, never a denial', () => {
  it('after the lock expires, the right password signs in', async () => {
    let state = await wrongTimes('alice', 5);
    const locked = await tryPassword(state, 'alice', 'alice-password');
    expect(locked.status).toBe(429);
    expect(Number(locked.page.headers.get('retry-after'))).toBeGreaterThan(0);
    state = locked.state;
    await sleep(1100);
    const after = await tryPassword(state, 'alice', 'alice-password');
    expect(after.status).toBe(200);
    expect(new URL(after.page.redirectTo!).searchParams.get('code')).toBeTruthy();
  });

  it('failures age out after a quiet period', async () => {
    const quiet = await startTestProvider({ login: { account_quiet_seconds: 2 }, clients, users });
    try {
      const page = async () => {
        const browser = new BrowserSession();
        const config = await discover({
          issuer: quiet.issuer,
          clientId: 'app',
          clientSecret: 'app-secret-0123456789',
          redirectUri: CB,
        });
        return browser.submit(
          await browser.navigate((await authorizationRequest(config, CB)).url.toString()),
          {
            username: 'bob',
            password: 'wrong-password',
          },
        );
      };
      for (let i = 0; i < 4; i++) expect((await page()).status).toBe(401);
      await sleep(2200); // login.account_quiet_seconds = 2
      // Without the quiet period these would be failures 5 to 8 in a row: the sixth attempt would be refused.
      for (let i = 0; i < 4; i++) expect((await page()).status).toBe(401);
      expect((await quiet.provider.store.throttle.get('acct:bob'))!.failures).toBeLessThanOrEqual(4);
    } finally {
      await quiet.close();
    }
  });

  it('an admin can unlock through the API', async () => {
    const unlock = (user: string, auth = ADMIN) =>
      fetch(`${op.issuer}/api/v1/users/${user}/unlock`, {
        method: 'POST',
        headers: { authorization: `Bearer ${auth}` },
      });
    const state = await wrongTimes('carol', 5);
    // This provider's locks last a second; make this one last an hour, so only the unlock can lift it.
    await op.provider.store.throttle.lock('acct:carol', Date.now() + 3_600_000);
    expect((await tryPassword(state, 'carol', 'carol-password')).status).toBe(429);
    expect((await unlock('carol', 'not-the-admin-secret')).status).toBe(401);
    expect((await unlock('carol')).status).toBe(204);
    expect((await tryPassword(state, 'carol', 'carol-password')).status).toBe(200);
    const doc = (await (await fetch(`${op.issuer}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/users/{user}/unlock']).toBeTruthy();
  });

  it('an admin can unlock with the CLI: adieu user unlock', async () => {
    const state = await wrongTimes('dave', 5);
    await op.provider.store.throttle.lock('acct:dave', Date.now() + 3_600_000);
    expect((await tryPassword(state, 'dave', 'dave-password')).status).toBe(429);
    const file = join(dir, 'adieu.json');
    writeFileSync(
      file,
      JSON.stringify({
        issuer: op.issuer,
        database: op.database,
        login: CHEAP_PASSWORD_HASHES,
        clients,
        users,
      }),
    );
    const out = execFileSync(
      process.execPath,
      [BIN, 'user', 'unlock', '--config', file, '--username', 'dave'],
      {
        encoding: 'utf8',
        env: { ...process.env, ADIEU_LOG_LEVEL: 'error' },
      },
    );
    expect(out).toMatch(/unlocked dave/);
    expect((await tryPassword(state, 'dave', 'dave-password')).status).toBe(200);
  });
});

describe('every password check shares one limiter', () => {
  it('me/changePassword is throttled, and shares its count with the login form', async () => {
    const { tokens } = await signIn(await rp(), new BrowserSession(), CB, users[0], {
      scope: 'openid account',
    });
    const change = (current: string) =>
      fetch(`${op.issuer}/api/v1/me/changePassword`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ current_password: current, new_password: 'a-brand-new-password' }),
      });
    for (let i = 0; i < 3; i++) expect((await change('guess-' + i)).status).toBe(400);
    // Two more failures at the login form make five for alice, wherever they were made.
    await wrongTimes('alice', 2);
    const blocked = await change('alice-password');
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toMatchObject({ error: 'too_many_attempts' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const state = await loginPage();
    expect((await tryPassword(state, 'alice', 'alice-password')).status).toBe(429);
    // The password did not change.
    expect(await op.provider.users.authenticate('alice', 'alice-password')).toBeTruthy();
  });
});

describe.each(['sqlite', 'postgres'] as const)('the limiter’s rules on %s', (engine) => {
  const enabled = engine === 'sqlite' || hasPostgres();
  const policy = {
    accountMaxFailures: 5,
    accountLockSeconds: 30,
    accountQuietSeconds: 600,
    ipMaxFailures: 1000,
    ipWindowSeconds: 900,
  };
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

  it.runIf(enabled)('an expired lock grants exactly one checked attempt; a success clears it', async () => {
    const t = new LoginThrottle(store, policy);
    const now = 1_000_000_000;
    for (let i = 0; i < 5; i++) expect((await t.begin('frank', '10.9.0.1', now)).allowed).toBe(true);
    expect(await t.begin('frank', '10.9.0.1', now)).toMatchObject({ allowed: false, retryAfterSeconds: 30 });
    const after = now + 31_000;
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => t.begin('frank', '10.9.0.1', after)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(1);
    await t.succeeded('frank', '10.9.0.1');
    expect((await t.begin('frank', '10.9.0.1', after)).allowed).toBe(true);
  });

  it.runIf(enabled)(
    'failures are forgotten after the quiet period, counted from the end of the lock',
    async () => {
      const t = new LoginThrottle(store, policy);
      const now = 2_000_000_000;
      for (let i = 0; i < 6; i++) await t.begin('grace', '10.9.0.2', now); // locked until now + 30 s
      const quietEnds = now + 30_000 + 600_000;
      expect((await t.begin('grace', '10.9.0.2', quietEnds - 1000)).allowed).toBe(true); // the expired lock's one
      // 600 s of quiet after that attempt's own lock (60 s): the count starts again.
      const later = quietEnds - 1000 + 60_000 + 601_000;
      for (let i = 0; i < 5; i++) expect((await t.begin('grace', '10.9.0.2', later)).allowed).toBe(true);
      expect((await store.throttle.get('acct:grace'))!.failures).toBe(5);
    },
  );
});
