/**
 * Apps often parse form bodies themselves before the SDK sees them (express.urlencoded, @fastify/formbody).
 * The back-channel route must work with the parsed body as well as the raw one, and still refuse two tokens.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { freePort } from '../../server/src/testing/index.js';
import { Adieu, MemorySessionStore } from '../src/index.js';
import { adieuExpress } from '../src/express.js';
import { adieuFastify } from '../src/fastify.js';
import { postLogoutToken } from './support/flows.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';
import { session } from './support/store-contract.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer.close());

const options = (port: number, store: MemorySessionStore) => ({
  issuer: issuer.issuer,
  allowInsecureRequests: true,
  clientId: 'app',
  clientSecret: 'secret',
  baseUrl: `http://localhost:${port}`,
  store,
});

async function check(url: string, store: MemorySessionStore) {
  const s = session({ sub: 'u1', sid: 'parsed-1' });
  await store.create(s);
  const ok = await postLogoutToken(url, await issuer.logoutToken('app', { sid: 'parsed-1' }));
  expect(ok.status).toBe(200);
  expect(await store.get(s.id)).toBeUndefined();
  const t = await issuer.logoutToken('app', { sid: 'parsed-2' });
  const twice = await fetch(`${url}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `logout_token=${t}&logout_token=${t}`,
  });
  expect(twice.status).toBe(400);
  expect(await twice.json()).toMatchObject({ code: 'malformed_request' });
}

describe('back-channel behind body parsers', () => {
  it('Express with express.urlencoded() mounted first', async () => {
    const port = await freePort();
    const store = new MemorySessionStore();
    const adieu = new Adieu(options(port, store));
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use(adieuExpress(adieu));
    const server = createServer(app).listen(port, '127.0.0.1');
    await once(server, 'listening');
    try {
      await check(`http://localhost:${port}`, store);
    } finally {
      server.close();
      await adieu.close();
    }
  });

  it('Fastify with @fastify/formbody registered first', async () => {
    const port = await freePort();
    const store = new MemorySessionStore();
    const app: FastifyInstance = Fastify();
    await app.register(formbody);
    await app.register(adieuFastify, options(port, store));
    // The app's own form routes still get their parser.
    app.post('/form', async (req) => req.body);
    await app.listen({ port, host: '127.0.0.1' });
    try {
      await check(`http://localhost:${port}`, store);
      const form = await fetch(`http://localhost:${port}/form`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect(await form.json()).toEqual({ a: '1' });
    } finally {
      await app.close();
    }
  });
});
