/**
 * Issue 11 point 7: Strict-Transport-Security on every HTTPS answer the provider terminates (configurable, on by
 * default with TLS), and the framework-error path gets the same security headers as every page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { startTestProvider, freePort, type TestProvider } from '../src/testing/index.js';
import { testCert } from '../../../test/e2e/support/certs.js';

type Answer = { status: number; headers: Record<string, string | string[] | undefined> };

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: testCert().cert, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function tlsProvider(extra: Record<string, unknown> = {}): Promise<TestProvider> {
  const { certFile, keyFile } = testCert();
  const port = await freePort();
  return startTestProvider(
    { tls: { cert: certFile, key: keyFile }, ...extra },
    { port, issuer: `https://localhost:${port}` },
  );
}

const PAGE_HEADERS = [
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'referrer-policy',
];

describe('Strict-Transport-Security', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await tlsProvider();
  });
  afterAll(() => op?.close());

  it.each([
    ['discovery', '/.well-known/openid-configuration', 'application/json'],
    ['an API error', '/api/v1/me/sessions', 'application/json'],
    ['a missing page', '/no-such-page', 'text/html'],
    ['a framework error', '/interaction/%E0%A4%A', 'text/html'],
  ])('is on %s over the provider’s own TLS (one year by default)', async (_what, path, accept) => {
    const res = await get(`${op.issuer}${path}`, { accept });
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('is on answers written before Fastify sees the request (headers too large)', async () => {
    const res = await get(`${op.issuer}/authorize`, { 'x-filler': 'a'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('is configurable, and off with hsts.max_age 0', async () => {
    const custom = await tlsProvider({ hsts: { max_age: 600, include_subdomains: true } });
    const off = await tlsProvider({ hsts: { max_age: 0 } });
    try {
      expect(
        (await get(`${custom.issuer}/.well-known/openid-configuration`)).headers['strict-transport-security'],
      ).toBe('max-age=600; includeSubDomains');
      expect(
        (await get(`${off.issuer}/.well-known/openid-configuration`)).headers['strict-transport-security'],
      ).toBeUndefined();
    } finally {
      await custom.close();
      await off.close();
    }
  });

  it('is not sent over plain http (a proxy that terminates TLS sends its own)', async () => {
    const plain = await startTestProvider();
    try {
      const res = await fetch(`${plain.issuer}/.well-known/openid-configuration`);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe('framework errors get the security headers of every page', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider();
  });
  afterAll(() => op?.close());

  it.each(['text/html', 'application/json'])(
    'a bad percent-encoding in a page path (accept %s)',
    async (accept) => {
      const res = await fetch(`${op.issuer}/interaction/%E0%A4%A`, { headers: { accept } });
      expect(res.status).toBe(400);
      for (const h of PAGE_HEADERS) expect(res.headers.get(h), h).toBeTruthy();
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    },
  );

  it('a JSON framework error gets nosniff, no-referrer and no-store', async () => {
    const res = await fetch(`${op.issuer}/token/%E0%A4%A`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the Content-Security-Policy nonce', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider();
  });
  afterAll(() => op?.close());

  it('is the nonce of the page’s own inline script, and new on every answer', async () => {
    const { check_session_iframe: url } = (await (
      await fetch(`${op.issuer}/.well-known/openid-configuration`)
    ).json()) as { check_session_iframe: string };
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      const csp = res.headers.get('content-security-policy') ?? '';
      const inHeader = /'nonce-([^']+)'/.exec(csp)?.[1];
      const inPage = /<script nonce="([^"]+)"/.exec(await res.text())?.[1];
      expect(inHeader).toBeTruthy();
      expect(inPage).toBe(inHeader);
      nonces.push(inHeader!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('is not drawn for JSON answers, which carry no page policy', async () => {
    const res = await fetch(`${op.issuer}/.well-known/openid-configuration`);
    expect(res.headers.get('content-security-policy')).toBeNull();
  });
});
