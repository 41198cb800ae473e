/**
 * Passkeys through the real HTTP server (docs/mfa.md): registration on /account, passwordless sign-in from the
 * login page, the second step after a password, step-up to urn:adieu:phr in the same session — and every kind of
 * bad answer (garbage, wrong origin or RP ID, a replayed challenge, an old signature counter, someone else's
 * passkey) gets a readable 4xx page, never a 500, and never leaves a factor behind. The authenticator is
 * test/support/soft-authenticator.ts; Chromium's virtual authenticator drives the same pages in test/e2e.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestProvider, type TestProvider } from '../src/testing/index.js';
import { totpCodeAt } from '../src/mfa/totp.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc } from '../../../test/support/oidc.js';
import { SoftAuthenticator, type CeremonyOptions } from '../../../test/support/soft-authenticator.js';
import { hasPostgres } from '../../../test/support/env.js';

const cb = 'http://localhost:5002/app/callback';
const SECRET = 'app-secret-0123456789abcdef';
const KEK = Buffer.alloc(32, 9).toString('base64');
const engines: ('sqlite' | 'postgres')[] = hasPostgres() ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(engines)('passkeys on %s', (engine) => {
  let op: TestProvider;
  let now = Date.now();
  let n = 0;
  const previousKek = process.env.ADIEU_KEY_ENCRYPTION_KEY;

  beforeAll(async () => {
    process.env.ADIEU_KEY_ENCRYPTION_KEY = KEK;
    op = await startTestProvider(
      {
        clients: [
          {
            client_id: 'app',
            client_secret: SECRET,
            redirect_uris: [cb],
            grant_types: ['authorization_code', 'refresh_token'],
          },
          {
            client_id: 'required-app',
            client_secret: SECRET,
            redirect_uris: [cb],
            grant_types: ['authorization_code'],
            mfa: 'required',
          },
        ],
      },
      { clock: () => now, engine },
    );
  });
  afterAll(async () => {
    await op?.close();
    if (previousKek === undefined) delete process.env.ADIEU_KEY_ENCRYPTION_KEY;
    else process.env.ADIEU_KEY_ENCRYPTION_KEY = previousKek;
  });

  /** A new user, signed in with their password in a new browser. */
  async function newUser() {
    const who = { username: `pk${++n}`, password: `pk${n}-password-1`, email: `pk${n}@example.com` };
    await op.provider.users.createSeeds([who]);
    const browser = new BrowserSession();
    const { first } = await start(browser);
    const done = await browser.submit(first, { username: who.username, password: who.password });
    expect(done.redirectTo).toBeTruthy();
    const user = (await op.provider.store.users.findByUsername(who.username))!;
    return { who, browser, user };
  }

  async function start(browser: BrowserSession, extra: Record<string, string> = {}, clientId = 'app') {
    const config = await discover({
      issuer: op.issuer,
      clientId,
      clientSecret: SECRET,
      redirectUri: cb,
    });
    const req = await authorizationRequest(config, cb, extra);
    const first = await browser.navigate(req.url.toString());
    return { config, req, first };
  }

  async function claimsOf(s: Awaited<ReturnType<typeof start>>, to: string) {
    (s.config as unknown as Record<symbol, number>)[oidc.clockSkew] = Math.round((now - Date.now()) / 1000);
    const tokens = await oidc.authorizationCodeGrant(s.config, new URL(to), {
      pkceCodeVerifier: s.req.verifier,
      expectedState: s.req.state,
      expectedNonce: s.req.nonce,
      idTokenExpected: true,
    });
    return tokens.claims()!;
  }

  const optionsOf = (page: Page) =>
    JSON.parse(page.doc.querySelector('#adieu-passkey')!.text) as CeremonyOptions;
  const passkeyForm = '[data-adieu=passkey-form]';
  const alert = (page: Page) => page.doc.querySelector('[role=alert]')?.text.trim();
  const factorRows = async (userId: string) =>
    op.provider.store.db.selectFrom('user_factors').selectAll().where('user_id', '=', userId).execute();

  /** Add a passkey on /account; returns the page after (recovery codes or "added"). */
  async function addPasskey(browser: BrowserSession, auth: SoftAuthenticator, name = 'My laptop') {
    const page = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    expect(page.doc.querySelector('h1')?.text).toBe('Add a passkey');
    return browser.submit(
      page,
      { name, response: JSON.stringify(auth.create(optionsOf(page))) },
      passkeyForm,
    );
  }

  it('registration on /account: stored with its key, counter, transports and name; the first one brings recovery codes', async () => {
    const { browser, user } = await newUser();
    const account = await browser.navigate(`${op.issuer}/account`);
    expect(account.doc.querySelector('a[href$="/account/two-step/passkey"]')?.text).toBe('Add a passkey');
    const auth = new SoftAuthenticator({ origin: op.issuer });
    const page = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    const options = optionsOf(page) as CeremonyOptions & Record<string, unknown>;
    expect(options.rp).toEqual({ name: new URL(op.issuer).host, id: 'localhost' });
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    // The user handle is the opaque user id, never a name or an email.
    expect(Buffer.from(options.user!.id, 'base64url').toString()).toBe(user.id);
    // Without JavaScript the form stays hidden and the page says why.
    expect(page.doc.querySelector(passkeyForm)?.hasAttribute('hidden')).toBe(true);
    expect(page.doc.querySelector('[data-adieu=passkey-unsupported]')).toBeTruthy();

    const done = await browser.submit(
      page,
      { name: '  Work   laptop ', response: JSON.stringify(auth.create(options)) },
      passkeyForm,
    );
    expect(done.status).toBe(200);
    expect(done.doc.querySelectorAll('[data-adieu=recovery-codes] li')).toHaveLength(10);
    const [row] = await factorRows(user.id);
    expect(row).toMatchObject({
      kind: 'passkey',
      label: 'Work laptop',
      credential_id: Buffer.from(auth.credentials[0]!.id).toString('base64url'),
      transports: 'internal',
      secret: null,
    });
    expect(Number(row!.sign_count)).toBe(0);
    expect(Number(row!.backup_eligible)).toBe(0);
    expect(row!.public_key).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const listed = await browser.navigate(`${op.issuer}/account`);
    const li = listed.doc.querySelector('[data-adieu=factors] li[data-kind=passkey]');
    expect(li?.text).toMatch(/Work laptop/);
    expect(li?.text).toMatch(/passkey, this device only/);

    // A second passkey: no new recovery codes; the first one is excluded from its options.
    const second = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    expect(optionsOf(second).allowCredentials).toBeUndefined();
    expect((optionsOf(second) as { excludeCredentials?: { id: string }[] }).excludeCredentials?.[0]?.id).toBe(
      row!.credential_id,
    );
  });

  it('passwordless: "Sign in with a passkey" on the login page reaches urn:adieu:phr (amr hwk user mfa)', async () => {
    const { browser } = await newUser();
    const auth = new SoftAuthenticator({ origin: op.issuer });
    await addPasskey(browser, auth);

    const fresh = new BrowserSession();
    const s = await start(fresh);
    // The contract's password form is untouched; the passkey has its own form after it.
    expect(s.first.doc.querySelector('form')?.querySelector('input[name=password]')).toBeTruthy();
    expect(s.first.doc.querySelectorAll('form button[type=submit]')).toHaveLength(1);
    // Autofill (conditional UI): the username field offers the passkeys too, and its script posts the same form.
    expect(s.first.doc.querySelector('input[name=username]')?.getAttribute('autocomplete')).toBe(
      'username webauthn',
    );
    expect(s.first.doc.querySelector(passkeyForm)?.hasAttribute('data-autofill')).toBe(true);
    expect(s.first.doc.querySelectorAll('script:not([src])').length).toBe(1); // the options (JSON), no code
    const options = optionsOf(s.first) as CeremonyOptions & { userVerification?: string };
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
    const done = await fresh.submit(s.first, { response: JSON.stringify(auth.get(options)) }, passkeyForm);
    expect(done.redirectTo, done.body.slice(0, 400)).toBeTruthy();
    const claims = await claimsOf(s, done.redirectTo!);
    expect(claims.acr).toBe('urn:adieu:phr');
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(claims.auth_time).toBe(Math.floor(now / 1000));

    // A synced passkey says swk.
    const synced = new SoftAuthenticator({ origin: op.issuer, backupEligible: true });
    await addPasskey(browser, synced, 'Phone');
    const other = new BrowserSession();
    const s2 = await start(other);
    const done2 = await other.submit(
      s2.first,
      { response: JSON.stringify(synced.get(optionsOf(s2.first))) },
      passkeyForm,
    );
    expect((await claimsOf(s2, done2.redirectTo!)).amr).toEqual(['swk', 'user', 'mfa']);
  });

  it('an issuer where browsers allow no passkeys (an IP address): no passkey form, no webauthn autofill', async () => {
    const port = await freePort();
    const ip = await startTestProvider(
      { clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [cb] }] },
      { engine, issuer: `http://127.0.0.1:${port}`, port },
    );
    try {
      const page = await new BrowserSession().navigate(
        `${ip.issuer}/authorize?${new URLSearchParams({ client_id: 'app', redirect_uri: cb, response_type: 'code', scope: 'openid', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
      );
      expect(page.doc.querySelector('input[name=password]')).toBeTruthy();
      expect(page.doc.querySelector('input[name=username]')?.getAttribute('autocomplete')).toBe('username');
      expect(page.doc.querySelector(passkeyForm)).toBeNull();
    } finally {
      await ip.close();
    }
  });

  it('second step after the password; a step-up to phr keeps the sid', async () => {
    const { browser, who } = await newUser();
    const auth = new SoftAuthenticator({ origin: op.issuer, userVerifies: false });
    await addPasskey(browser, new SoftAuthenticator({ origin: op.issuer })); // recovery codes with the first
    // This browser's authenticator does not verify its user: as a second factor that is still two factors.
    const enrolled = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    const created = auth.create(optionsOf(enrolled), { userVerified: true });
    await browser.submit(enrolled, { response: JSON.stringify(created) }, passkeyForm);

    const fresh = new BrowserSession();
    const s = await start(fresh);
    const step2 = await fresh.submit(s.first, { username: who.username, password: who.password });
    expect(step2.doc.querySelector('h1')?.text).toBe('Two-step sign-in');
    const options = optionsOf(step2);
    expect(options.allowCredentials).toHaveLength(2);
    // Only recovery codes besides the passkey: the field says so.
    expect(step2.doc.querySelector('label[for=code]')?.text).toBe('Recovery code');
    const done = await fresh.submit(step2, { response: JSON.stringify(auth.get(options)) }, passkeyForm);
    const first = await claimsOf(s, done.redirectTo!);
    expect(first.acr).toBe('urn:adieu:mfa');
    expect(first.amr).toEqual(['pwd', 'hwk', 'mfa']);

    // phr asked of this mfa session: the passkey again (verified now), same sid, later auth_time.
    now += 60_000;
    const verifying = new SoftAuthenticator({ origin: op.issuer });
    verifying.credentials.push(...auth.credentials);
    const up = await start(fresh, { acr_values: 'urn:adieu:phr' });
    expect(up.first.doc.querySelector('input[name=password]')).toBeNull();
    const stepped = await fresh.submit(
      up.first,
      { response: JSON.stringify(verifying.get(optionsOf(up.first))) },
      passkeyForm,
    );
    const claims = await claimsOf(up, stepped.redirectTo!);
    expect(claims.sid).toBe(first.sid);
    expect(claims.acr).toBe('urn:adieu:phr');
    expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
    expect(claims.auth_time).toBe(Math.floor(now / 1000));
  });

  it('bad answers at registration: garbage, wrong origin, wrong RP ID, a replayed page — readable 400s, no factor', async () => {
    const { browser, user } = await newUser();
    const auth = new SoftAuthenticator({ origin: op.issuer });
    const cases: [string, (o: CeremonyOptions) => string][] = [
      ['garbage', () => 'not json at all {'],
      ['wrong shape', () => JSON.stringify({ id: 42, response: 'x' })],
      ['huge', () => 'x'.repeat(40_000)],
      ['wrong origin', (o) => JSON.stringify(auth.create(o, { origin: 'https://evil.example' }))],
      ['wrong RP ID', (o) => JSON.stringify(auth.create(o, { rpId: 'evil.example' }))],
      ['wrong type', (o) => JSON.stringify(auth.create(o, { type: 'webauthn.get' }))],
      ['other challenge', (o) => JSON.stringify(auth.create(o, { challenge: 'AAAA' }))],
      ['no user verification', (o) => JSON.stringify(auth.create(o, { userVerified: false }))],
    ];
    for (const [label, answer] of cases) {
      const page = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
      const res = await browser.submit(page, { response: answer(optionsOf(page)) }, passkeyForm);
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      expect(alert(res) ?? res.doc.querySelector('h1')?.text, label).toBeTruthy();
      // Too large to be an answer: refused before it is read, on the generic error page.
      if (label !== 'huge') expect(res.doc.querySelector('h1')?.text, label).toBe('Add a passkey');
    }
    expect(await factorRows(user.id)).toHaveLength(0);

    // A right answer posted twice: the challenge is spent by the first.
    const page = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    const answer = JSON.stringify(auth.create(optionsOf(page)));
    expect((await browser.submit(page, { response: answer }, passkeyForm)).status).toBe(200);
    const again = await browser.submit(page, { response: answer }, passkeyForm);
    expect(again.status).toBe(403);
    expect(again.body).toMatch(/expired/);
    expect(await factorRows(user.id)).toHaveLength(1);

    // An expired page: five minutes later the challenge is gone.
    const late = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    now += 5 * 60_000 + 1;
    const lateAnswer = await browser.submit(
      late,
      { response: JSON.stringify(auth.create(optionsOf(late))) },
      passkeyForm,
    );
    expect(lateAnswer.status).toBeGreaterThanOrEqual(400);
    expect(lateAnswer.status).toBeLessThan(500);
    expect(await factorRows(user.id)).toHaveLength(1);
  });

  it('bad answers at sign-in: garbage, wrong origin or RP ID, replay, an old counter, an unknown or foreign passkey', async () => {
    const { browser, user } = await newUser();
    const auth = new SoftAuthenticator({ origin: op.issuer });
    await addPasskey(browser, auth);
    const stranger = new SoftAuthenticator({ origin: op.issuer });
    stranger.create({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'c29tZW9uZQ' } });
    // One use first, so the stored counter is above zero.
    const before = new BrowserSession();
    const s0 = await start(before);
    const used = await before.submit(
      s0.first,
      { response: JSON.stringify(auth.get(optionsOf(s0.first))) },
      passkeyForm,
    );
    expect(used.redirectTo).toBeTruthy();
    const fresh = new BrowserSession();
    const s = await start(fresh);
    const cases: [string, (o: CeremonyOptions) => string, RegExp][] = [
      ['garbage', () => '%%%', /could not be verified/],
      [
        'wrong origin',
        (o) => JSON.stringify(auth.get(o, { origin: 'https://evil.example' })),
        /could not be verified/,
      ],
      ['wrong RP ID', (o) => JSON.stringify(auth.get(o, { rpId: 'evil.example' })), /could not be verified/],
      [
        'unverified user',
        (o) => JSON.stringify(auth.get(o, { userVerified: false })),
        /could not be verified/,
      ],
      ['no user handle', (o) => JSON.stringify(auth.get(o, { userHandle: null })), /could not be verified/],
      ['unknown passkey', (o) => JSON.stringify(stranger.get(o)), /not registered here/],
      [
        'old counter',
        (o) => JSON.stringify(auth.get(o, { counter: 1 })),
        /already used, or the passkey was copied/,
      ],
    ];
    let page = s.first;
    for (const [label, answer, message] of cases) {
      const res = await fresh.submit(page, { response: answer(optionsOf(page)) }, passkeyForm);
      expect(res.status, label).toBe(400);
      expect(alert(res), label).toMatch(message);
      // The page shown again is the login page, with a new challenge for the next try.
      expect(res.doc.querySelector('input[name=password]'), label).toBeTruthy();
      expect(optionsOf(res).challenge, label).not.toBe(optionsOf(page).challenge);
      page = res;
    }
    expect(await fresh.jar.getCookieString(op.issuer)).not.toMatch(/adieu_session=/);

    // A right answer replayed on the same challenge: the first signs in, the replay finds the page used.
    const answer = JSON.stringify(auth.get(optionsOf(page)));
    const ok = await fresh.submit(page, { response: answer }, passkeyForm);
    expect(ok.redirectTo).toBeTruthy();
    const replay = await new BrowserSession().submit(page, { response: answer }, passkeyForm);
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect(replay.status).toBeLessThan(500);

    // As a second factor, only the user's own passkeys count.
    const [row] = await factorRows(user.id);
    const counter = Number(row!.sign_count);
    expect(counter).toBeGreaterThan(0);
    const { who: other, browser: otherBrowser } = await newUser();
    await addPasskey(otherBrowser, new SoftAuthenticator({ origin: op.issuer }));
    const b = new BrowserSession();
    const s2 = await start(b);
    const step2 = await b.submit(s2.first, { username: other.username, password: other.password });
    const foreign = await b.submit(
      step2,
      { response: JSON.stringify(auth.get(optionsOf(step2), {}, auth.credentials[0])) },
      passkeyForm,
    );
    expect(foreign.status).toBe(400);
    expect(alert(foreign)).toMatch(/not one of this account/);
    expect(Number((await factorRows(user.id))[0]!.sign_count)).toBe(counter);
  });

  it('mfa "required": a user without a factor may add a passkey instead of an app, and goes on in the same sid at phr', async () => {
    const who = { username: `pk${++n}`, password: `pk${n}-password-1`, email: `pk${n}@example.com` };
    await op.provider.users.createSeeds([who]);
    const user = (await op.provider.store.users.findByUsername(who.username))!;
    const browser = new BrowserSession();
    // Signed in with the password to an app that asks nothing more.
    const s0 = await start(browser);
    const signedIn = await browser.submit(s0.first, { username: who.username, password: who.password });
    const before = await claimsOf(s0, signedIn.redirectTo!);
    expect(before.acr).toBe('urn:adieu:pwd');

    // The app that requires a second factor: set one up, no password again; both kinds are offered.
    const s = await start(browser, {}, 'required-app');
    expect(s.first.doc.querySelector('h1')?.text).toBe('Set up two-step sign-in');
    expect(s.first.doc.querySelector('[data-adieu=totp-secret]')).toBeTruthy();
    const form = s.first.doc.querySelector(passkeyForm);
    expect(form?.getAttribute('data-ceremony')).toBe('register');
    expect(form?.querySelector('button')?.text.trim()).toBe('Add a passkey');
    const options = optionsOf(s.first) as CeremonyOptions & Record<string, unknown>;
    expect(options.rp).toEqual({ name: new URL(op.issuer).host, id: 'localhost' });
    expect(Buffer.from(options.user!.id, 'base64url').toString()).toBe(user.id);
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });

    // Bad answers: a readable 400 on the same page with a fresh challenge, and nothing stored.
    const auth = new SoftAuthenticator({ origin: op.issuer });
    let page = s.first;
    for (const [label, answer] of [
      ['garbage', () => '{'],
      [
        'wrong origin',
        (o: CeremonyOptions) => JSON.stringify(auth.create(o, { origin: 'https://evil.example' })),
      ],
      [
        'no user verification',
        (o: CeremonyOptions) => JSON.stringify(auth.create(o, { userVerified: false })),
      ],
    ] as const) {
      const res = await browser.submit(page, { response: answer(optionsOf(page)) }, passkeyForm);
      expect(res.status, label).toBe(400);
      expect(alert(res), label).toMatch(/could not be verified/);
      expect(res.doc.querySelector('h1')?.text, label).toBe('Set up two-step sign-in');
      expect(optionsOf(res).challenge, label).not.toBe(optionsOf(page).challenge);
      page = res;
    }
    expect(await factorRows(user.id)).toHaveLength(0);
    // A challenge made for the account page is bound to that page: not taken here.
    const accountPage = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    expect(accountPage.doc.querySelector('h1')?.text).toBe('Add a passkey');
    const elsewhere = await browser.submit(
      page,
      {
        challenge: accountPage.doc.querySelector('input[name=challenge]')!.getAttribute('value')!,
        response: JSON.stringify(auth.create(optionsOf(accountPage))),
      },
      passkeyForm,
    );
    expect(elsewhere.status).toBe(400);
    expect(alert(elsewhere)).toMatch(/expired or was already used/);
    expect(await factorRows(user.id)).toHaveLength(0);

    const codes = await browser.submit(
      elsewhere,
      { response: JSON.stringify(auth.create(optionsOf(elsewhere))) },
      passkeyForm,
    );
    expect(codes.doc.querySelectorAll('[data-adieu=recovery-codes] li')).toHaveLength(10);
    const [row] = await factorRows(user.id);
    expect(row).toMatchObject({
      kind: 'passkey',
      credential_id: Buffer.from(auth.credentials.at(-1)!.id).toString('base64url'),
    });
    // The same page posted again (its challenge is spent): nothing more is stored.
    await browser.submit(
      elsewhere,
      { response: JSON.stringify(auth.create(optionsOf(elsewhere))) },
      passkeyForm,
    );
    expect(await factorRows(user.id)).toHaveLength(1);

    const cont = await browser.submit(codes, {});
    expect(cont.redirectTo, cont.body.slice(0, 300)).toBeTruthy();
    const claims = await claimsOf(s, cont.redirectTo!);
    expect(claims.sid).toBe(before.sid);
    expect(claims.acr).toBe('urn:adieu:phr');
    expect(claims.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);

    // Next time, the passkey is the second step this app asks for.
    const fresh = new BrowserSession();
    const s2 = await start(fresh, {}, 'required-app');
    const step2 = await fresh.submit(s2.first, { username: who.username, password: who.password });
    expect(step2.doc.querySelector('h1')?.text).toBe('Two-step sign-in');
    const done = await fresh.submit(
      step2,
      { response: JSON.stringify(auth.get(optionsOf(step2))) },
      passkeyForm,
    );
    expect((await claimsOf(s2, done.redirectTo!)).acr).toBe('urn:adieu:phr');
  });

  it('a TOTP user who adds a passkey gets the choice of both on the second step', async () => {
    const { browser, who } = await newUser();
    const enrol = await browser.navigate(`${op.issuer}/account/two-step/totp`);
    const secret = enrol.doc.querySelector('[data-adieu=totp-secret]')!.text.replace(/\s/g, '');
    await browser.submit(enrol, { code: totpCodeAt(secret, now) });
    await addPasskey(browser, new SoftAuthenticator({ origin: op.issuer }));
    const fresh = new BrowserSession();
    const s = await start(fresh);
    const step2 = await fresh.submit(s.first, { username: who.username, password: who.password });
    expect(step2.doc.querySelector(passkeyForm)).toBeTruthy();
    expect(step2.doc.querySelector('label[for=code]')?.text).toBe('Code');
  });

  it('adding a passkey needs a fresh sign-in', async () => {
    const { browser } = await newUser();
    now += 10 * 60_000;
    const page = await browser.navigate(`${op.issuer}/account/two-step/passkey`);
    expect(page.doc.querySelector('input[name=password]')).toBeTruthy();
  });
});
