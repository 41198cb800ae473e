/**
 * Two app processes (real child processes, each with its own memory) share one Redis. A logout delivered to
 * one of them is honoured by both: the session is dead everywhere, and a page whose push stream is held by
 * the other process learns of it at once.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePorts, startTestProvider, type TestProvider } from '../../server/src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, oidc, signIn } from '../../../test/support/oidc.js';
import { hasRedis, redisUrl } from '../../../test/support/env.js';
import { appSignIn, openEvents, whoAmI } from './support/flows.js';
import { bundle, startChild, type ChildApp } from './support/processes.js';
import { startTap, type Tap } from './support/tap.js';

const ok = await hasRedis();
const ALICE = { username: 'alice', password: 'alice-password' };
const SECRET = 'app-secret-0123456789abcdef';
const OTHER_SECRET = 'other-secret-0123456789abcdef';

describe.skipIf(!ok)('two app processes sharing Redis', () => {
  let op: TestProvider;
  let a: ChildApp;
  let b: ChildApp;
  let tap: Tap;
  let otherCb: string;
  let file: string;
  const prefix = `adieu-test:${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    const [portA, portB, tapPort, otherPort] = await freePorts(4);
    otherCb = `http://localhost:${otherPort}/cb`;
    // Logout tokens go to process A only (through a tap that records them).
    tap = await startTap(tapPort, () => `http://localhost:${portA}/backchannel-logout`);
    op = await startTestProvider({
      clients: [
        {
          client_id: 'app',
          client_secret: SECRET,
          redirect_uris: [`http://localhost:${portA}/callback`, `http://localhost:${portB}/callback`],
          backchannel_logout_uri: tap.url,
        },
        { client_id: 'other', client_secret: OTHER_SECRET, redirect_uris: [otherCb] },
      ],
      users: [{ ...ALICE, name: 'Alice' }],
    });
    file = await bundle('app-process.ts');
    const env = (port: number) => ({
      PORT: String(port),
      ISSUER: op.issuer,
      CLIENT_ID: 'app',
      CLIENT_SECRET: SECRET,
      REDIS_URL: redisUrl(),
      ADIEU_PREFIX: prefix,
    });
    [a, b] = await Promise.all([startChild(file, env(portA)), startChild(file, env(portB))]);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await op?.close();
    await tap?.close();
    if (file) rmSync(file, { force: true });
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('are separate processes', () => {
    expect(a.process.pid).toBeTruthy();
    expect(b.process.pid).toBeTruthy();
    expect(a.process.pid).not.toBe(b.process.pid);
    expect(a.process.pid).not.toBe(process.pid);
  });

  it('a back-channel logout received by A kills the session in B too, and B’s open page is told at once', async () => {
    const browser = new BrowserSession();
    const bystander = new BrowserSession();
    // Sign in through A; browsers ignore ports, so B sees the same cookie and the same (shared) session.
    const me = await appSignIn(browser, a.url, op.issuer, ALICE);
    await appSignIn(bystander, b.url, op.issuer, ALICE);
    expect(await whoAmI(browser, b.url)).toMatchObject({ authenticated: true, sid: me.sid });
    const stream = await openEvents(browser, `${b.url}/session/events`);
    expect(stream.status).toBe(200);
    await stream.next('session');

    const config = await discover({
      issuer: op.issuer,
      clientId: 'other',
      clientSecret: OTHER_SECRET,
      redirectUri: otherCb,
    });
    const { tokens } = await signIn(config, browser, otherCb);
    const before = tap.deliveries.length;
    await browser.navigate(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }).toString());
    const delivery = (await tap.waitFor(before + 1))[before]!;
    expect(delivery.status).toBe(200);

    const ended = await stream.next('session_ended');
    expect(JSON.parse(ended.data)).toEqual({ reason: 'backchannel' });
    await stream.close();
    expect(await whoAmI(browser, b.url)).toEqual({ authenticated: false });
    expect(await whoAmI(browser, a.url)).toEqual({ authenticated: false });
    expect((await whoAmI(bystander, b.url)).authenticated).toBe(true);
    expect((await whoAmI(bystander, a.url)).authenticated).toBe(true);
  });

  it('a replay of that token sent to B is refused: the replay cache is shared too', async () => {
    const token = tap.deliveries.find((d) => d.status === 200)!.token;
    const res = await fetch(`${b.url}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'jti_replayed' });
  });

  it('a front-channel logout handled by B ends the session for A, and A’s open page is told', async () => {
    const browser = new BrowserSession();
    const me = await appSignIn(browser, a.url, op.issuer, ALICE);
    const stream = await openEvents(browser, `${a.url}/session/events`);
    await stream.next('session');
    const res = await fetch(
      `${b.url}/frontchannel-logout?iss=${encodeURIComponent(op.issuer)}&sid=${encodeURIComponent(me.sid!)}`,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse((await stream.next('session_ended')).data)).toEqual({ reason: 'frontchannel' });
    await stream.close();
    expect((await whoAmI(browser, a.url)).authenticated).toBe(false);
  });
});
