/**
 * Issue 18 ("Concurrency"): password hashes run in a bounded number of slots, so a burst of sign-ins cannot take
 * every core and every thread of libuv's pool from token requests. A sign-in that would wait too long for a slot
 * is answered at once, through the real login form: 503, Retry-After, a readable message on the same page, and
 * the attempt is not counted against the account or the address (no password was checked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as oidc from 'openid-client';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorize, authorizationRequest, discover, signIn } from '../../../test/support/oidc.js';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.js';
import { holdHashingSlots } from '../../../test/support/hashing.js';

const CB = 'http://localhost:5031/cb';
const SECRET = 'app-secret-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';
const ALICE = { username: 'alice', password: 'alice-password' };
const BOB = { username: 'bob', password: 'bob-password', email: 'bob@example.com', name: 'Bob' };
const BURST = 10;

let op: TestProvider;
let rp: oidc.Configuration;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  op = await startTestProvider({
    metrics: { enabled: true, bearer_token: METRICS_TOKEN },
    clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [CB] }],
    users: [ALICE, BOB],
    signup: 'open',
    email: { smtp: sink.url },
    accounts: { response_floor_ms: 0 },
    // One slot and a short wait: a hash of scrypt 2^14 takes tens of ms, so a burst of ten fills the wait at once.
    // The seed user's hash at start-up tells the slots how long a hash takes.
    login: {
      password_hash: 'scrypt',
      scrypt_log_n: 14,
      hash_concurrency: 1,
      hash_max_wait_seconds: 0.05,
      account_max_failures: 50,
    },
  });
  rp = await discover({ issuer: op.issuer, clientId: 'app', clientSecret: SECRET, redirectUri: CB });
});
afterAll(async () => {
  await op?.close();
  await sink?.stop();
});

/** One sample from the Prometheus text, by its name and labels as written (`name` or `name{label="value"}`). */
const metric = async (series: string): Promise<number> => {
  const res = await fetch(`${op.issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1] ?? NaN);
};

describe('password hashing slots', () => {
  it('answers a burst beyond the slots with 503 and Retry-After on the login page, and counts no failure for it', async () => {
    const pages = await Promise.all(
      Array.from({ length: BURST }, async () => {
        const browser = new BrowserSession();
        const { loginPage } = await authorize(browser, (await authorizationRequest(rp, CB)).url);
        return { browser, page: loginPage! };
      }),
    );
    const answers = await Promise.all(
      pages.map(({ browser, page }) =>
        browser.submit(page, { username: 'alice', password: 'not-her-password' }),
      ),
    );
    const checked = answers.filter((a) => a.status === 401);
    const refused = answers.filter((a) => a.status === 503);
    expect(checked.length + refused.length).toBe(BURST);
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const page of refused) {
      expect(Number(page.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(page.doc.querySelector('#login-error')?.text).toMatch(
        /^Many people are signing in right now\. Try again in (1 second|\d+ seconds)\.$/,
      );
      // The same form, ready to send again.
      expect(page.doc.querySelector('input[name=password]')).not.toBeNull();
    }

    // Only the checked passwords count against the account.
    const row = await op.provider.store.throttle.get('acct:alice');
    expect(row?.failures).toBe(checked.length);
    expect(await metric('adieu_password_hashes_refused_total')).toBe(refused.length);
    expect(await metric('adieu_logins_total{outcome="failed"}')).toBe(checked.length);
    // The burst is over: nothing runs or waits in the slots.
    expect(await metric('adieu_password_hashes{state="running"}')).toBe(0);
    expect(await metric('adieu_password_hashes{state="waiting"}')).toBe(0);

    // Once the burst is over the slots are free again: the right password signs in.
    const { tokens } = await signIn(rp, new BrowserSession(), CB, ALICE);
    expect(tokens.id_token).toBeTruthy();
  });

  it('a sign-up that finds no free slot gets its form back with what was typed, and is not lost', async () => {
    const browser = new BrowserSession();
    const { loginPage } = await authorize(browser, (await authorizationRequest(rp, CB)).url);
    const form = await browser.navigate(
      new URL(
        loginPage!.doc.querySelector('a[href$="/signup"]')!.getAttribute('href')!,
        loginPage!.url,
      ).toString(),
    );
    const typed = {
      email: 'carol@example.com',
      name: 'Carol',
      password: 'a long enough passphrase',
      confirm: 'a long enough passphrase',
    };
    const release = await holdHashingSlots(op);
    let refused;
    try {
      refused = await browser.submit(form, typed);
    } finally {
      await release();
    }
    // Told now, while the form is in front of them: not "check your email" for an account never made.
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.doc.querySelector('#form-error')?.text).toMatch(/^Many people are signing in right now\./);
    expect(refused.doc.querySelector('input[name=email]')?.getAttribute('value')).toBe(typed.email);
    expect(refused.doc.querySelector('input[name=name]')?.getAttribute('value')).toBe(typed.name);
    expect(refused.doc.querySelector('input[name=password]')?.getAttribute('value') ?? '').toBe('');
    await op.provider.accounts.jobs.drain();
    expect(await op.provider.store.users.findByEmail(typed.email)).toBeUndefined();

    // Sent again once the slots are free: the account is made and the mail sent.
    const sent = await browser.submit(refused, typed);
    expect(sent.status).toBe(200);
    await op.provider.accounts.jobs.drain();
    expect(await op.provider.store.users.findByEmail(typed.email)).toMatchObject({ name: 'Carol' });
    expect((await sink.waitFor(typed.email)).link).toMatch(/\/account\/verify\//);
  });

  it('a password reset that finds no free slot keeps its link usable', async () => {
    await op.provider.accounts.requestReset({ email: BOB.email }, '127.0.0.1');
    await op.provider.accounts.jobs.drain();
    const link = (await sink.waitFor(BOB.email)).link!;
    const browser = new BrowserSession();
    const form = await browser.navigate(link);
    expect(form.status).toBe(200);
    const release = await holdHashingSlots(op);
    let refused;
    try {
      refused = await browser.submit(form, { password: 'bob new passphrase', confirm: 'bob new passphrase' });
    } finally {
      await release();
    }
    expect(refused.status).toBe(503);
    expect(refused.doc.querySelector('#form-error')?.text).toMatch(/^Many people are signing in right now\./);
    // Nothing changed: the old password still works, and the same link sets the new one.
    expect(await op.provider.users.authenticate(BOB.username, BOB.password)).toBeTruthy();
    const changed = await browser.submit(refused, {
      password: 'bob new passphrase',
      confirm: 'bob new passphrase',
    });
    expect(changed.status).toBe(200);
    expect(changed.doc.querySelector('h1')?.text).toBe('Your password is changed');
    expect(await op.provider.users.authenticate(BOB.username, 'bob new passphrase')).toBeTruthy();
  });
});
