import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, signIn } from '../../../test/support/oidc.js';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.js';

const cb = 'http://localhost:5002/portal/callback';
const SECRET = 'portal-secret-0123456789';
const client = { client_id: 'portal', client_secret: SECRET, redirect_uris: [cb] };

async function start(sink: SmtpSink, extra: Record<string, unknown>, clock?: () => number) {
  return startTestProvider(
    {
      email: { smtp: sink.url },
      clients: [client],
      users: [{ username: 'alice', password: 'alice-password', email: 'alice@example.com', name: 'Alice' }],
      ...extra,
    },
    clock ? { clock } : {},
  );
}

const rp = (op: TestProvider) =>
  discover({ issuer: op.issuer, clientId: 'portal', clientSecret: SECRET, redirectUri: cb });

async function loginPage(op: TestProvider, browser = new BrowserSession()) {
  const req = await authorizationRequest(await rp(op), cb);
  return { browser, page: await browser.navigate(req.url.toString()), req };
}

async function signupForm(op: TestProvider, browser?: BrowserSession) {
  const { browser: b, page } = await loginPage(op, browser);
  const link = page.doc.querySelector('a[href$="/signup"]');
  expect(link?.text).toBe('Create account');
  const form = await b.navigate(new URL(link!.getAttribute('href')!, page.url).toString());
  expect(form.status).toBe(200);
  return { browser: b, form, login: page };
}

const alert = (p: Page) => p.doc.querySelector('[role=alert]')?.text.trim() ?? '';
const userCount = async (op: TestProvider) =>
  (await op.provider.store.db.selectFrom('users').select('id').execute()).length;

describe('sign-up (open)', () => {
  let op: TestProvider;
  let sink: SmtpSink;
  let now = Date.now();
  beforeAll(async () => {
    sink = await startSmtpSink();
    op = await start(
      sink,
      { signup: 'open', accounts: { response_floor_ms: 0, name: 'required' } },
      () => now,
    );
  });
  afterAll(async () => {
    await op?.close();
    await sink?.stop();
  });

  it('email, name, password -> verification mail -> confirmed once -> sign in with email_verified', async () => {
    const { browser, form } = await signupForm(op);
    const sent = await browser.submit(form, {
      email: 'New.Person@Example.org',
      name: 'New Person',
      password: 'my own passphrase',
      confirm: 'my own passphrase',
    });
    expect(sent.status).toBe(200);
    expect(sent.doc.querySelector('h1')?.text).toBe('Check your email');
    await op.provider.accounts.jobs.drain();
    const mail = await sink.waitFor('new.person@example.org');
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.text).toContain('Hello New Person,');
    expect(mail.link).toMatch(/\/account\/verify\//);

    // Signed in before confirming: allowed by default, and the token says so.
    const early = await signIn(await rp(op), new BrowserSession(), cb, {
      username: 'new.person@example.org',
      password: 'my own passphrase',
    });
    expect(early.tokens.claims()).toMatchObject({ email: 'new.person@example.org', email_verified: false });

    const b = new BrowserSession();
    const first = await b.navigate(mail.link!);
    expect(first.status).toBe(200);
    expect(first.doc.querySelector('h1')?.text).toBe('Your email address is confirmed');
    const second = await b.navigate(mail.link!);
    expect(second.status).toBe(200);
    expect(second.doc.querySelector('h1')?.text).toBe('Already confirmed');

    const { tokens } = await signIn(await rp(op), new BrowserSession(), cb, {
      username: 'new.person@example.org',
      password: 'my own passphrase',
    });
    expect(tokens.claims()).toMatchObject({ email_verified: true, name: 'New Person' });
  });

  it('an address that has an account gets the same page; its owner is mailed a reset link', async () => {
    const before = await userCount(op);
    const { browser, form } = await signupForm(op);
    const sent = await browser.submit(form, {
      email: 'alice@example.com',
      name: 'Mallory',
      password: 'my own passphrase',
      confirm: 'my own passphrase',
    });
    expect(sent.status).toBe(200);
    expect(sent.doc.querySelector('h1')?.text).toBe('Check your email');
    await op.provider.accounts.jobs.drain();
    const mail = await sink.waitFor('alice@example.com');
    expect(mail.subject).toBe('You already have an account');
    expect(mail.link).toMatch(/\/account\/reset\//);
    expect(await userCount(op)).toBe(before);
  });

  it('bad input is a readable form error and creates nothing', async () => {
    const before = await userCount(op);
    const { browser, form } = await signupForm(op);
    const good = {
      email: 'odd@example.org',
      name: 'Odd',
      password: 'my own passphrase',
      confirm: 'my own passphrase',
    };
    const cases: [Record<string, string>, RegExp][] = [
      [{ email: 'ünicode@exämple.org' }, /ASCII/],
      [{ email: 'no-at-sign' }, /not an email address/],
      [{ name: 'x'.repeat(10_240) }, /too long/],
      [{ name: 'Nul\u0000Byte' }, /NUL/],
      [{ name: '' }, /Enter your name/],
      [{ password: '12345678', confirm: '12345678' }, /commonly used/],
      [{ password: 'short', confirm: 'short' }, /at least 8/],
      [{ password: 'x'.repeat(200), confirm: 'x'.repeat(200) }, /at most 128/],
      [{ confirm: 'something else' }, /not the same/],
      [{ password: 'odd@example.org', confirm: 'odd@example.org' }, /not your name/],
    ];
    for (const [change, message] of cases) {
      const r = await browser.submit(form, { ...good, ...change });
      expect(r.status, JSON.stringify(change).slice(0, 60)).toBe(400);
      expect(alert(r)).toMatch(message);
      // The form keeps what was typed (bounded) so it can be corrected.
      expect(r.doc.querySelector('input[name=email]')).toBeTruthy();
    }
    await op.provider.accounts.jobs.drain();
    expect(await userCount(op)).toBe(before);
    expect(await sink.to('odd@example.org')).toHaveLength(0);
  });

  it('a double submission creates one account and answers both', async () => {
    const before = await userCount(op);
    const { browser, form } = await signupForm(op);
    const fields = {
      email: 'twice@example.org',
      name: 'Twice',
      password: 'my own passphrase',
      confirm: 'my own passphrase',
    };
    const [a, b] = await Promise.all([browser.submit(form, fields), browser.submit(form, fields)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await op.provider.accounts.jobs.drain();
    expect(await userCount(op)).toBe(before + 1);
    expect(
      (await sink.to('twice@example.org')).filter((m) => m.subject === 'Confirm your email address'),
    ).toHaveLength(1);
  });

  it('resend sends a new link; sign-up and resend are throttled per address', async () => {
    const { browser, form } = await signupForm(op);
    const fields = {
      email: 'slow@example.org',
      name: 'Slow',
      password: 'my own passphrase',
      confirm: 'my own passphrase',
    };
    const sent = await browser.submit(form, fields);
    await op.provider.accounts.jobs.drain();
    const resent = await browser.submit(sent, {}, 'form[action$="/resend"]');
    expect(resent.status).toBe(200);
    await op.provider.accounts.jobs.drain();
    expect(
      (await sink.to('slow@example.org')).filter((m) => m.subject === 'Confirm your email address'),
    ).toHaveLength(2);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await browser.submit(sent, {}, 'form[action$="/resend"]')).status);
    expect(statuses).toContain(429);
    const signups: number[] = [];
    for (let i = 0; i < 7; i++) signups.push((await browser.submit(form, fields)).status);
    expect(signups).toContain(429);
  });

  it('a verification link expires', async () => {
    const { browser, form } = await signupForm(op);
    await browser.submit(form, {
      email: 'late@example.org',
      name: 'Late',
      password: 'my own passphrase',
      confirm: 'my own passphrase',
    });
    await op.provider.accounts.jobs.drain();
    const mail = await sink.waitFor('late@example.org');
    now += 25 * 3600_000;
    const page = await new BrowserSession().navigate(mail.link!);
    expect(page.status).toBe(400);
    expect(page.doc.querySelector('h1')?.text).toBe('This link does not work any more');
  });
});

describe('sign-up settings', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => sink?.stop());

  it('off (the default): no link on the login page, and the page is not there', async () => {
    const op = await start(sink, {});
    try {
      const { browser, page } = await loginPage(op);
      expect(page.doc.querySelector('a[href$="/signup"]')).toBeNull();
      expect(page.doc.querySelector('a[href$="/forgot"]')?.text).toBe('Forgot password?');
      expect((await browser.navigate(`${page.url}/signup`)).status).toBe(404);
    } finally {
      await op.close();
    }
  });

  it('allowed domains, and unverified accounts kept out until they confirm', async () => {
    const op = await start(sink, {
      signup: 'open',
      accounts: { response_floor_ms: 0, allowed_email_domains: ['corp.example'], unverified_sign_in: false },
    });
    try {
      const { browser, form } = await signupForm(op);
      const outside = await browser.submit(form, {
        email: 'x@gmail.example',
        password: 'my own passphrase',
        confirm: 'my own passphrase',
      });
      expect(outside.status).toBe(400);
      expect(alert(outside)).toMatch(/corp\.example/);
      await browser.submit(form, {
        email: 'in@corp.example',
        password: 'my own passphrase',
        confirm: 'my own passphrase',
      });
      await op.provider.accounts.jobs.drain();
      const mail = await sink.waitFor('in@corp.example');

      const { browser: b, page } = await loginPage(op);
      const refused = await b.submit(page, { username: 'in@corp.example', password: 'my own passphrase' });
      expect(refused.status).toBe(403);
      expect(alert(refused)).toMatch(/Confirm your email address first/);

      await new BrowserSession().navigate(mail.link!);
      const ok = await b.submit(refused, { username: 'in@corp.example', password: 'my own passphrase' });
      expect(ok.redirectTo).toMatch(/code=/);
    } finally {
      await op.close();
    }
  });
});
