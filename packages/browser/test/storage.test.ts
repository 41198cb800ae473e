import { describe, expect, it } from 'vitest';
import { MemoryStore, WebStore, openStore, readJson } from '../src/storage.js';
import { TokenCache } from '../src/token-cache.js';
import type { AccountRecord } from '../src/account.js';
import { FakeStorage } from './fakes.js';

const record = (id: string, sid: string, signedInAt = 1): AccountRecord => ({
  account: {
    homeAccountId: id,
    environment: 'idp.example',
    tenantId: '',
    username: id,
    localAccountId: id,
    sid,
    issuer: 'https://idp.example',
  },
  refreshToken: `rt-${id}`,
  grantedScopes: ['openid'],
  signedInAt,
});

describe('stores', () => {
  it('a refused Web Storage area never throws on read, and opening it falls back to memory', () => {
    const s = new FakeStorage();
    s.setItem('a', '1');
    s.refuse = true;
    const store = new WebStore(s);
    expect(store.get('a')).toBeNull();
    expect(store.keys('')).toEqual([]);
    expect(() => store.remove('a')).not.toThrow();
    const g = globalThis as { localStorage?: Storage };
    g.localStorage = s;
    try {
      const opened = openStore('localStorage');
      expect(opened.degraded).toBe(true);
      expect(opened.store).toBeInstanceOf(MemoryStore);
    } finally {
      delete g.localStorage;
    }
    expect(openStore('memoryStorage').degraded).toBe(false);
  });

  it('corrupt JSON counts as absent', () => {
    const m = new MemoryStore();
    m.set('k', '{nope');
    expect(readJson(m, 'k')).toBeUndefined();
  });
});

describe('token cache', () => {
  it('keeps one key per account, so removing one account is one storage change naming it', () => {
    const ls = new FakeStorage();
    const cache = new TokenCache('spa', new WebStore(ls), new WebStore(ls));
    cache.put(record('alice', 's1'));
    cache.put(record('bob', 's2', 2));
    cache.setActiveId('bob');
    expect(cache.list().map((r) => r.account.homeAccountId)).toEqual(['alice', 'bob']);
    expect(ls.getItem('adieu.spa.account.alice')).toContain('rt-alice');
    cache.remove('bob');
    expect(cache.list().map((r) => r.account.homeAccountId)).toEqual(['alice']);
    expect(cache.getActiveId()).toBeNull(); // the active account went with it
    expect(cache.isCacheKey('adieu.spa.account.bob')).toBe(true);
    expect(cache.isCacheKey('adieu.other.account.bob')).toBe(false);
  });

  it('tombstones (in localStorage) mark records of ended sessions dead, with the reason', () => {
    const ls = new FakeStorage();
    const cache = new TokenCache('spa', new MemoryStore(), new WebStore(ls));
    cache.put(record('alice', 's1', Date.now() - 10));
    cache.put(record('bob', 's2', Date.now() - 10));
    cache.addTombstone('s1', 'front-channel');
    const dead = cache.deadRecords();
    expect(dead.map((d) => [d.record.account.homeAccountId, d.reason])).toEqual([['alice', 'front-channel']]);
    // A cache without localStorage (a partitioned frame) simply has none.
    const bare = new TokenCache('spa', new MemoryStore(), undefined);
    bare.addTombstone('s1', 'push');
    expect(bare.tombstones()).toEqual({});
  });
});
