import { afterEach, describe, expect, it } from 'vitest';
import { CHEAP_PASSWORD_HASHES, freePort, testDatabase } from '../src/testing/index.js';
import { Store } from '../src/store/store.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import {
  startProviderProcess,
  writeConfig,
  type ProviderProcess,
} from '../../../test/support/provider-process.js';
import { hasPostgres } from '../../../test/support/env.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const cb = (n: string) => `http://localhost:5003/${n}/callback`;
const secret = (n: string) => `${n}-secret-0123456789`;

const running: ProviderProcess[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill('SIGKILL');
  for (const r of receivers.splice(0)) await r.stop();
});

function config(port: number, issuer: string, database: string, apps: Record<string, Receiver>) {
  return {
    issuer,
    port,
    database,
    login: CHEAP_PASSWORD_HASHES,
    logout: {
      backchannel_timeout: 2,
      backchannel_backoff: { initial: 0.2, max: 1 },
      worker_poll_interval: 0.2,
    },
    clients: Object.entries(apps).map(([n, r]) => ({
      client_id: n,
      client_secret: secret(n),
      redirect_uris: [cb(n)],
      backchannel_logout_uri: r.url,
    })),
    users: [ALICE],
  };
}

async function sessionWith(issuer: string, names: string[], who = ALICE) {
  const browser = new BrowserSession();
  let idToken = '';
  let sid = '';
  for (const [i, n] of names.entries()) {
    const rp = await discover({ issuer, clientId: n, clientSecret: secret(n), redirectUri: cb(n) });
    const { tokens } = await signIn(rp, browser, cb(n), i === 0 ? who : undefined);
    if (i === 0) {
      idToken = tokens.id_token!;
      sid = tokens.claims()!.sid as string;
    }
  }
  return { browser, idToken, sid };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('durable back-channel delivery', () => {
  it('kill -9 right after end_session answers: after restart every pending delivery is made, none repeated after success', async () => {
    const fast = await startReceiver();
    const slow1 = await startReceiver();
    const slow2 = await startReceiver();
    receivers.push(fast, slow1, slow2);
    slow1.delayMs = 1500;
    slow2.delayMs = 1500;
    const apps = { fast, slow1, slow2 };
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const db = testDatabase('sqlite');
    const file = writeConfig(config(port, issuer, db.url, apps));
    const first = await startProviderProcess(file, issuer);
    running.push(first);
    const { browser, idToken, sid } = await sessionWith(issuer, ['fast', 'slow1', 'slow2']);

    const end = new URL(`${issuer}/end_session`);
    end.searchParams.set('id_token_hint', idToken);
    const answered = await browser.navigate(end.toString());
    expect(answered.status).toBe(200);
    // The fast app is done; the slow ones are being posted right now. Kill without warning.
    await fast.waitFor(1, 5000);
    const store = await Store.open(db.url);
    try {
      const [logout] = await store.logouts.listBySid(sid);
      await until('the fast delivery to be recorded', async () => {
        const rows = await store.logouts.listOutbox(logout!.id);
        return rows.find((r) => r.client_id === 'fast')?.status === 'delivered';
      });
      await until(
        'the slow deliveries to be in flight',
        async () => slow1.received.length + slow2.received.length > 0,
      );
      expect(await first.kill('SIGKILL')).toBeNull();

      const second = await startProviderProcess(file, issuer);
      running.push(second);
      await Promise.all([slow1.waitFor(1, 20_000), slow2.waitFor(1, 20_000)]);
      const rows = await until('every delivery to be recorded', async () => {
        const r = await store.logouts.listOutbox(logout!.id);
        return r.every((x) => x.status === 'delivered') && r;
      });
      const attempts = await store.logouts.listAttempts(rows.map((r) => r.id));
      for (const row of rows) {
        const mine = attempts.filter((a) => a.outbox_id === row.id);
        // Exactly one success, and it is the last attempt: nothing was sent after it succeeded.
        expect(mine.filter((a) => a.outcome === 'delivered')).toHaveLength(1);
        expect(mine.at(-1)!.outcome).toBe('delivered');
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(fast.received).toHaveLength(1);
      for (const [n, r] of Object.entries({ slow1, slow2 })) {
        await verifyLogoutToken(r.succeeded.at(-1)!.token, issuer, n);
      }
    } finally {
      await store.close();
      await db.cleanup();
    }
  });

  it('SIGTERM stops gracefully and pending deliveries resume on the next start', async () => {
    const down = await startReceiver();
    receivers.push(down);
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const db = testDatabase('sqlite');
    const file = writeConfig(config(port, issuer, db.url, { down }));
    const first = await startProviderProcess(file, issuer);
    running.push(first);
    const { browser, idToken } = await sessionWith(issuer, ['down']);
    await down.stop();
    const end = new URL(`${issuer}/end_session`);
    end.searchParams.set('id_token_hint', idToken);
    await browser.navigate(end.toString());
    expect(await first.kill('SIGTERM')).toBe(0);
    await down.restart();
    const second = await startProviderProcess(file, issuer);
    running.push(second);
    await down.waitFor(1, 20_000);
    await db.cleanup();
  });

  it('two provider processes on one PostgreSQL make each delivery exactly once', async () => {
    if (!hasPostgres()) return;
    const apps: Record<string, Receiver> = {};
    for (let i = 0; i < 6; i++) {
      apps[`app${i}`] = await startReceiver();
      receivers.push(apps[`app${i}`]!);
    }
    const db = testDatabase('postgres');
    const portA = await freePort();
    const portB = await freePort();
    // One issuer (one provider), two processes: the config is identical but for the port they listen on.
    const issuer = `http://localhost:${portA}`;
    const a = await startProviderProcess(writeConfig(config(portA, issuer, db.url, apps)), issuer);
    running.push(a);
    const b = await startProviderProcess(
      writeConfig(config(portB, issuer, db.url, apps)),
      `http://localhost:${portB}`,
    );
    running.push(b);
    const names = Object.keys(apps);
    const sessions = [];
    for (let i = 0; i < 8; i++) sessions.push(await sessionWith(issuer, names));
    // Half the logouts on each process, all at once.
    await Promise.all(
      sessions.map((s, i) => {
        const end = new URL(`${i % 2 ? b.url : a.url}/end_session`);
        end.searchParams.set('id_token_hint', s.idToken);
        return s.browser.navigate(end.toString(), {}, [new URL(end).origin]);
      }),
    );
    for (const r of Object.values(apps)) await r.waitFor(8, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    for (const [n, r] of Object.entries(apps)) {
      expect(r.received, n).toHaveLength(8);
      expect(new Set(r.received.map((x) => x.claims.sid)).size).toBe(8);
    }
  });
});
