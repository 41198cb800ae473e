import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession, type Page } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.js';

const ALICE = { username: 'alice', password: 'alice-password', email: 'alice@example.com', name: 'Alice' };
const cb = 'http://localhost:5002/portal/callback';

describe('password reset by email', () => {
  let op: TestProvider;
  let sink: SmtpSink;
  let receiver: Receiver;
  let now = Date.now();
  const rp = () =>
    discover({
      issuer: op.issuer,
      clientId: 'portal',
      clientSecret: 'portal-secret-0123456789',
      redirectUri: cb,
    });

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startReceiver();
    op = await startTestProvider(
      {
        email: { smtp: sink.url, from: 'Adieu <no-reply@example.com>' },
        accounts: { response_floor_ms: 0 },
        clients: [
          {
            client_id: 'portal',
            client_secret: 'portal-secret-0123456789',
            redirect_uris: [cb],
            backchannel_logout_uri: receiver.url,
            grant_types: ['authorization_code', 'refresh_token'],
          },
        ],
        users: [ALICE, { username: 'bob', password: 'bob-password', email: 'bob@example.com' }],
      },
      { clock: () => now },
    );
  });
  afterAll(async () => {
    await op?.close();
    await sink?.stop();
    await receiver?.stop();
  });

  /** The login page of a fresh authorization request, in a fresh browser. */
  async function loginPage(browser = new BrowserSession()): Promise<{ browser: BrowserSession; page: Page }> {
    const req = await authorizationRequest(await rp(), cb);
    return { browser, page: await browser.navigate(req.url.toString()) };
  }

  async function requestReset(email: string, browser?: BrowserSession) {
    const { browser: b, page } = await loginPage(browser);
    const link = page.doc.querySelector('a[href$="/forgot"]');
    expect(link?.text).toBe('Forgot password?');
    const forgot = await b.navigate(new URL(link!.getAttribute('href')!, page.url).toString());
    expect(forgot.doc.querySelector('input[name=email]')).toBeTruthy();
    const answer = await b.submit(forgot, { email });
    await op.provider.accounts.jobs.drain();
    return { browser: b, answer };
  }

  it('mails a single-use link; the new password ends every session (password_changed) and refresh token', async () => {
    const first = new BrowserSession();
    const { tokens } = await signIn(await rp(), first, cb, ALICE);
    const before = receiver.succeeded.length;

    const { answer } = await requestReset('Alice@Example.com');
    expect(answer.status).toBe(200);
    expect(answer.doc.querySelector('h1')?.text).toBe('Check your email');
    const mail = await sink.waitFor('alice@example.com');
    expect(mail.subject).toBe('Reset your password');
    expect(mail.from).toContain('no-reply@example.com');
    expect(mail.text).toContain('Hello Alice,');
    expect(mail.link).toMatch(new RegExp(`^${op.issuer}/account/reset/[A-Za-z0-9_-]{40,}$`));
    expect(mail.html).toContain(`href="${mail.link}"`);
    // Only a digest is stored.
    const token = mail.link!.split('/').pop()!;
    const rows = await op.provider.store.db.selectFrom('account_tokens').selectAll().execute();
    expect(rows.some((r) => r.digest === token)).toBe(false);

    const b = new BrowserSession();
    const form = await b.navigate(mail.link!);
    expect(form.status).toBe(200);
    expect(form.doc.querySelector('h1')?.text).toBe('Choose a new password');

    const weak = await b.submit(form, { password: 'password1', confirm: 'password1' });
    expect(weak.status).toBe(400);
    expect(weak.doc.querySelector('[role=alert]')?.text).toMatch(/commonly used/);
    const mismatch = await b.submit(form, { password: 'a fresh passphrase', confirm: 'a fresh passphrase!' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.doc.querySelector('[role=alert]')?.text).toMatch(/not the same/);
    const short = await b.submit(form, { password: 'short', confirm: 'short' });
    expect(short.doc.querySelector('[role=alert]')?.text).toMatch(/at least 8/);

    const done = await b.submit(form, { password: 'a fresh passphrase', confirm: 'a fresh passphrase' });
    expect(done.status).toBe(200);
    expect(done.doc.querySelector('h1')?.text).toBe('Your password is changed');
    expect(done.body).toMatch(/One device was/);

    // The app of the first browser is told, with the reason.
    const [delivery] = (await receiver.waitFor(before + 1)).slice(before);
    const { payload } = await verifyLogoutToken(delivery!.token, op.issuer, 'portal');
    expect(payload.reason).toBe('password_changed');
    expect(payload.sid).toBe(tokens.claims()!.sid);
    // Its refresh token is dead.
    await expect(oidc.refreshTokenGrant(await rp(), tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // The link is single use: a second click and a second submission are answered, not obeyed.
    const again = await b.navigate(mail.link!);
    expect(again.status).toBe(410);
    expect(again.doc.querySelector('h1')?.text).toBe('This link was already used');
    const resubmit = await b.submit(form, { password: 'another passphrase', confirm: 'another passphrase' });
    expect(resubmit.status).toBe(410);

    // Old password out, new one in.
    const { browser: c, page } = await loginPage();
    expect((await c.submit(page, { username: 'alice', password: 'alice-password' })).status).toBe(401);
    const ok = await c.submit(page, { username: 'alice', password: 'a fresh passphrase' });
    expect(ok.redirectTo).toMatch(/code=/);
  });

  it('an unknown address gets the same answer and no mail', async () => {
    const count = (await sink.mails()).length;
    const { answer } = await requestReset('nobody@example.com');
    expect(answer.status).toBe(200);
    expect(answer.doc.querySelector('h1')?.text).toBe('Check your email');
    expect(answer.body).toContain('nobody@example.com');
    expect((await sink.mails()).length).toBe(count);
  });

  it('the link expires after 30 minutes', async () => {
    await requestReset('bob@example.com');
    const mail = await sink.waitFor('bob@example.com');
    now += 31 * 60_000;
    const b = new BrowserSession();
    const page = await b.navigate(mail.link!);
    expect(page.status).toBe(400);
    expect(page.doc.querySelector('h1')?.text).toBe('This link does not work any more');
    const post = await b.request(mail.link!, {
      form: { password: 'a fresh passphrase', confirm: 'a fresh passphrase' },
    });
    expect(post.status).toBe(400);
    const { browser, page: login } = await loginPage();
    expect((await browser.submit(login, { username: 'bob', password: 'bob-password' })).redirectTo).toMatch(
      /code=/,
    );
  });

  it('bad input gets a readable form error, never a 500', async () => {
    const { browser, page } = await loginPage();
    const forgot = await browser.navigate(`${page.url}/forgot`);
    for (const email of ['', 'not-an-email', 'ünï@example.com', 'a\u0000b@example.com', 'x'.repeat(10_000)]) {
      const r = await browser.submit(forgot, { email });
      expect(r.status, JSON.stringify(email.slice(0, 20))).toBe(400);
      expect(r.doc.querySelector('[role=alert]')?.text.length).toBeGreaterThan(5);
    }
    const bad = await browser.navigate(`${op.issuer}/account/reset/${'x'.repeat(300)}`);
    expect(bad.status).toBe(414);
    const nul = await browser.navigate(`${op.issuer}/account/reset/abc%00def`);
    expect(nul.status).toBe(400);
  });

  it('reset requests are throttled per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await requestReset('carol@example.com')).answer.status);
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
  });
});

describe('no response reveals whether an email is registered', () => {
  let op: TestProvider;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    op = await startTestProvider({
      email: { smtp: sink.url },
      login: { account_max_failures: 1000, ip_max_failures: 1000 },
      clients: [{ client_id: 'portal', client_secret: 'portal-secret-0123456789', redirect_uris: [cb] }],
      users: [{ username: 'dave', password: 'dave-password', email: 'dave@example.com' }],
    });
  });
  afterAll(async () => {
    await op?.close();
    await sink?.stop();
  });

  it('the median answer time for a known and an unknown address differs by less than 5 %', async () => {
    const b = new BrowserSession();
    const req = await authorizationRequest(
      await discover({
        issuer: op.issuer,
        clientId: 'portal',
        clientSecret: 'portal-secret-0123456789',
        redirectUri: cb,
      }),
      cb,
    );
    const login = await b.navigate(req.url.toString());
    const forgot = await b.navigate(`${login.url}/forgot`);
    const csrf = forgot.doc.querySelector('input[name=csrf]')!.getAttribute('value')!;
    const time = async (email: string) => {
      const t = performance.now();
      const res = await b.request(`${login.url}/forgot`, { form: { csrf, email } });
      expect(res.status).toBe(200);
      await res.text();
      return performance.now() - t;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    await time('warm-up@example.com');
    // Alternate which goes first, so neither kind always follows the other.
    for (let i = 0; i < 50; i++) {
      if (i % 2) {
        known.push(await time('dave@example.com'));
        unknown.push(await time(`nobody-${i}@example.com`));
      } else {
        unknown.push(await time(`nobody-${i}@example.com`));
        known.push(await time('dave@example.com'));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const diff = Math.abs(median(known) - median(unknown)) / Math.min(median(known), median(unknown));
    expect(diff).toBeLessThan(0.05);
    await op.provider.accounts.jobs.drain();
    expect(await sink.to('dave@example.com')).toHaveLength(50);
  }, 60_000);
});
