/**
 * Two real provider processes (`adieu start --config FILE`) on one PostgreSQL schema, with the same issuer and
 * configuration on two ports: whatever process a request reaches, the provider behaves as one. A load balancer is
 * played by the test choosing the port; openid-client (the RP) sees one issuer throughout.
 *
 * Sign in on process 1, exchange the code on process 2, refresh on process 1, call userinfo on process 2; SSO
 * carries across; refresh-token reuse is caught across processes; a logout on one process is honoured by the
 * other. Both stop cleanly on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CHEAP_PASSWORD_HASHES, freePort, testDatabase } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, authorize, discover, oidc } from '../../../test/support/oidc.js';
import { hasPostgres } from '../../../test/support/env.js';
import { dropTestSchemas } from './support/schemas.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/server/bin/adieu.js');
const WEB_CB = 'http://localhost:4201/cb';
const WEB_SECRET = 'web-secret-for-two-processes-0123';
const ALICE = { username: 'alice', password: 'alice-password' };

interface ProviderProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `adieu start --config FILE`; ready when discovery answers 200 on its port. */
async function startProcess(configFile: string, port: number): Promise<ProviderProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, ADIEU_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`provider on ${port} exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`provider on ${port} did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, child, output: () => out, exited };
}

/** The same client configuration, but its requests go to another process (what a load balancer does). */
function viaPort(config: oidc.Configuration, port: number): oidc.Configuration {
  const meta = { ...config.serverMetadata() } as Record<string, unknown>;
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v === 'string' && (k.endsWith('_endpoint') || k === 'jwks_uri')) {
      const u = new URL(v);
      u.port = String(port);
      meta[k] = u.toString();
    }
  }
  const other = new oidc.Configuration(
    meta as unknown as oidc.ServerMetadata,
    config.clientMetadata().client_id,
    WEB_SECRET,
    oidc.ClientSecretBasic(WEB_SECRET),
  );
  oidc.allowInsecureRequests(other);
  return other;
}

const postgres = hasPostgres();

describe.skipIf(!postgres)('two provider processes on one PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adieu-multi-'));
  let one: ProviderProcess | undefined;
  let two: ProviderProcess | undefined;
  let issuer = '';
  let database = '';

  beforeAll(async () => {
    // The processes run the compiled provider: build it first (incremental, quick when up to date).
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/server'],
      {
        cwd: ROOT,
      },
    );
    const [port1, port2] = [await freePort(), await freePort()];
    issuer = `http://localhost:${port1}`;
    database = testDatabase('postgres').url;
    const config = (port: number) => {
      const file = join(dir, `adieu-${port}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          issuer,
          port,
          host: '127.0.0.1',
          database,
          login: CHEAP_PASSWORD_HASHES,
          clients: [
            { client_id: 'web', client_secret: WEB_SECRET, redirect_uris: [WEB_CB], client_name: 'Web' },
          ],
          users: [{ ...ALICE, name: 'Alice', email: 'alice@example.com' }],
        }),
      );
      return file;
    };
    // Both start at once on an empty schema, as a deployment of N instances does.
    [one, two] = await Promise.all([startProcess(config(port1), port1), startProcess(config(port2), port2)]);
  });

  afterAll(async () => {
    for (const p of [one, two]) {
      if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
    await Promise.all([one?.exited, two?.exited]);
    rmSync(dir, { recursive: true, force: true });
    await dropTestSchemas([database]);
  });

  it('authorize on 1, token on 2, refresh on 1, userinfo on 2; SSO and reuse detection across processes; logout on 2 is honoured by 1', async () => {
    const web1 = await discover({ issuer, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_CB });
    const web2 = viaPort(web1, two!.port);
    expect(web2.serverMetadata().token_endpoint).toBe(`http://localhost:${two!.port}/token`);
    // The second process answers for the same issuer.
    const disco2 = (await (
      await fetch(`http://127.0.0.1:${two!.port}/.well-known/openid-configuration`)
    ).json()) as {
      issuer: string;
    };
    expect(disco2.issuer).toBe(issuer);

    // Sign in on process 1.
    const browser = new BrowserSession();
    const req = await authorizationRequest(web1, WEB_CB);
    const { callback, loginShown } = await authorize(browser, req.url, ALICE);
    expect(loginShown).toBe(true);

    // Exchange the code on process 2.
    const tokens = await oidc.authorizationCodeGrant(web2, callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(issuer);
    expect(claims.sid).toBeTruthy();
    // The code is single use on every process.
    await expect(
      oidc.authorizationCodeGrant(web1, callback, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    // Refresh on process 1 (the code replay above revoked that family: sign in again silently for a fresh one).
    const req2 = await authorizationRequest(web2, WEB_CB, { prompt: 'none' });
    const silent = await authorize(browser, req2.url);
    expect(silent.loginShown).toBe(false); // SSO: the session made on process 1 is known to process 2
    const fresh = await oidc.authorizationCodeGrant(web2, silent.callback, {
      pkceCodeVerifier: req2.verifier,
      expectedState: req2.state,
      expectedNonce: req2.nonce,
    });
    expect(fresh.claims()!.sid).toBe(claims.sid);
    const refreshed = await oidc.refreshTokenGrant(web1, fresh.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.claims()?.sid).toBe(claims.sid);

    // Userinfo on process 2 with the access token minted by process 1.
    const info = await oidc.fetchUserInfo(web2, refreshed.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email: 'alice@example.com' });

    // Rotation state is shared: replaying the rotated token on process 2 revokes the family everywhere.
    const again = await oidc.refreshTokenGrant(web2, refreshed.refresh_token!);
    await expect(oidc.refreshTokenGrant(web2, fresh.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.refreshTokenGrant(web1, again.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // A last family, to see logout reach it.
    const req3 = await authorizationRequest(web1, WEB_CB, { prompt: 'none' });
    const third = await authorize(browser, req3.url);
    const live = await oidc.authorizationCodeGrant(web1, third.callback, {
      pkceCodeVerifier: req3.verifier,
      expectedState: req3.state,
      expectedNonce: req3.nonce,
    });

    // Log out on process 2 (with the ID token as proof of intent).
    const logout = await browser.navigate(
      `http://localhost:${two!.port}/end_session?${new URLSearchParams({ id_token_hint: live.id_token! })}`,
    );
    expect(logout.status).toBe(200);

    // Process 1 honours it: no silent sign-in, no refresh, no userinfo.
    const req4 = await authorizationRequest(web1, WEB_CB, { prompt: 'none' });
    const none = await authorize(browser, req4.url);
    expect(none.callback.searchParams.get('error')).toBe('login_required');
    expect(none.callback.searchParams.get('state')).toBe(req4.state);
    await expect(oidc.refreshTokenGrant(web1, live.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.fetchUserInfo(web1, live.access_token, claims.sub)).rejects.toBeTruthy();
    const introspection = await oidc.tokenIntrospection(web1, live.access_token);
    expect(introspection.active).toBe(false);
  });

  /** POST the same token request to both processes at once, several times each. */
  async function race(form: Record<string, string>) {
    const auth = `Basic ${Buffer.from(`web:${WEB_SECRET}`).toString('base64')}`;
    const ports = [one!.port, two!.port, one!.port, two!.port, one!.port, two!.port];
    return Promise.all(
      ports.map(async (port) => {
        const res = await fetch(`http://127.0.0.1:${port}/token`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form),
        });
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      }),
    );
  }

  /** Is this refresh token still usable / this access token still active, as either process sees it? */
  async function refreshWorks(config: oidc.Configuration, token: string) {
    return oidc.refreshTokenGrant(config, token).then(
      () => true,
      () => false,
    );
  }

  it('the same code raced on both processes: one exchange wins, and its tokens are revoked (a replay)', async () => {
    const web1 = await discover({ issuer, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_CB });
    for (let round = 0; round < 3; round++) {
      const req = await authorizationRequest(web1, WEB_CB);
      const { callback } = await authorize(new BrowserSession(), req.url, ALICE);
      const results = await race({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: WEB_CB,
        code_verifier: req.verifier,
      });
      const won = results.filter((r) => r.status === 200);
      expect(won).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
      // RFC 6749 §4.1.2: a code used more than once revokes what it issued, however close the uses were.
      const winner = won[0]!.body;
      expect(await refreshWorks(web1, winner.refresh_token!)).toBe(false);
      expect((await oidc.tokenIntrospection(viaPort(web1, two!.port), winner.access_token!)).active).toBe(
        false,
      );
    }
  });

  it('the same refresh token raced on both processes: reuse is detected and the whole family dies', async () => {
    const web1 = await discover({ issuer, clientId: 'web', clientSecret: WEB_SECRET, redirectUri: WEB_CB });
    for (let round = 0; round < 3; round++) {
      const req = await authorizationRequest(web1, WEB_CB);
      const { callback } = await authorize(new BrowserSession(), req.url, ALICE);
      const tokens = await oidc.authorizationCodeGrant(web1, callback, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      });
      const results = await race({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
      // Whatever a racer got back belongs to a family in which reuse was seen: none of it may stay usable.
      for (const r of results.filter((x) => x.status === 200)) {
        expect(await refreshWorks(web1, r.body.refresh_token!)).toBe(false);
        expect((await oidc.tokenIntrospection(web1, r.body.access_token!)).active).toBe(false);
      }
    }
  });

  it('both processes stop cleanly on SIGTERM', async () => {
    for (const p of [one!, two!]) {
      p.child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000).unref());
      const result = await Promise.race([p.exited, timeout]);
      expect(result, `process on ${p.port} did not exit after SIGTERM:\n${p.output()}`).toEqual({
        code: 0,
        signal: null,
      });
      // Nothing went wrong on the way: no error was logged by either process during the whole run.
      expect(p.output()).not.toMatch(/"level":(50|60)/);
    }
  });
});
