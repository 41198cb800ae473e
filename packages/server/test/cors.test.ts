import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';

const SPA = 'http://localhost:4003';
const EVIL = 'https://evil.example';

let op: TestProvider;

beforeAll(async () => {
  op = await startTestProvider({
    clients: [{ client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: [`${SPA}/cb`] }],
    users: [],
  });
});
afterAll(() => op?.close());

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const post = (path: string, body: Record<string, string>, origin: string) =>
  fetch(`${op.issuer}${path}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: form(body),
  });

describe('the one CORS policy', () => {
  it('answers preflights for cross-origin endpoints from any origin, revealing nothing', async () => {
    for (const path of ['/token', '/revoke', '/userinfo', '/session/events', '/session/events/ticket']) {
      const r = await fetch(`${op.issuer}${path}`, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST' },
      });
      expect(r.status, path).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe(EVIL);
      expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST');
      expect(r.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(r.headers.get('access-control-max-age')).toBe('600');
    }
  });

  it('does not answer preflights for same-origin pages', async () => {
    const r = await fetch(`${op.issuer}/authorize`, {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'GET' },
    });
    expect(r.status).toBe(404);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets any origin read public documents and UserInfo', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks', '/api/v1/openapi.json', '/userinfo']) {
      const r = await fetch(`${op.issuer}${path}`, { headers: { origin: EVIL } });
      expect(r.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('lets only the client’s registered origins read its token answers', async () => {
    const mine = await post(
      '/token',
      { client_id: 'spa', grant_type: 'refresh_token', refresh_token: 'x' },
      SPA,
    );
    expect(mine.status).toBe(400);
    expect(mine.headers.get('access-control-allow-origin')).toBe(SPA);
    const theirs = await post(
      '/token',
      { client_id: 'spa', grant_type: 'refresh_token', refresh_token: 'x' },
      EVIL,
    );
    expect(theirs.status).toBe(400);
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
    // Before the client is established nothing is readable cross-origin.
    const unknown = await post('/token', { client_id: 'nobody', grant_type: 'refresh_token' }, SPA);
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('access-control-allow-origin')).toBeNull();
    const revoked = await post('/revoke', { client_id: 'spa', token: 'x' }, SPA);
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('access-control-allow-origin')).toBe(SPA);
  });

  it('keeps other answers same-origin', async () => {
    const r = await fetch(`${op.issuer}/authorize`, { headers: { origin: EVIL } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});
