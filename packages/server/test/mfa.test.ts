import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { CHEAP_PASSWORD_HASHES, startTestProvider, type TestProvider } from '../src/testing/index.js';
import { totpCodeAt } from '../src/mfa/totp.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import { hasPostgres } from '../../../test/support/env.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cb = 'http://localhost:5002/app/callback';
const SECRET = 'app-secret-0123456789abcdef';
const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((u) => ({
  username: u,
  password: `${u}-password`,
  email: `${u}@example.com`,
}));
const [ALICE, BOB, CAROL, DAVE, ERIN, FRANK] = users as [
  (typeof users)[0],
  (typeof users)[0],
  (typeof users)[0],
  (typeof users)[0],
  (typeof users)[0],
  (typeof users)[0],
];
type Creds = (typeof users)[0];

// TOTP secrets are sealed with the key-encryption key (the same one that seals signing keys).
const KEK = Buffer.alloc(32, 7).toString('base64');
const ADMIN = 'admin-bearer-secret-0123456789';
const BIN = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));

// Both engines: the store's code, refresh and factor queries differ between them (PostgreSQL rotates in one CTE).
const engines: ('sqlite' | 'postgres')[] = hasPostgres() ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(engines)(
  'second factors on %s: TOTP, recovery codes, policies, step-up and acr/amr',
  (engine) => {
    let op: TestProvider;
    let receiver: Receiver;
    let now = Date.now();
    const previousKek = process.env.ADIEU_KEY_ENCRYPTION_KEY;

    const rp = (clientId: string) =>
      discover({ issuer: op.issuer, clientId, clientSecret: SECRET, redirectUri: cb });
    const client = (client_id: string, extra: Record<string, unknown> = {}) => ({
      client_id,
      client_secret: SECRET,
      redirect_uris: [cb],
      grant_types: ['authorization_code', 'refresh_token'] as ('authorization_code' | 'refresh_token')[],
      backchannel_logout_uri: receiver.url,
      ...extra,
    });

    beforeAll(async () => {
      process.env.ADIEU_KEY_ENCRYPTION_KEY = KEK;
      receiver = await startReceiver();
      op = await startTestProvider(
        {
          clients: [
            client('optional-app'),
            client('off-app', { mfa: 'off' }),
            client('required-app', { mfa: 'required' }),
          ],
          users,
          login: { account_max_failures: 3, account_lock_seconds: 30 },
          admin: { bearer_secret: ADMIN },
        },
        { clock: () => now, engine },
      );
    });
    afterAll(async () => {
      await op?.close();
      await receiver?.stop();
      if (previousKek === undefined) delete process.env.ADIEU_KEY_ENCRYPTION_KEY;
      else process.env.ADIEU_KEY_ENCRYPTION_KEY = previousKek;
    });

    /** Start an authorization request; returns the first page (login, second factor) or the redirect. */
    async function start(browser: BrowserSession, clientId: string, extra: Record<string, string> = {}) {
      const config = await rp(clientId);
      const req = await authorizationRequest(config, cb, extra);
      const first = await browser.navigate(req.url.toString());
      return { config, req, first };
    }

    async function exchange(
      config: oidc.Configuration,
      req: { verifier: string; state: string; nonce: string },
      to: string,
    ) {
      // The relying party checks token times against the provider's (test) clock.
      (config as unknown as Record<symbol, number>)[oidc.clockSkew] = Math.round((now - Date.now()) / 1000);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(to), {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
        idTokenExpected: true,
      });
      return { tokens, claims: tokens.claims()! };
    }

    const password = (browser: BrowserSession, page: Page, who: Creds) =>
      browser.submit(page, { username: who.username, password: who.password });

    /** Set up an authenticator app on /account; returns its secret and the recovery codes shown. */
    async function enrolOnAccount(browser: BrowserSession): Promise<{ secret: string; codes: string[] }> {
      const account = await browser.navigate(`${op.issuer}/account`);
      const link = account.doc.querySelector('a[href$="/account/two-step/totp"]');
      expect(link?.text).toBe('Set up an authenticator app');
      const enrol = await browser.navigate(new URL(link!.getAttribute('href')!, account.url).toString());
      expect(enrol.status).toBe(200);
      expect(enrol.doc.querySelector('img.qr')?.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
      const secret = enrol.doc.querySelector('[data-adieu=totp-secret]')!.text.replace(/\s/g, '');
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);

      const wrong = await browser.submit(enrol, {
        code: '000000' === totpCodeAt(secret, now) ? '111111' : '000000',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.doc.querySelector('[role=alert]')?.text).toMatch(/not correct/);
      const garbage = await browser.submit(enrol, { code: '<script>x</script>' });
      expect(garbage.status).toBe(400);

      const done = await browser.submit(enrol, { code: totpCodeAt(secret, now) });
      expect(done.status).toBe(200);
      const codes = done.doc.querySelectorAll('[data-adieu=recovery-codes] li').map((li) => li.text.trim());
      return { secret, codes };
    }

    /** Sign in to an app with the password only (the app's policy or the user's factors ask nothing more). */
    async function passwordOnly(browser: BrowserSession, clientId: string, who: Creds) {
      const { config, req, first } = await start(browser, clientId);
      const after = await password(browser, first, who);
      expect(after.redirectTo, after.body.slice(0, 300)).toBeTruthy();
      return exchange(config, req, after.redirectTo!);
    }

    /** A fresh 30-second step, so codes computed now belong to a step no earlier code used. */
    const nextStep = () => {
      now += 30_000;
    };

    it('publishes the levels and the claims', async () => {
      const doc = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as Record<
        string,
        string[]
      >;
      expect(doc.acr_values_supported).toEqual(['urn:adieu:pwd', 'urn:adieu:mfa', 'urn:adieu:phr']);
      expect(doc.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr']));
    });

    it('a live session reads no factor on an authorization request unless its level decision needs one', async () => {
      const browser = new BrowserSession();
      await passwordOnly(browser, 'optional-app', ALICE);
      const factors = op.provider.store.factors as unknown as Record<string, unknown>;
      const calls: string[] = [];
      const originals = new Map<string, (...a: unknown[]) => unknown>();
      for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(factors))) {
        const fn = factors[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        originals.set(name, fn as (...a: unknown[]) => unknown);
        factors[name] = (...args: unknown[]) => {
          calls.push(name);
          return (fn as (...a: unknown[]) => unknown).apply(factors, args);
        };
      }
      try {
        // Silent SSO with no level asked, and with pwd asked: nothing about factors matters.
        const extras: Record<string, string>[] = [{}, { acr_values: 'urn:adieu:pwd' }];
        for (const extra of extras) {
          const silent = await start(browser, 'optional-app', { prompt: 'none', ...extra });
          expect(new URL(silent.first.redirectTo!).searchParams.get('code')).toBeTruthy();
        }
        expect(calls).toEqual([]);
        // mfa asked of a password session: a step-up, whatever factors the user has; still no lookup.
        const up = await start(browser, 'optional-app', { prompt: 'none', acr_values: 'urn:adieu:mfa' });
        expect(new URL(up.first.redirectTo!).searchParams.get('error')).toBe('interaction_required');
        expect(calls).toEqual([]);
      } finally {
        for (const [name] of originals) delete factors[name];
      }
    });

    it('a password sign-in says so: acr urn:adieu:pwd, amr [pwd]', async () => {
      const { claims, tokens } = await passwordOnly(new BrowserSession(), 'optional-app', ALICE);
      expect(claims.acr).toBe('urn:adieu:pwd');
      expect(claims.amr).toEqual(['pwd']);
      expect(decodeJwt(tokens.access_token).acr).toBe('urn:adieu:pwd');
    });

    it('enrolment on /account: QR and secret, confirmed by one code, sealed at rest, recovery codes shown once', async () => {
      const browser = new BrowserSession();
      await passwordOnly(browser, 'optional-app', BOB);
      const before = await op.provider.store.db.selectFrom('user_factors').selectAll().execute();
      const { secret, codes } = await enrolOnAccount(browser);
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      const user = await op.provider.store.users.findByUsername('bob');
      const rows = await op.provider.store.db
        .selectFrom('user_factors')
        .selectAll()
        .where('user_id', '=', user!.id)
        .execute();
      // One factor, nothing left half-enrolled by the wrong and garbage codes before it.
      expect(rows).toHaveLength(1);
      expect(before.filter((r) => r.user_id === user!.id)).toHaveLength(0);
      expect(rows[0]!.secret).not.toContain(secret);
      expect(rows[0]!.secret!.split('.')).toHaveLength(5); // a JWE
      const stored = await op.provider.store.db
        .selectFrom('recovery_codes')
        .selectAll()
        .where('user_id', '=', user!.id)
        .execute();
      expect(stored).toHaveLength(10);
      expect(stored.some((r) => codes.some((c) => r.digest.includes(c)))).toBe(false);

      // The account page lists it, with the recovery codes left.
      const account = await browser.navigate(`${op.issuer}/account`);
      expect(account.doc.querySelectorAll('[data-adieu=factors] li')).toHaveLength(1);
      expect(account.doc.querySelector('#two-step')?.nextElementSibling?.text).toMatch(
        /10\s+recovery codes are left/,
      );
    });

    it('sign-in asks for the code after the password; ID token has acr mfa and amr [pwd, otp, mfa]; no replay', async () => {
      const setup = new BrowserSession();
      await passwordOnly(setup, 'optional-app', CAROL);
      const { secret } = await enrolOnAccount(setup);
      nextStep();

      const browser = new BrowserSession();
      const { config, req, first } = await start(browser, 'optional-app');
      const step2 = await password(browser, first, CAROL);
      expect(step2.status).toBe(200);
      expect(step2.doc.querySelector('h1')?.text).toBe('Two-step sign-in');
      expect(step2.doc.querySelector('input[name=code]')?.getAttribute('autocomplete')).toBe('one-time-code');
      // No session yet: only the password was given.
      expect(await browser.jar.getCookieString(op.issuer)).not.toMatch(/adieu_session=/);

      const code = totpCodeAt(secret, now);
      const wrong = await browser.submit(step2, { code: code === '123456' ? '654321' : '123456' });
      expect(wrong.status).toBe(401);
      expect(wrong.doc.querySelector('[role=alert]')?.text).toMatch(/not correct/);
      const garbage = await browser.submit(step2, { code: "'; drop table users; --" });
      expect(garbage.status).toBe(401);

      const ok = await browser.submit(step2, { code });
      expect(ok.redirectTo).toBeTruthy();
      const { claims, tokens } = await exchange(config, req, ok.redirectTo!);
      expect(claims.acr).toBe('urn:adieu:mfa');
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims.auth_time).toBe(Math.floor(now / 1000));

      // Refreshed tokens keep the level of the sign-in they come from, through two rotations.
      let refresh = tokens.refresh_token!;
      for (let i = 0; i < 2; i++) {
        const next = await oidc.refreshTokenGrant(config, refresh);
        expect(next.claims()?.acr).toBe('urn:adieu:mfa');
        expect(next.claims()?.amr).toEqual(['pwd', 'otp', 'mfa']);
        refresh = next.refresh_token!;
      }

      // The same code, in another browser within its step: refused as already used.
      const other = new BrowserSession();
      const second = await start(other, 'optional-app');
      const again = await password(other, second.first, CAROL);
      const replay = await other.submit(again, { code });
      expect(replay.status).toBe(401);
      expect(replay.doc.querySelector('[role=alert]')?.text).toMatch(/already used/);
    });

    it('tolerates one step of clock skew, not two', async () => {
      const setup = new BrowserSession();
      await passwordOnly(setup, 'optional-app', DAVE);
      const { secret } = await enrolOnAccount(setup);
      now += 120_000;

      const late = new BrowserSession();
      const a = await start(late, 'optional-app');
      const step2 = await password(late, a.first, DAVE);
      const twoBehind = await late.submit(step2, { code: totpCodeAt(secret, now - 60_000) });
      expect(twoBehind.status).toBe(401);
      const oneBehind = await late.submit(step2, { code: totpCodeAt(secret, now - 30_000) });
      expect(oneBehind.redirectTo).toBeTruthy();
    });

    it('throttles wrong codes per account; the lock ends after its time and a right code then signs in', async () => {
      const setup = new BrowserSession();
      await passwordOnly(setup, 'optional-app', ERIN);
      const { secret, codes } = await enrolOnAccount(setup);
      nextStep();

      const browser = new BrowserSession();
      const { config, req, first } = await start(browser, 'optional-app');
      const step2 = await password(browser, first, ERIN);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await browser.submit(step2, { code: '000001' })).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const locked = await browser.submit(step2, { code: totpCodeAt(secret, now) });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(locked.doc.querySelector('[role=alert]')?.text).toMatch(/Too many wrong codes/);

      now += 31_000;
      // A recovery code works once, after the lock.
      const ok = await browser.submit(step2, { code: codes[0]!.toUpperCase() });
      expect(ok.redirectTo).toBeTruthy();
      const { claims } = await exchange(config, req, ok.redirectTo!);
      expect(claims.acr).toBe('urn:adieu:mfa');

      const again = new BrowserSession();
      const b = await start(again, 'optional-app');
      const step2b = await password(again, b.first, ERIN);
      const reused = await again.submit(step2b, { code: codes[0]! });
      expect(reused.status).toBe(401);
    });

    it('mfa "off": a user with a factor signs in with the password; acr_values then steps up in the same session', async () => {
      const setup = new BrowserSession();
      await passwordOnly(setup, 'optional-app', FRANK);
      const { secret } = await enrolOnAccount(setup);
      nextStep();

      const browser = new BrowserSession();
      const first = await passwordOnly(browser, 'off-app', FRANK);
      expect(first.claims.acr).toBe('urn:adieu:pwd');
      const sid = first.claims.sid;

      // prompt=none cannot step up: interaction_required.
      const silent = await start(browser, 'off-app', { acr_values: 'urn:adieu:mfa', prompt: 'none' });
      expect(new URL(silent.first.redirectTo!).searchParams.get('error')).toBe('interaction_required');

      now += 60_000;
      const up = await start(browser, 'off-app', { acr_values: 'urn:adieu:mfa' });
      // No password again: only the second factor.
      expect(up.first.doc.querySelector('input[name=password]')).toBeNull();
      expect(up.first.doc.querySelector('h1')?.text).toBe('Two-step sign-in');
      const done = await browser.submit(up.first, { code: totpCodeAt(secret, now) });
      const stepped = await exchange(up.config, up.req, done.redirectTo!);
      expect(stepped.claims.sid).toBe(sid);
      expect(stepped.claims.acr).toBe('urn:adieu:mfa');
      expect(stepped.claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(stepped.claims.auth_time).toBe(Math.floor(now / 1000));
      expect(stepped.claims.auth_time).toBeGreaterThan(first.claims.auth_time!);

      // The session now has the level: the next request asks nothing.
      const silentAgain = await start(browser, 'off-app', { acr_values: 'urn:adieu:mfa', prompt: 'none' });
      expect(new URL(silentAgain.first.redirectTo!).searchParams.get('code')).toBeTruthy();

      // prompt=login: a real sign-in again (password, then the factor of this optional app); auth_time follows.
      nextStep();
      const relogin = await start(browser, 'optional-app', { prompt: 'login' });
      expect(relogin.first.doc.querySelector('input[name=password]')).toBeTruthy();
      const step2 = await password(browser, relogin.first, FRANK);
      const back = await browser.submit(step2, { code: totpCodeAt(secret, now) });
      const fresh = await exchange(relogin.config, relogin.req, back.redirectTo!);
      expect(fresh.claims.sid).toBe(sid);
      expect(fresh.claims.auth_time).toBe(Math.floor(now / 1000));
    });

    it('max_age after a step-up: a real sign-in again; the level is what the new sign-in proves, in the same sid', async () => {
      const who = { username: 'maxage', password: 'maxage-password-1', email: 'maxage@example.com' };
      await op.provider.users.createSeeds([who]);
      const setup = new BrowserSession();
      await passwordOnly(setup, 'optional-app', who);
      const { secret } = await enrolOnAccount(setup);
      nextStep();

      const browser = new BrowserSession();
      const first = await passwordOnly(browser, 'off-app', who);
      const up = await start(browser, 'off-app', { acr_values: 'urn:adieu:mfa' });
      const stepped = await exchange(
        up.config,
        up.req,
        (await browser.submit(up.first, { code: totpCodeAt(secret, now) })).redirectTo!,
      );
      expect(stepped.claims.acr).toBe('urn:adieu:mfa');
      nextStep();

      // max_age exceeded, no level asked of this "off" app: the password again, and the session's level is
      // what that sign-in proved (pwd) — the earlier second factor does not carry over.
      const again = await start(browser, 'off-app', { max_age: '10' });
      expect(again.first.doc.querySelector('input[name=password]')).toBeTruthy();
      const pwdOnly = await exchange(
        again.config,
        again.req,
        (await password(browser, again.first, who)).redirectTo!,
      );
      expect(pwdOnly.claims).toMatchObject({ sid: first.claims.sid, acr: 'urn:adieu:pwd', amr: ['pwd'] });
      expect(pwdOnly.claims.auth_time).toBe(Math.floor(now / 1000));

      // max_age with the level asked: password and the second factor, both again.
      nextStep();
      const both = await start(browser, 'off-app', { max_age: '10', acr_values: 'urn:adieu:mfa' });
      const step2 = await password(browser, both.first, who);
      expect(step2.doc.querySelector('h1')?.text).toBe('Two-step sign-in');
      const done = await exchange(
        both.config,
        both.req,
        (await browser.submit(step2, { code: totpCodeAt(secret, now) })).redirectTo!,
      );
      expect(done.claims).toMatchObject({
        sid: first.claims.sid,
        acr: 'urn:adieu:mfa',
        amr: ['pwd', 'otp', 'mfa'],
      });
    });

    it('mfa "required": a user without a factor sets one up while signing in, then continues to the app', async () => {
      const who = { username: 'gina', password: 'gina-password-1', email: 'gina@example.com' };
      await op.provider.users.createSeeds([who]);
      const browser = new BrowserSession();
      const { config, req, first } = await start(browser, 'required-app');
      const enrol = await password(browser, first, who);
      expect(enrol.doc.querySelector('h1')?.text).toBe('Set up two-step sign-in');
      const secret = enrol.doc.querySelector('[data-adieu=totp-secret]')!.text.replace(/\s/g, '');
      const wrong = await browser.submit(enrol, { code: 'abc' });
      expect(wrong.status).toBe(400);
      const user = await op.provider.store.users.findByUsername('gina');
      expect(await op.provider.secondFactors.hasAny(user!.id)).toBe(false);

      const codesPage = await browser.submit(enrol, { code: totpCodeAt(secret, now) });
      expect(codesPage.doc.querySelectorAll('[data-adieu=recovery-codes] li')).toHaveLength(10);
      const cont = await browser.submit(codesPage, {});
      expect(cont.redirectTo).toBeTruthy();
      const { claims } = await exchange(config, req, cont.redirectTo!);
      expect(claims.acr).toBe('urn:adieu:mfa');
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    });

    it('removing a factor needs a fresh sign-in and ends the other sessions; their apps are told (credentials_changed)', async () => {
      const who = { username: 'hank', password: 'hank-password-1', email: 'hank@example.com' };
      await op.provider.users.createSeeds([who]);
      const here = new BrowserSession();
      await passwordOnly(here, 'optional-app', who);
      const { secret } = await enrolOnAccount(here);
      nextStep();

      const elsewhere = new BrowserSession();
      const e = await start(elsewhere, 'optional-app');
      const e2 = await password(elsewhere, e.first, who);
      const eDone = await elsewhere.submit(e2, { code: totpCodeAt(secret, now) });
      const other = await exchange(e.config, e.req, eDone.redirectTo!);

      // Not fresh any more: "Remove" asks to sign in again first, and removes nothing.
      now += 10 * 60_000;
      const account = await here.navigate(`${op.issuer}/account`);
      const stale = await here.submit(account, {}, '[data-adieu=factors] form');
      expect(stale.doc.querySelector('input[name=password]')).toBeTruthy();
      const user = await op.provider.store.users.findByUsername('hank');
      expect(await op.provider.secondFactors.hasAny(user!.id)).toBe(true);

      const step2 = await password(here, stale, who);
      const signedIn = await here.submit(step2, { code: totpCodeAt(secret, now) });
      expect(signedIn.doc.querySelector('h1')?.text).toBe('Your sign-ins');
      const before = receiver.succeeded.length;
      const removed = await here.submit(signedIn, {}, '[data-adieu=factors] form');
      expect(removed.doc.querySelector('h1')?.text).toBe('Sign-in method removed');
      expect(removed.doc.querySelector('[role=status]')?.text).toMatch(/One other device was signed out/);
      expect(await op.provider.secondFactors.hasAny(user!.id)).toBe(false);

      const deliveries = (await receiver.waitFor(before + 1)).slice(before);
      const tokens = await Promise.all(
        deliveries.map((d) => verifyLogoutToken(d.token, op.issuer, 'optional-app', new Date(now))),
      );
      const told = tokens.find((t) => t.payload.sid === other.claims.sid);
      expect(told?.payload.reason).toBe('credentials_changed');
      // This browser stays signed in.
      const still = await here.navigate(`${op.issuer}/account`);
      expect(still.doc.querySelector('h1')?.text).toBe('Your sign-ins');
    });

    it("an admin resets a user's factors (API and CLI): every session ends (credentials_changed), the apps are told", async () => {
      const who = { username: 'ivan', password: 'ivan-password-1', email: 'ivan@example.com' };
      await op.provider.users.createSeeds([who]);
      const browser = new BrowserSession();
      const signedIn = await passwordOnly(browser, 'optional-app', who);
      await enrolOnAccount(browser);
      const user = (await op.provider.store.users.findByUsername('ivan'))!;
      const reset = (auth: string) =>
        fetch(`${op.issuer}/api/v1/users/${user.id}/resetFactors`, {
          method: 'POST',
          headers: { authorization: `Bearer ${auth}` },
        });
      expect((await reset('not-the-admin-secret')).status).toBe(401);
      const before = receiver.succeeded.length;
      const answer = await reset(ADMIN);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ factors_removed: 1, sessions_ended: 1 });
      expect(await op.provider.secondFactors.hasAny(user.id)).toBe(false);
      expect(await op.provider.secondFactors.recoveryCodesLeft(user.id)).toBe(0);
      const deliveries = (await receiver.waitFor(before + 1)).slice(before);
      const tokens = await Promise.all(
        deliveries.map((d) => verifyLogoutToken(d.token, op.issuer, 'optional-app', new Date(now))),
      );
      expect(tokens.find((t) => t.payload.sid === signedIn.claims.sid)?.payload.reason).toBe(
        'credentials_changed',
      );
      // The browser is signed out: /account asks to sign in.
      expect(
        (await browser.navigate(`${op.issuer}/account`)).doc.querySelector('input[name=password]'),
      ).toBeTruthy();
      const doc = (await (await fetch(`${op.issuer}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(doc.paths['/users/{user}/resetFactors']).toBeTruthy();
      const audit = await op.provider.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'user.reset_factors')
        .execute();
      expect(audit.length).toBeGreaterThan(0);

      // The CLI does the same.
      const again = new BrowserSession();
      await passwordOnly(again, 'optional-app', who);
      await enrolOnAccount(again);
      const dir = mkdtempSync(join(tmpdir(), 'adieu-mfa-'));
      const file = join(dir, 'adieu.json');
      writeFileSync(
        file,
        JSON.stringify({
          issuer: op.issuer,
          database: op.database,
          login: CHEAP_PASSWORD_HASHES,
        }),
      );
      const out = execFileSync(
        process.execPath,
        [BIN, 'user', 'reset-factors', '--config', file, '--username', 'ivan'],
        {
          encoding: 'utf8',
          env: { ...process.env, ADIEU_LOG_LEVEL: 'error' },
        },
      );
      expect(out).toMatch(/reset ivan: 1 second factor\(s\) removed, 1 session\(s\) ended/);
      expect(await op.provider.secondFactors.hasAny(user.id)).toBe(false);
    });
  },
);
