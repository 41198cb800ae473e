import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.js';

const cb = 'http://localhost:5002/portal/callback';
const users = [
  { username: 'alice', password: 'alice-password', email: 'alice@example.com', name: 'Alice' },
  { username: 'bob', password: 'bob-password', email: 'bob@example.com', name: 'Bob' },
  { username: 'carol', password: 'carol-password', email: 'carol@example.com' },
  { username: 'dave', password: 'dave-password' },
];

/** What the API answers, loosely: a user, a page of users, or an error. */
interface ApiBody {
  [key: string]: unknown;
  id?: string;
  name?: string | null;
  username?: string;
  items?: { username: string; [key: string]: unknown }[];
  next?: string | null;
  sessions?: unknown[];
  consents?: unknown[];
  linked_accounts?: unknown[];
  error?: string;
  error_description?: string;
}

/** The user lifecycle through the management API (issue 14): invite, look up, list, disable, delete, and me. */
describe('user lifecycle API', () => {
  let op: TestProvider;
  let sink: SmtpSink;
  let receiver: Receiver;
  let admin: string;
  const rp = () =>
    discover({
      issuer: op.issuer,
      clientId: 'portal',
      clientSecret: 'portal-secret-0123456789',
      redirectUri: cb,
    });

  const api = async (method: string, path: string, body?: unknown, token = admin) => {
    const res = await fetch(`${op.issuer}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    receiver = await startReceiver();
    op = await startTestProvider({
      email: { smtp: sink.url, from: 'Adieu <no-reply@example.com>' },
      accounts: { response_floor_ms: 0 },
      clients: [
        {
          client_id: 'portal',
          client_secret: 'portal-secret-0123456789',
          redirect_uris: [cb],
          backchannel_logout_uri: receiver.url,
          grant_types: ['authorization_code', 'refresh_token'],
          scope: 'openid profile email account',
        },
        {
          client_id: 'ops',
          client_secret: 'ops-secret-0123456789',
          grant_types: ['client_credentials'],
          scope: 'admin',
        },
      ],
      users,
    });
    const res = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('ops:ops-secret-0123456789').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    });
    admin = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await op?.close();
    await sink?.stop();
    await receiver?.stop();
  });

  async function canSignIn(username: string, password: string): Promise<boolean> {
    const req = await authorizationRequest(await rp(), cb);
    const b = new BrowserSession();
    const page = await b.navigate(req.url.toString());
    const after = await b.submit(page, { username, password });
    return Boolean(after.redirectTo?.includes('code='));
  }

  it('invites by email: a set-password link that signs the person in and verifies the address', async () => {
    const invited = await api('POST', '/invitations', { email: 'Erin@Example.com', name: 'Erin' });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({
      username: 'erin@example.com',
      email: 'erin@example.com',
      email_verified: false,
      name: 'Erin',
      disabled: false,
    });
    expect(invited.body).not.toHaveProperty('password_hash');
    const mail = await sink.waitFor('erin@example.com');
    expect(mail.subject).toBe('You are invited to create your account');
    expect(mail.link).toMatch(new RegExp(`^${op.issuer}/account/invite/[A-Za-z0-9_-]{40,}$`));

    const b = new BrowserSession();
    const form = await b.navigate(mail.link!);
    expect(form.doc.querySelector('h1')?.text).toBe('Choose your password');
    const done = await b.submit(form, { password: 'erin passphrase 1', confirm: 'erin passphrase 1' });
    expect(done.doc.querySelector('h1')?.text).toBe('Your password is changed');
    expect(await canSignIn('erin@example.com', 'erin passphrase 1')).toBe(true);
    expect((await api('GET', '/users/erin@example.com')).body).toMatchObject({ email_verified: true });

    // The same address (any case) or a taken username is a conflict; bad input a readable 400.
    expect((await api('POST', '/invitations', { email: 'ERIN@example.com' })).status).toBe(409);
    expect((await api('POST', '/invitations', { email: 'x@example.com', username: 'alice' })).status).toBe(
      409,
    );
    const bad = await api('POST', '/invitations', { email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.body!.error_description).toMatch(/^email: /);
    expect(
      (await api('POST', '/invitations', { email: 'a@example.com', name: 'x'.repeat(10_000) })).status,
    ).toBe(400);
    expect((await api('POST', '/invitations', { email: 'nul\u0000@example.com' })).status).toBe(400);
    expect((await api('POST', '/invitations', {})).status).toBe(400);
    // Only admins invite.
    expect((await api('POST', '/invitations', { email: 'z@example.com' }, 'not-a-token')).status).toBe(401);
  });

  it('lists users with search and paging, and reads one', async () => {
    const first = await api('GET', '/users?limit=2');
    expect(first.status).toBe(200);
    expect(first.body!.items!.map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(first.body!.next).toBe('bob');
    const second = await api('GET', `/users?limit=2&after=${first.body!.next}`);
    expect(second.body!.items!.map((u) => u.username)).toEqual(['carol', 'dave']);
    const found = await api('GET', '/users?q=EXAMPLE.com');
    expect(found.body!.items!.map((u) => u.username)).toEqual(['alice', 'bob', 'carol', 'erin@example.com']);
    expect((await api('GET', '/users?q=100%25')).body!.items).toEqual([]);
    expect((await api('GET', '/users?limit=0')).status).toBe(400);
    const alice = await api('GET', '/users/alice');
    expect(alice.body).toMatchObject({ username: 'alice', email: 'alice@example.com', roles: [] });
    expect((await api('GET', `/users/${alice.body!.id!}`)).body!.username).toBe('alice');
    expect((await api('GET', '/users/nobody')).status).toBe(404);
  });

  it('disable ends the sessions (apps told, reason disabled) and refuses sign-in until enabled', async () => {
    const { tokens } = await signIn(await rp(), new BrowserSession(), cb, users[2]);
    const before = receiver.succeeded.length;
    expect((await api('POST', '/users/carol/disable')).status).toBe(204);
    const [got] = (await receiver.waitFor(before + 1)).slice(before);
    const { payload } = await verifyLogoutToken(got!.token, op.issuer, 'portal');
    expect(payload).toMatchObject({ sid: tokens.claims()!.sid, reason: 'disabled' });
    await expect(oidc.refreshTokenGrant(await rp(), tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await api('GET', '/users/carol')).body).toMatchObject({ disabled: true });
    expect(await canSignIn('carol', 'carol-password')).toBe(false);
    expect((await api('POST', '/users/carol/enable')).status).toBe(204);
    expect(await canSignIn('carol', 'carol-password')).toBe(true);
  });

  it('delete ends the sessions (reason account_deleted), revokes tokens and removes the personal data', async () => {
    const { tokens } = await signIn(await rp(), new BrowserSession(), cb, users[1], {
      scope: 'openid profile email account',
    });
    const bob = (await api('GET', '/users/bob')).body!;
    const bobId = bob.id!;
    const before = receiver.succeeded.length;
    expect((await api('DELETE', '/users/bob')).status).toBe(204);
    const [got] = (await receiver.waitFor(before + 1)).slice(before);
    const { payload } = await verifyLogoutToken(got!.token, op.issuer, 'portal');
    expect(payload).toMatchObject({ sub: bobId, sid: tokens.claims()!.sid, reason: 'account_deleted' });
    await expect(oidc.refreshTokenGrant(await rp(), tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Its access token no longer reaches the self-service API.
    expect((await api('GET', '/me', undefined, tokens.access_token)).status).toBeGreaterThanOrEqual(401);
    expect((await api('GET', '/users/bob')).status).toBe(404);
    expect(await op.provider.store.users.findByEmail('bob@example.com')).toBeUndefined();
    expect(await canSignIn('bob', 'bob-password')).toBe(false);
    // The logout record stays readable to admins, with the reason.
    const [logout] = await op.provider.store.logouts.listBySid(tokens.claims()!.sid as string);
    expect(logout).toMatchObject({ reason: 'account_deleted', user_id: bobId });
    expect((await api('DELETE', '/users/bob')).status).toBe(404);
    // The audit log names it.
    const audit = await api('GET', '/audit?action=user.delete');
    expect(audit.body!.items![0]).toMatchObject({ action: 'user.delete', target: { id: 'bob' } });
  });

  it('GET /me exports the caller’s own data; PATCH /me changes the name only', async () => {
    const { tokens } = await signIn(await rp(), new BrowserSession(), cb, users[0], {
      scope: 'openid profile email account',
    });
    const me = await api('GET', '/me', undefined, tokens.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      name: 'Alice',
      roles: [],
    });
    expect(me.body).not.toHaveProperty('password_hash');
    expect(me.body!.sessions).toEqual([
      expect.objectContaining({ sid: tokens.claims()!.sid, current: true }),
    ]);
    expect(me.body!.consents).toEqual([]);
    expect(me.body!.linked_accounts).toEqual([]);

    const renamed = await api('PATCH', '/me', { name: '  Alice Liddell ' }, tokens.access_token);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ username: 'alice', name: 'Alice Liddell' });
    expect((await api('GET', '/users/alice')).body!.name).toBe('Alice Liddell');
    const email = await api('PATCH', '/me', { email: 'eve@example.com' }, tokens.access_token);
    expect(email.status).toBe(400);
    expect(email.body!.error_description).toMatch(/^email: /);
    expect((await api('PATCH', '/me', { name: 'x'.repeat(10_000) }, tokens.access_token)).status).toBe(400);
    expect((await api('PATCH', '/me', { name: 'a\u0000b' }, tokens.access_token)).status).toBe(400);
    expect((await api('PATCH', '/me', { name: 42 }, tokens.access_token)).status).toBe(400);
    expect((await api('PATCH', '/me', { name: null }, tokens.access_token)).body!.name).toBeNull();

    // A token without the account scope, or an admin token, is not the user's.
    const plain = await signIn(await rp(), new BrowserSession(), cb, users[3]);
    const refused = await api('GET', '/me', undefined, plain.tokens.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body!.error).toBe('insufficient_scope');
    expect((await api('PATCH', '/me', { name: 'x' }, plain.tokens.access_token)).status).toBe(403);
    expect((await api('GET', '/me')).status).toBe(403);
  });

  it('documents every lifecycle operation in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${op.issuer}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/invitations']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/users/{user}']!).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/me']!).sort()).toEqual(['get', 'patch']);
    expect(doc.paths['/users']).toHaveProperty('get');
    expect(doc.paths['/users/{user}/disable']).toHaveProperty('post');
    expect(doc.paths['/users/{user}/enable']).toHaveProperty('post');
  });
});
