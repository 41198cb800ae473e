/**
 * A Redis adapter for oidc-provider: how the peer is deployed when it has to keep its state outside the process
 * (several instances, restarts), the way its documentation suggests. Each record is one key that expires with the
 * record; single-use records (codes, refresh tokens) are a hash so that `consume` is one HSET and never rewrites
 * the payload; a grant's records and a session's uid are indexed by keys of their own. Every write is one
 * MULTI/EXEC (one round trip), every read one command. Calls are counted per model and method, as the Map
 * adapter's are, so the report's "adapter calls" compare.
 */
import Redis from 'ioredis';
import { consumable, grantable } from './adapter-models.mjs';

/**
 * @param {string} url a redis:// URL
 * @param {string} prefix every key this adapter writes starts with it, so that `clear()` removes this run's keys
 *   and nothing else
 */
export function createRedisAdapter(url, prefix) {
  const client = new Redis(url, { lazyConnect: true, enableAutoPipelining: false });
  const counts = new Map();
  let total = 0;
  const count = (model, method) => {
    total++;
    const k = `${model}.${method}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  const grantKey = (grantId) => `${prefix}grant:${grantId}`;
  const uidKey = (uid) => `${prefix}sessionUid:${uid}`;
  const userCodeKey = (userCode) => `${prefix}userCode:${userCode}`;
  /** SET in a MULTI, expiring after `ttl` seconds when it has one. */
  const setExpiring = (m, key, value, ttl) => (ttl ? m.set(key, value, 'EX', ttl) : m.set(key, value));

  class RedisAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${prefix}${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      count(this.model, 'upsert');
      const key = this.key(id);
      const json = JSON.stringify(payload);
      const ttl = typeof expiresIn === 'number' && expiresIn > 0 ? Math.ceil(expiresIn) : undefined;
      const m = client.multi();
      if (consumable.has(this.model)) {
        m.del(key);
        m.hset(key, 'payload', json);
        if (ttl) m.expire(key, ttl);
      } else {
        setExpiring(m, key, json, ttl);
      }
      if (grantable.has(this.model) && payload.grantId) {
        const g = grantKey(payload.grantId);
        m.rpush(g, key);
        // The index lives as long as its longest member (never shorter: EXPIRE ... GT needs Redis 7).
        if (ttl) m.expire(g, ttl, 'GT');
        else m.persist(g);
      }
      if (this.model === 'Session' && payload.uid) setExpiring(m, uidKey(payload.uid), id, ttl);
      if (payload.userCode) setExpiring(m, userCodeKey(payload.userCode), id, ttl);
      await m.exec();
    }

    async find(id) {
      count(this.model, 'find');
      return this.read(id);
    }

    /** One record, `consumed` merged in; not counted (find, findByUid and findByUserCode count themselves). */
    async read(id) {
      const key = this.key(id);
      if (consumable.has(this.model)) {
        const [json, consumed] = await client.hmget(key, 'payload', 'consumed');
        if (!json) return undefined;
        const payload = JSON.parse(json);
        if (consumed) payload.consumed = Number(consumed);
        return payload;
      }
      const json = await client.get(key);
      return json ? JSON.parse(json) : undefined;
    }

    async findByUid(uid) {
      count(this.model, 'findByUid');
      const id = await client.get(uidKey(uid));
      return id ? this.read(id) : undefined;
    }

    async findByUserCode(userCode) {
      count(this.model, 'findByUserCode');
      const id = await client.get(userCodeKey(userCode));
      return id ? this.read(id) : undefined;
    }

    async consume(id) {
      count(this.model, 'consume');
      await client.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
    }

    async destroy(id) {
      count(this.model, 'destroy');
      await client.del(this.key(id));
    }

    async revokeByGrantId(grantId) {
      count(this.model, 'revokeByGrantId');
      const g = grantKey(grantId);
      const keys = await client.lrange(g, 0, -1);
      await client
        .multi()
        .del(...keys, g)
        .exec();
    }
  }

  return {
    Adapter: RedisAdapter,
    counters: () => ({ queries: total, byMethod: Object.fromEntries(counts) }),
    /** Connect, and check that the server is new enough for EXPIRE ... GT (Redis 7). */
    async connect() {
      await client.connect();
      const info = await client.info('server');
      const major = Number(/redis_version:(\d+)/.exec(info)?.[1]);
      if (!(major >= 7)) throw new Error(`the Redis peer needs Redis 7 or later, found ${major}`);
    },
    /** Remove every key this adapter wrote (SCAN, never KEYS, so a shared server is not blocked). */
    async clear() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
    close: () => client.quit(),
  };
}
