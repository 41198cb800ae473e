import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { createAdieu, backchannelLogout } from '../../node/src/index.js';
import {
  CHEAP_PASSWORD_HASHES,
  freePort,
  startTestProvider,
  type TestProvider,
} from '../src/testing/index.js';
import { main } from '../src/cli.js';
import { framingVerdict } from '../src/admin/doctor/framing.js';
import type { DoctorReport } from '../src/admin/doctor/index.js';
import { testCert } from '../../../test/e2e/support/certs.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => Promise<void> | void;

async function listen(handler: Handler, https = false): Promise<{ url: string; server: Server }> {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    await handler(req, body, res);
  };
  const cert = testCert();
  const server = https
    ? createHttpsServer({ cert: cert.cert, key: cert.key }, (q, s) => void serve(q, s))
    : createServer((q, s) => void serve(q, s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { url: `${https ? 'https' : 'http'}://127.0.0.1:${port}`, server };
}

const SECRET = 'doctor-admin-secret-0123456789';
let op: TestProvider;
const servers: Server[] = [];

/** A correct receiver: @adieu/node's back-channel handler, and a framable front-channel page. */
async function correctApp(issuer: string, clientId: string, frontHeaders: Record<string, string> = {}) {
  const adieu = createAdieu({
    issuer,
    clientId,
    clientSecret: 'x'.repeat(32),
    baseUrl: 'http://127.0.0.1',
    allowInsecureRequests: true,
  });
  const app = await listen(async (req, body, res) => {
    if (req.method === 'POST') {
      const alg = (() => {
        try {
          return decodeProtectedHeader(new URLSearchParams(body).get('logout_token') ?? '').alg;
        } catch {
          return undefined;
        }
      })();
      // The deliberately broken receiver trusts unsigned tokens and checks nothing else for them.
      if (clientId === 'accepts-none' && alg === 'none') {
        res.writeHead(200).end();
        return;
      }
      const r = await backchannelLogout(adieu, { contentType: req.headers['content-type'], body });
      res.writeHead(r.status, r.headers).end(r.body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html', ...frontHeaders }).end('<p>signed out</p>');
  });
  servers.push(app.server);
  return app.url;
}

beforeAll(async () => {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const good = await correctApp(issuer, 'good');
  const none = await correctApp(issuer, 'accepts-none');
  const deny = await correctApp(issuer, 'deny-frame', {
    'x-frame-options': 'DENY',
    'set-cookie': 'app_sid=1; Path=/; HttpOnly; SameSite=Lax',
  });
  const yes = await listen((_req, _body, res) => void res.writeHead(200).end('ok'));
  const tls = await listen((_req, _body, res) => void res.writeHead(200).end('ok'), true);
  const moved = await listen((_req, _body, res) => void res.writeHead(302, { location: `${good}/b` }).end());
  servers.push(yes.server, tls.server, moved.server);
  const client = (client_id: string, extra: Record<string, unknown>) => ({
    client_id,
    client_secret: 'x'.repeat(32),
    redirect_uris: [
      `${typeof extra.frontchannel_logout_uri === 'string' ? new URL(extra.frontchannel_logout_uri).origin : 'http://127.0.0.1:1'}/cb`,
    ],
    ...extra,
  });
  op = await startTestProvider(
    {
      admin: { bearer_secret: SECRET },
      clients: [
        client('good', { backchannel_logout_uri: `${good}/b`, frontchannel_logout_uri: `${good}/f` }),
        client('accepts-none', { backchannel_logout_uri: `${none}/b` }),
        client('deny-frame', { backchannel_logout_uri: `${deny}/b`, frontchannel_logout_uri: `${deny}/f` }),
        client('accepts-all', { backchannel_logout_uri: `${yes.url}/b` }),
        client('bad-tls', { backchannel_logout_uri: `${tls.url}/b` }),
        client('redirects', { backchannel_logout_uri: `${moved.url}/b` }),
        client('silent', {}),
      ],
    },
    { port },
  );
});

afterAll(async () => {
  await op?.close();
  for (const s of servers) s.close();
});

async function doctor(clientId: string): Promise<DoctorReport> {
  const res = await fetch(`${op.issuer}/api/v1/clients/${clientId}/doctor`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as DoctorReport;
}

const checks = (r: DoctorReport) => r.problems.map((p) => p.check).sort();

describe('the logout doctor (POST /api/v1/clients/{id}/doctor)', () => {
  it('finds nothing wrong with a correct receiver (@adieu/node): the test token is taken, every bad one gets 400', async () => {
    const r = await doctor('good');
    expect(r.problems).toEqual([
      expect.objectContaining({ check: 'backchannel_not_https', severity: 'warning' }),
    ]);
    expect(r.ok).toBe(true);
    const b = r.backchannel!;
    expect(b.test.ok).toBe(true);
    expect(b.test.answer).toMatchObject({ status: 200, headers: { 'cache-control': 'no-store' } });
    expect(b.test.answer!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(b.negatives.map((n) => [n.name, n.status, n.verdict])).toEqual([
      ['alg_none', 400, 'rejected'],
      ['wrong_aud', 400, 'rejected'],
      ['wrong_iss', 400, 'rejected'],
      ['bad_signature', 400, 'rejected'],
      ['expired', 400, 'rejected'],
      ['with_nonce', 400, 'rejected'],
      ['missing_events', 400, 'rejected'],
      ['replayed_jti', 400, 'rejected'],
    ]);
    expect(r.frontchannel).toMatchObject({
      answer: { status: 200 },
      framing: { blocked: false },
      transport: { redirects: [] },
    });
    expect(r.frontchannel!.fetched).toMatch(/\?iss=.*&sid=adieu-doctor-/);
  });

  it('names the one bad token a broken receiver accepts: alg none', async () => {
    const r = await doctor('accepts-none');
    expect(r.ok).toBe(false);
    expect(checks(r)).toEqual(['accepts_alg_none', 'backchannel_not_https']);
    expect(r.problems.find((p) => p.check === 'accepts_alg_none')!.message).toMatch(/alg: none/);
  });

  it('reports every bad token by name when a receiver accepts anything', async () => {
    const r = await doctor('accepts-all');
    expect(checks(r)).toEqual(
      [
        'accepts_alg_none',
        'accepts_bad_signature',
        'accepts_expired',
        'accepts_missing_events',
        'accepts_replayed_jti',
        'accepts_with_nonce',
        'accepts_wrong_aud',
        'accepts_wrong_iss',
        'backchannel_not_https',
      ].sort(),
    );
  });

  it('a front-channel page that sends X-Frame-Options: DENY is reported as unframable, with its cookie SameSite', async () => {
    const r = await doctor('deny-frame');
    // The provider (localhost) and the app (127.0.0.1) are different sites, so a Lax cookie is not sent to the frame.
    expect(checks(r)).toEqual([
      'backchannel_not_https',
      'frontchannel_cookie_samesite',
      'frontchannel_x_frame_options',
    ]);
    expect(r.frontchannel!.framing).toMatchObject({ blocked: true, by: 'x-frame-options', value: 'DENY' });
    expect(r.frontchannel!.cookies).toEqual([{ name: 'app_sid', same_site: 'Lax', secure: false }]);
  });

  it('reports an untrusted certificate, a redirect, and a client without logout URIs', async () => {
    const tls = await doctor('bad-tls');
    expect(checks(tls)).toEqual(['backchannel_tls_invalid']);
    expect(tls.backchannel!.transport.tls).toBe('invalid');
    const moved = await doctor('redirects');
    expect(checks(moved)).toContain('backchannel_redirects');
    expect(moved.backchannel!.transport.redirects[0]!.status).toBe(302);
    expect(checks(await doctor('silent'))).toEqual(['no_logout_uri']);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${op.issuer}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.paths['/clients/{client}/doctor']).toHaveProperty('post');
    expect(doc.components.schemas).toHaveProperty('DoctorReport');
  });

  it('needs an admin token, and answers 404 for an unknown client', async () => {
    const anon = await fetch(`${op.issuer}/api/v1/clients/good/doctor`, { method: 'POST' });
    expect(anon.status).toBe(401);
    const missing = await fetch(`${op.issuer}/api/v1/clients/nobody/doctor`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('adieu doctor --client ID', () => {
  it('prints the report with each problem by name and exits 2 when one is an error', async () => {
    const file = join(op.database.replace(/^sqlite:/, '').replace(/adieu\.db$/, ''), 'adieu.json');
    writeFileSync(file, JSON.stringify(configOf(op)));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)));
    try {
      expect(await main(['doctor', '--config', file, '--client', 'accepts-none'])).toBe(2);
      expect(await main(['doctor', '--config', file, '--client', 'good'])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const [bad, good] = lines;
    expect(bad).toMatch(/alg: none \(unsigned\)\s+200\s+WRONGLY ACCEPTED/);
    expect(bad).toMatch(/ERROR\s+accepts_alg_none: /);
    expect(bad).toMatch(/wrong aud\s+400\s+ok/);
    expect(good).toMatch(/alg: none \(unsigned\)\s+400\s+ok/);
    expect(good).toMatch(/0 error\(s\), 1 warning\(s\)$/);
  });
});

/** The running test provider's config as a file the CLI can load (same database, same clients). */
function configOf(p: TestProvider) {
  const c = p.config;
  return {
    issuer: c.issuer,
    port: c.port,
    database: c.database,
    login: CHEAP_PASSWORD_HASHES,
    clients: c.clients.map((x) => {
      const { client_secret: _s, ...rest } = x as Record<string, unknown>;
      return { ...rest, client_secret: 'x'.repeat(32) };
    }),
  };
}

describe('framing verdicts', () => {
  const idp = new URL('https://idp.example:8443');
  const app = new URL('https://app.example/logout');
  it.each([
    [{ 'x-frame-options': 'DENY' }, true],
    [{ 'x-frame-options': 'SAMEORIGIN' }, true],
    [{ 'content-security-policy': "frame-ancestors 'none'" }, true],
    [{ 'content-security-policy': "frame-ancestors 'self'" }, true],
    [{ 'content-security-policy': 'frame-ancestors https://idp.example:8443' }, false],
    [{ 'content-security-policy': 'frame-ancestors https://*.example:*' }, false],
    [{ 'content-security-policy': 'frame-ancestors https:' }, false],
    [{ 'content-security-policy': 'frame-ancestors https://idp.example' }, true],
    // frame-ancestors wins over X-Frame-Options when both are sent.
    [{ 'content-security-policy': 'frame-ancestors *', 'x-frame-options': 'DENY' }, false],
    [{ 'content-security-policy': "default-src 'self'" }, false],
    [{}, false],
  ])('%j blocked: %s', (headers, blocked) => {
    expect(framingVerdict(headers, idp, app).blocked).toBe(blocked);
  });
});
