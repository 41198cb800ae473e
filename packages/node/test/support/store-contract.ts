/**
 * The session store contract (see src/session-store.ts), run on every store: MemorySessionStore and
 * RedisSessionStore. `make()` returns a fresh, empty store; `peer()` (when given) a second instance on the
 * same data, as a second app process would have.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppSession, SessionStore, SessionsEnded } from '../../src/index.js';

export interface StoreFactory {
  make(): Promise<SessionStore>;
  /** Another store instance over the same data (another process). */
  peer?(store: SessionStore): Promise<SessionStore>;
}

const nowS = () => Math.floor(Date.now() / 1000);

export function session(over: Partial<AppSession> & { sub: string }): AppSession {
  const now = Date.now();
  return {
    id: randomBytes(32).toString('base64url'),
    authTime: nowS() - 60,
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: now + 3_600_000,
    expiresAt: now + 3_600_000,
    user: { sub: over.sub, name: 'Test' },
    tokens: { idToken: 'id', accessToken: 'at', refreshToken: 'rt' },
    ...over,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function defineStoreContract(name: string, factory: StoreFactory): void {
  const opened: SessionStore[] = [];
  const make = async () => {
    const s = await factory.make();
    opened.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  describe(`${name}: session store contract`, () => {
    it('creates, reads, updates and destroys a session', async () => {
      const store = await make();
      const s = session({ sub: 'u1', sid: 's1' });
      expect(await store.create(s)).toBe('created');
      expect(await store.get(s.id)).toEqual(s);
      const updated = { ...s, tokens: { ...s.tokens, accessToken: 'at2' } };
      expect(await store.update(updated)).toBe(true);
      expect((await store.get(s.id))?.tokens.accessToken).toBe('at2');
      expect(await store.destroy(s.id, 'logout')).toMatchObject({ id: s.id });
      expect(await store.get(s.id)).toBeUndefined();
      expect(await store.destroy(s.id, 'logout')).toBeUndefined();
      expect(await store.get('no-such-id')).toBeUndefined();
    });

    it('a session is gone after its expiresAt', async () => {
      const store = await make();
      const s = session({ sub: 'u1', expiresAt: Date.now() + 300 });
      await store.create(s);
      expect(await store.get(s.id)).toBeDefined();
      await sleep(400);
      expect(await store.get(s.id)).toBeUndefined();
    });

    it('update never resurrects a destroyed session', async () => {
      const store = await make();
      const s = session({ sub: 'u1', sid: 's1' });
      await store.create(s);
      await store.destroy(s.id, 'backchannel');
      expect(await store.update({ ...s, lastSeenAt: Date.now() })).toBe(false);
      expect(await store.get(s.id)).toBeUndefined();
    });

    it('destroyBySid ends exactly that SSO session’s sessions, and no session for it can be created after', async () => {
      const store = await make();
      const a = session({ sub: 'u1', sid: 'sA' });
      const a2 = session({ sub: 'u1', sid: 'sA' });
      const b = session({ sub: 'u1', sid: 'sB' });
      const c = session({ sub: 'u2', sid: 'sC' });
      for (const s of [a, a2, b, c]) expect(await store.create(s)).toBe('created');
      const ended = await store.destroyBySid('sA', 'backchannel', 60);
      expect(ended.map((s) => s.id).sort()).toEqual([a.id, a2.id].sort());
      expect(await store.get(a.id)).toBeUndefined();
      expect(await store.get(a2.id)).toBeUndefined();
      expect(await store.get(b.id)).toBeDefined();
      expect(await store.get(c.id)).toBeDefined();
      expect(await store.create(session({ sub: 'u1', sid: 'sA' }))).toBe('sid_ended');
      expect(await store.destroyBySid('sA', 'backchannel', 60)).toEqual([]);
      // The user's index no longer names the destroyed sessions.
      const bySub = await store.destroyBySub('u1', nowS(), 'backchannel', 60);
      expect(bySub.map((s) => s.id)).toEqual([b.id]);
    });

    it('destroyBySub ends the user’s sessions that authenticated at or before the time, keeps later ones, and remembers it', async () => {
      const store = await make();
      const t = nowS();
      const old = session({ sub: 'u1', sid: 's1', authTime: t - 100 });
      const same = session({ sub: 'u1', sid: 's2', authTime: t });
      const later = session({ sub: 'u1', sid: 's3', authTime: t + 10 });
      const otherUser = session({ sub: 'u2', sid: 's4', authTime: t - 100 });
      for (const s of [old, same, later, otherUser]) await store.create(s);
      const ended = await store.destroyBySub('u1', t, 'backchannel', 60);
      expect(ended.map((s) => s.id).sort()).toEqual([old.id, same.id].sort());
      expect(await store.get(later.id)).toBeDefined();
      expect(await store.get(otherUser.id)).toBeDefined();
      // No resurrection: a login with an older authentication is refused, a later one works.
      expect(await store.create(session({ sub: 'u1', authTime: t - 5 }))).toBe('logged_out_before');
      expect(await store.create(session({ sub: 'u1', authTime: t + 1 }))).toBe('created');
      // An older logout token does not move the time back.
      await store.destroyBySub('u1', t - 1000, 'backchannel', 60);
      expect(await store.create(session({ sub: 'u1', authTime: t - 5 }))).toBe('logged_out_before');
      // The sid index no longer names the destroyed sessions.
      expect(await store.destroyBySid('s1', 'backchannel', 60)).toEqual([]);
    });

    it('create and destroyBySid are atomic with respect to each other', async () => {
      const store = await make();
      for (let i = 0; i < 40; i++) {
        const s = session({ sub: 'race', sid: `race-${i}` });
        const ops = [store.create(s), store.destroyBySid(s.sid!, 'backchannel', 60)];
        await Promise.all(i % 2 ? ops : ops.reverse());
        // Whichever ran first, the session cannot survive a logout of its SSO session.
        expect(await store.get(s.id)).toBeUndefined();
      }
    });

    it('remembers a logout token id once (replay cache), and forgets it after its ttl', async () => {
      const store = await make();
      const key = randomBytes(8).toString('hex');
      expect(await store.rememberJti(key, 1)).toBe(true);
      expect(await store.rememberJti(key, 1)).toBe(false);
      await sleep(1100);
      expect(await store.rememberJti(key, 1)).toBe(true);
    });

    it('transactions are single use', async () => {
      const store = await make();
      await store.putTransaction('tx1', { kind: 'login', returnTo: '/a', state: 'st', nonce: 'n' }, 60);
      expect(await store.takeTransaction('tx1')).toEqual({
        kind: 'login',
        returnTo: '/a',
        state: 'st',
        nonce: 'n',
      });
      expect(await store.takeTransaction('tx1')).toBeUndefined();
      await store.putTransaction('tx2', { kind: 'logout', returnTo: '/', state: 's' }, 1);
      await sleep(1100);
      expect(await store.takeTransaction('tx2')).toBeUndefined();
    });

    it('locks are exclusive until released or expired', async () => {
      const store = await make();
      const release = await store.lock('l1', 300);
      expect(release).toBeDefined();
      expect(await store.lock('l1', 300)).toBeUndefined();
      await release!();
      const again = await store.lock('l1', 300);
      expect(again).toBeDefined();
      await sleep(400);
      expect(await store.lock('l1', 300)).toBeDefined();
    });

    it('announces ended sessions with their reason', async () => {
      const store = await make();
      const events: SessionsEnded[] = [];
      const off = store.onEnded((e) => events.push(e));
      await (store as { ready?: () => Promise<void> }).ready?.();
      const a = session({ sub: 'u1', sid: 'e1' });
      const b = session({ sub: 'u1', sid: 'e2' });
      const c = session({ sub: 'u9', sid: 'e3' });
      for (const s of [a, b, c]) await store.create(s);
      await store.destroy(c.id, 'logout');
      await store.destroyBySid('e1', 'frontchannel', 60);
      await store.destroyBySub('u1', nowS(), 'backchannel', 60);
      await expect.poll(() => events.length).toBe(3);
      expect(events).toEqual([
        { sessionIds: [c.id], reason: 'logout' },
        { sessionIds: [a.id], reason: 'frontchannel' },
        { sessionIds: [b.id], reason: 'backchannel' },
      ]);
      off();
    });

    if (factory.peer) {
      it('another instance on the same data sees the sessions, the logouts, and hears the ended events', async () => {
        const store = await make();
        const peer = await factory.peer!(store);
        opened.push(peer);
        const heard: SessionsEnded[] = [];
        peer.onEnded((e) => heard.push(e));
        await (peer as { ready?: () => Promise<void> }).ready?.();
        const s = session({ sub: 'u1', sid: 'shared' });
        await store.create(s);
        expect(await peer.get(s.id)).toEqual(s);
        await store.destroyBySid('shared', 'backchannel', 60);
        expect(await peer.get(s.id)).toBeUndefined();
        expect(await peer.create(session({ sub: 'u1', sid: 'shared' }))).toBe('sid_ended');
        await expect.poll(() => heard).toEqual([{ sessionIds: [s.id], reason: 'backchannel' }]);
        const key = randomBytes(8).toString('hex');
        expect(await store.rememberJti(key, 60)).toBe(true);
        expect(await peer.rememberJti(key, 60)).toBe(false);
      });
    }
  });
}
