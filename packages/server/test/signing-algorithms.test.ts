import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestProvider, testDatabase, type TestProvider } from '../src/testing/index.js';
import { parseConfig } from '../src/config/load.js';
import { verifyLogoutToken } from '../../node/src/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';

// A deployment that offers ES256 beside RS256 (keys.algorithms), with ES256 access tokens: one app asks for ES256
// ID tokens, the other keeps the default.
const ALICE = { username: 'alice', password: 'alice-password' };
const IAT = 'initial-access-token-0123456789';
const ES_CB = 'http://localhost:5101/es/callback';
const RS_CB = 'http://localhost:5101/rs/callback';
const SECRET = 'es-app-secret-0123456789abcdef';

let op: TestProvider;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  op = await startTestProvider({
    keys: { algorithms: ['RS256', 'ES256'], access_token_alg: 'ES256' },
    registration: { initial_access_token: IAT },
    logout: { backchannel_backoff: { initial: 0.2, max: 1 } },
    clients: [
      {
        client_id: 'es-app',
        client_secret: SECRET,
        redirect_uris: [ES_CB],
        post_logout_redirect_uris: ['http://localhost:5101/es/'],
        id_token_signed_response_alg: 'ES256',
        backchannel_logout_uri: receiver.url,
        backchannel_logout_session_required: true,
      },
      { client_id: 'rs-app', client_secret: SECRET, redirect_uris: [RS_CB] },
    ],
    users: [{ ...ALICE, email: 'alice@example.com' }],
  });
});
afterAll(async () => {
  await op?.close();
  await receiver?.stop();
});

/** openid-client for a client of `op`, told which alg its ID tokens come in (RS256 unless said). */
function rp(clientId: string, idTokenAlg?: string, issuer = op.issuer, secret = SECRET) {
  return oidc.discovery(
    new URL(issuer),
    clientId,
    { client_secret: secret, ...(idTokenAlg ? { id_token_signed_response_alg: idTokenAlg } : {}) },
    oidc.ClientSecretBasic(secret),
    { execute: [oidc.allowInsecureRequests] },
  );
}

const algOf = (jwt: string) => decodeProtectedHeader(jwt).alg;

/** POST /register with the initial access token. */
const register = (issuer: string, body: unknown) =>
  fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${IAT}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** What discovery lists as the ID token algorithms. */
const discoveredAlgs = async (issuer: string) =>
  ((await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>)
    .id_token_signing_alg_values_supported;
const ADMIN = 'admin-secret-0123456789abcdef';

/** A registered app's sign-in (login when asked, then its consent page): the authorization request and callback. */
async function codeAfterConsent(
  config: oidc.Configuration,
  browser: BrowserSession,
  credentials?: { username: string; password: string },
) {
  const req = await authorizationRequest(config, ES_CB);
  let page = await browser.navigate(req.url.toString());
  if (credentials) page = await browser.submit(page, credentials);
  const allowed = page.redirectTo ? page : await browser.submit(page, { decision: 'allow' });
  return { req, callback: new URL(allowed.redirectTo!) };
}

function exchange(
  config: oidc.Configuration,
  { req, callback }: Awaited<ReturnType<typeof codeAfterConsent>>,
) {
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    expectedNonce: req.nonce,
  });
}

describe('signing algorithms: RS256 always, ES256 when the deployment offers it', () => {
  it('discovery lists both, and the JWKS holds one RSA and one P-256 key with distinct kids', async () => {
    expect(await discoveredAlgs(op.issuer)).toEqual(['RS256', 'ES256']);
    const { keys } = (await (await fetch(`${op.issuer}/jwks`)).json()) as { keys: Record<string, string>[] };
    expect(keys.map((k) => [k.kty, k.alg, k.use]).sort()).toEqual([
      ['EC', 'ES256', 'sig'],
      ['RSA', 'RS256', 'sig'],
    ]);
    expect(keys.find((k) => k.kty === 'EC')!.crv).toBe('P-256');
    expect(new Set(keys.map((k) => k.kid)).size).toBe(2);
    // Never a private part.
    for (const k of keys) expect(k.d).toBeUndefined();
  });

  it("signs each app's ID tokens with its own alg and every access token with keys.access_token_alg", async () => {
    const browser = new BrowserSession();
    const es = await signIn(await rp('es-app', 'ES256'), browser, ES_CB, ALICE);
    expect(algOf(es.tokens.id_token!)).toBe('ES256');
    expect(algOf(es.tokens.access_token)).toBe('ES256');
    // The kid names the published EC key, and jose verifies it against the JWKS as any RP would.
    const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
    const verified = await jwtVerify(es.tokens.id_token!, jwks, { issuer: op.issuer, audience: 'es-app' });
    expect(verified.protectedHeader.alg).toBe('ES256');
    expect(verified.payload.at_hash).toBeTruthy();

    // The other app, by SSO in the same browser: RS256 ID token, ES256 access token.
    const rs = await signIn(await rp('rs-app'), browser, RS_CB);
    expect(rs.continuedAs ?? true).toBeTruthy();
    expect(algOf(rs.tokens.id_token!)).toBe('RS256');
    expect(algOf(rs.tokens.access_token)).toBe('ES256');
    expect(rs.tokens.claims()!.sid).toBe(es.tokens.claims()!.sid);

    // A resource server's calls take the ES256 access token.
    const info = await oidc.fetchUserInfo(
      await rp('es-app', 'ES256'),
      es.tokens.access_token,
      es.tokens.claims()!.sub,
    );
    expect(info.email).toBe('alice@example.com');
    const introspection = await oidc.tokenIntrospection(await rp('rs-app'), rs.tokens.access_token);
    expect(introspection.active).toBe(true);

    // Refresh keeps the app's alg.
    const refreshed = await oidc.refreshTokenGrant(await rp('es-app', 'ES256'), es.tokens.refresh_token!);
    expect(algOf(refreshed.id_token!)).toBe('ES256');
  });

  it("takes an ES256 id_token_hint, and the app's logout token is ES256, which @adieu/node's verifyLogoutToken accepts when told to", async () => {
    const browser = new BrowserSession();
    const { tokens } = await signIn(await rp('es-app', 'ES256'), browser, ES_CB, ALICE);
    const sid = tokens.claims()!.sid as string;
    const before = receiver.succeeded.length;
    const url = oidc.buildEndSessionUrl(await rp('es-app', 'ES256'), {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://localhost:5101/es/',
    });
    const receipt = await browser.navigate(url.href);
    expect(receipt.status).toBe(200);
    // A valid hint: no confirmation asked.
    expect(receipt.body).not.toContain('name="confirm"');
    const got = (await receiver.waitFor(before + 1)).at(-1)!;
    expect(got.header.alg).toBe('ES256');
    const keys = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
    const claims = await verifyLogoutToken(got.token, {
      issuer: op.issuer,
      audience: 'es-app',
      keys,
      algorithms: ['ES256'],
    });
    expect(claims.sid).toBe(sid);
    // verifyLogoutToken on its own, which has no discovery to follow, takes RS256 unless told (the SDK's receiver
    // follows discovery: packages/node/test/es256-app.test.ts).
    await expect(
      verifyLogoutToken(got.token, { issuer: op.issuer, audience: 'es-app', keys }),
    ).rejects.toThrow();
  });

  it('registration takes ES256 here and refuses an alg Adieu never signs with', async () => {
    const ok = await register(op.issuer, { redirect_uris: [ES_CB], id_token_signed_response_alg: 'ES256' });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as Record<string, unknown>).id_token_signed_response_alg).toBe('ES256');
    for (const alg of ['HS256', 'none', 'EdDSA']) {
      const bad = await register(op.issuer, { redirect_uris: [ES_CB], id_token_signed_response_alg: alg });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_client_metadata');
    }
  });
});

describe('an algorithm the deployment does not offer', () => {
  it('is refused in the config, with the key that names it', () => {
    const base = { issuer: 'http://localhost:9' };
    const client = { client_id: 'a', client_secret: SECRET, redirect_uris: [ES_CB] };
    expect(() =>
      parseConfig({ ...base, clients: [{ ...client, id_token_signed_response_alg: 'ES256' }] }),
    ).toThrow(/clients\.0\.id_token_signed_response_alg: ES256 is not in keys\.algorithms/);
    expect(() => parseConfig({ ...base, keys: { access_token_alg: 'ES256' } })).toThrow(
      /keys\.access_token_alg: ES256 is not in keys\.algorithms/,
    );
    expect(() => parseConfig({ ...base, keys: { algorithms: ['ES256'] } })).toThrow(
      /keys\.algorithms: must contain RS256/,
    );
    expect(() => parseConfig({ ...base, keys: { algorithms: ['RS256', 'EdDSA'] as never } })).toThrow(
      /keys\.algorithms/,
    );
  });

  it('is refused at registration; a client that asked for it before is refused at sign-in and at the code exchange, not given a token, and its logout delivery says why', async () => {
    const db = testDatabase();
    const receiver = await startReceiver();
    const settings = {
      registration: { initial_access_token: IAT, allow_private_network: true },
      admin: { bearer_secret: ADMIN },
      users: [ALICE],
    };
    const both = await startTestProvider(
      { ...settings, keys: { algorithms: ['RS256', 'ES256'] } },
      { database: db.url },
    );
    const browser = new BrowserSession();
    let client: { client_id: string; client_secret: string };
    let pending: Awaited<ReturnType<typeof codeAfterConsent>>;
    try {
      const res = await register(both.issuer, {
        redirect_uris: [ES_CB],
        id_token_signed_response_alg: 'ES256',
        backchannel_logout_uri: receiver.url,
      });
      expect(res.status).toBe(201);
      client = (await res.json()) as typeof client;
      // Signed in while ES256 was offered: the app takes part in Alice's session.
      const config = await rp(client.client_id, 'ES256', both.issuer, client.client_secret);
      const first = await codeAfterConsent(config, browser, ALICE);
      expect(algOf((await exchange(config, first)).id_token!)).toBe('ES256');
      // A second code, issued now and redeemed after the change below.
      pending = await codeAfterConsent(config, browser);
      expect(pending.callback.searchParams.get('code')).toBeTruthy();
    } finally {
      await both.close();
    }
    // The operator takes ES256 out of keys.algorithms and restarts on the same store.
    const rsOnly = await startTestProvider(settings, {
      database: db.url,
      issuer: both.issuer,
      port: Number(new URL(both.issuer).port),
    });
    try {
      expect(await discoveredAlgs(rsOnly.issuer)).toEqual(['RS256']);
      const res = await register(rsOnly.issuer, {
        redirect_uris: [ES_CB],
        id_token_signed_response_alg: 'ES256',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });

      // A new sign-in is refused before it starts: the app hears why at its redirect URI, and no code comes.
      const config = await rp(client.client_id, 'ES256', rsOnly.issuer, client.client_secret);
      const refused = await codeAfterConsent(config, browser);
      expect(refused.callback.origin + refused.callback.pathname).toBe(ES_CB);
      expect(refused.callback.searchParams.get('error')).toBe('unauthorized_client');
      expect(refused.callback.searchParams.get('error_description')).toMatch(/ES256 ID tokens/);
      expect(refused.callback.searchParams.get('state')).toBe(refused.req.state);
      expect(refused.callback.searchParams.get('code')).toBeNull();
      // The code issued before the change: the exchange says why no token comes.
      const error = await exchange(config, pending).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(oidc.ResponseBodyError);
      expect((error as oidc.ResponseBodyError).error).toBe('unauthorized_client');
      expect((error as oidc.ResponseBodyError).status).toBe(400);

      // Alice signs out: the app's back-channel delivery is not sent in an alg it would refuse, and the logout's
      // report says why.
      const confirm = await browser.navigate(`${rsOnly.issuer}/end_session`);
      expect((await browser.submit(confirm, { confirm: 'yes' })).status).toBe(200);
      const admin = (path: string) =>
        fetch(`${rsOnly.issuer}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }).then(
          (r) => r.json() as Promise<Record<string, unknown>>,
        );
      await expect
        .poll(async () => {
          const { items } = (await admin(`/api/v1/logouts/search?client_id=${client.client_id}`)) as {
            items: { id: string }[];
          };
          if (!items[0]) return undefined;
          const rows = (await admin(`/api/v1/logouts/${items[0].id}/deliveries`)) as unknown as {
            status: string;
            history: { error: string }[];
          }[];
          return rows[0] && { status: rows[0].status, error: rows[0].history[0]?.error };
        })
        .toEqual({
          status: 'rejected',
          error: 'the client asks for ES256 tokens, which keys.algorithms does not offer',
        });
      expect(receiver.received).toHaveLength(0);
      // The client doctor names the problem instead of sending test tokens the app would refuse.
      const doctor = await fetch(`${rsOnly.issuer}/api/v1/clients/${client.client_id}/doctor`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(doctor.status).toBe(200);
      const report = (await doctor.json()) as { ok: boolean; problems: { check: string }[] };
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.check)).toContain('alg_not_offered');
      expect(receiver.received).toHaveLength(0);
    } finally {
      await rsOnly.close();
      await receiver.stop();
      await db.cleanup();
    }
  });
});

describe('the CLI with two algorithms', () => {
  it('doctor names both signing keys, and keys rotate publishes one new key per algorithm', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adieu-algs-'));
    try {
      const config = join(dir, 'adieu.json');
      writeFileSync(
        config,
        JSON.stringify({
          issuer: 'http://localhost:9',
          database: `sqlite:${join(dir, 'adieu.db')}`,
          keys: { algorithms: ['RS256', 'ES256'] },
        }),
      );
      const bin = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
      const adieu = (...args: string[]) =>
        execFileSync(process.execPath, [bin, ...args, '--config', config], {
          encoding: 'utf8',
          env: { ...process.env, ADIEU_LOG_LEVEL: 'error' },
        });
      // The default algorithm's line reads as it did with one algorithm.
      expect(adieu('doctor')).toMatch(/\nsigning key: \S+\nsigning key \(ES256\): \S+\n/);
      const signing = (list: string) => list.split('\n').filter((l) => / signing /.test(l));
      expect(
        signing(adieu('keys', 'list'))
          .map((l) => l.split(/\s+/)[1])
          .sort(),
      ).toEqual(['ES256', 'RS256']);
      const published = adieu('keys', 'rotate', '--now').trim().split('\n');
      expect(published).toHaveLength(2);
      for (const line of published) expect(line).toMatch(/^published key \S+; it signs from /);
      const after = signing(adieu('keys', 'list'));
      expect(after).toHaveLength(2);
      expect(after.map((l) => l.split(/\s+/)[0]).sort()).toEqual(
        published.map((l) => /^published key (\S+);/.exec(l)![1]).sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
