import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { AdieuError } from './errors.js';
import type {
  AppSession,
  CreateResult,
  EndReason,
  SessionStore,
  SessionsEnded,
  Transaction,
} from './session-store.js';

export interface RedisSessionStoreOptions {
  /** A connection to use (not closed by `close()`); or give `url`. */
  client?: Redis;
  /** e.g. `redis://127.0.0.1:6379`; used when no `client` is given. */
  url?: string;
  /** Extra ioredis options for the connections this store opens itself. */
  redisOptions?: RedisOptions;
  /** Key prefix, so several apps can share one Redis. Default `adieu:`. */
  prefix?: string;
  /** Told about connection errors (ioredis reconnects by itself). */
  onError?: (error: Error) => void;
}

/*
 * Layout (p = prefix):
 *   p s:<id>        the session as JSON, expiring at its expiresAt
 *   p sid:<sid>     set of session ids of one SSO session
 *   p sub:<sub>     set of session ids of one user
 *   p ended:<sid>   the SSO session was logged out: no new app session for it
 *   p lob:<sub>     "logged out before": sessions that authenticated at or before this time (s) are dead
 *   p jti:<key>     logout token ids already accepted (replay cache)
 *   p tx:<id>       login / logout transactions
 *   p lock:<name>   short locks (token refresh)
 * The scripts below make create and the destroy operations atomic with respect to each other. They touch keys
 * derived from the prefix inside the script, so they need a single Redis (or a Redis Cluster hash tag in the
 * prefix, e.g. `{adieu}:`).
 */

const ADD_TO_INDEX = `
local function add(key, id, now, untilMs)
  redis.call('SADD', key, id)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 or now + ttl < untilMs then redis.call('PEXPIREAT', key, untilMs) end
end`;

/** KEYS: s:id sid:<sid> sub:<sub> ended:<sid> lob:<sub>. ARGV: json expiresAt authTime hasSid id now absolute */
const CREATE = `${ADD_TO_INDEX}
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then return 'sid_ended' end
local lob = redis.call('GET', KEYS[5])
if lob and tonumber(ARGV[3]) <= tonumber(lob) then return 'logged_out_before' end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
local now, untilMs = tonumber(ARGV[6]), tonumber(ARGV[7])
if ARGV[4] == '1' then add(KEYS[2], ARGV[5], now, untilMs) end
add(KEYS[3], ARGV[5], now, untilMs)
return 'created'`;

/** KEYS: s:id. ARGV: prefix channel reason id */
const DESTROY = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
local s = cjson.decode(v)
if type(s.sid) == 'string' then redis.call('SREM', ARGV[1] .. 'sid:' .. s.sid, ARGV[4]) end
redis.call('SREM', ARGV[1] .. 'sub:' .. s.sub, ARGV[4])
redis.call('PUBLISH', ARGV[2], cjson.encode({sessionIds = {ARGV[4]}, reason = ARGV[3]}))
return v`;

/** KEYS: sid:<sid> ended:<sid>. ARGV: prefix channel reason endedTtlSeconds */
const DESTROY_BY_SID = `
local ttl = tonumber(ARGV[4])
if redis.call('TTL', KEYS[2]) < ttl then redis.call('SET', KEYS[2], '1', 'EX', ttl) end
local out, ended = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. 's:' .. id
  local v = redis.call('GET', key)
  if v then
    redis.call('DEL', key)
    redis.call('SREM', ARGV[1] .. 'sub:' .. cjson.decode(v).sub, id)
    table.insert(out, v)
    table.insert(ended, id)
  end
end
redis.call('DEL', KEYS[1])
if #ended > 0 then redis.call('PUBLISH', ARGV[2], cjson.encode({sessionIds = ended, reason = ARGV[3]})) end
return out`;

/** KEYS: sub:<sub> lob:<sub>. ARGV: prefix channel reason before ttlSeconds */
const DESTROY_BY_SUB = `
local before = tonumber(ARGV[4])
local current = redis.call('GET', KEYS[2])
local value = ARGV[4]
if current and tonumber(current) > before then value = current end
local ttl = tonumber(ARGV[5])
local currentTtl = redis.call('TTL', KEYS[2])
if currentTtl > ttl then ttl = currentTtl end
redis.call('SET', KEYS[2], value, 'EX', ttl)
local out, ended = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. 's:' .. id
  local v = redis.call('GET', key)
  if not v then
    redis.call('SREM', KEYS[1], id)
  else
    local s = cjson.decode(v)
    if s.authTime <= before then
      redis.call('DEL', key)
      redis.call('SREM', KEYS[1], id)
      if type(s.sid) == 'string' then redis.call('SREM', ARGV[1] .. 'sid:' .. s.sid, id) end
      table.insert(out, v)
      table.insert(ended, id)
    end
  end
end
if #ended > 0 then redis.call('PUBLISH', ARGV[2], cjson.encode({sessionIds = ended, reason = ARGV[3]})) end
return out`;

/** KEYS: lock:<name>. ARGV: token */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface Scripts {
  adieuCreate(...args: string[]): Promise<CreateResult>;
  adieuDestroy(...args: string[]): Promise<string | null>;
  adieuDestroyBySid(...args: string[]): Promise<string[]>;
  adieuDestroyBySub(...args: string[]): Promise<string[]>;
  adieuUnlock(...args: string[]): Promise<number>;
}

/**
 * Sessions in Redis, shared by every process of the app: a logout received by one process is honoured by all,
 * and `onEnded` listeners in every process hear about it (Redis pub/sub), so open pages are told at once
 * whichever process holds their push connection.
 *
 * @example
 * ```ts
 * import { RedisSessionStore } from '@adieu/node';
 * const store = new RedisSessionStore({ url: process.env.REDIS_URL, prefix: 'portal:' });
 * ```
 */
export class RedisSessionStore implements SessionStore {
  private readonly redis: Redis & Scripts;
  private readonly owned: boolean;
  /** The key prefix of this store (several apps can share one Redis). */
  readonly prefix: string;
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private subscribing: Promise<unknown> | undefined;
  private readonly listeners = new Set<(event: SessionsEnded) => void>();

  constructor(private readonly options: RedisSessionStoreOptions = {}) {
    const client =
      options.client ??
      new (loadIoredis())(options.url ?? 'redis://127.0.0.1:6379', { ...options.redisOptions });
    this.owned = !options.client;
    if (this.owned) client.on('error', (e: Error) => options.onError?.(e));
    this.prefix = options.prefix ?? 'adieu:';
    this.channel = `${this.prefix}ended`;
    client.defineCommand('adieuCreate', { numberOfKeys: 5, lua: CREATE });
    client.defineCommand('adieuDestroy', { numberOfKeys: 1, lua: DESTROY });
    client.defineCommand('adieuDestroyBySid', { numberOfKeys: 2, lua: DESTROY_BY_SID });
    client.defineCommand('adieuDestroyBySub', { numberOfKeys: 2, lua: DESTROY_BY_SUB });
    client.defineCommand('adieuUnlock', { numberOfKeys: 1, lua: UNLOCK });
    this.redis = client as Redis & Scripts;
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }

  async get(id: string): Promise<AppSession | undefined> {
    const json = await this.redis.get(this.key('s', id));
    if (!json) return undefined;
    const s = JSON.parse(json) as AppSession;
    return s.expiresAt > Date.now() ? s : undefined;
  }

  async create(session: AppSession): Promise<CreateResult> {
    const sid = session.sid ?? '';
    return this.redis.adieuCreate(
      this.key('s', session.id),
      this.key('sid', sid),
      this.key('sub', session.sub),
      this.key('ended', sid),
      this.key('lob', session.sub),
      JSON.stringify(session),
      String(session.expiresAt),
      String(session.authTime),
      session.sid === undefined ? '0' : '1',
      session.id,
      String(Date.now()),
      String(session.absoluteExpiresAt),
    );
  }

  async update(session: AppSession): Promise<boolean> {
    const ok = await this.redis.set(
      this.key('s', session.id),
      JSON.stringify(session),
      'PXAT',
      session.expiresAt,
      'XX',
    );
    return ok === 'OK';
  }

  async destroy(id: string, reason: EndReason): Promise<AppSession | undefined> {
    const json = await this.redis.adieuDestroy(this.key('s', id), this.prefix, this.channel, reason, id);
    return json ? (JSON.parse(json) as AppSession) : undefined;
  }

  async destroyBySid(sid: string, reason: EndReason, endedTtl: number): Promise<AppSession[]> {
    const out = await this.redis.adieuDestroyBySid(
      this.key('sid', sid),
      this.key('ended', sid),
      this.prefix,
      this.channel,
      reason,
      String(Math.max(1, Math.ceil(endedTtl))),
    );
    return out.map((json) => JSON.parse(json) as AppSession);
  }

  async destroyBySub(sub: string, before: number, reason: EndReason, ttl: number): Promise<AppSession[]> {
    const out = await this.redis.adieuDestroyBySub(
      this.key('sub', sub),
      this.key('lob', sub),
      this.prefix,
      this.channel,
      reason,
      String(Math.floor(before)),
      String(Math.max(1, Math.ceil(ttl))),
    );
    return out.map((json) => JSON.parse(json) as AppSession);
  }

  async rememberJti(key: string, ttl: number): Promise<boolean> {
    const ok = await this.redis.set(this.key('jti', key), '1', 'EX', Math.max(1, Math.ceil(ttl)), 'NX');
    return ok === 'OK';
  }

  async putTransaction(id: string, tx: Transaction, ttl: number): Promise<void> {
    await this.redis.set(this.key('tx', id), JSON.stringify(tx), 'EX', Math.max(1, Math.ceil(ttl)));
  }

  async takeTransaction(id: string): Promise<Transaction | undefined> {
    const json = await this.redis.getdel(this.key('tx', id));
    return json ? (JSON.parse(json) as Transaction) : undefined;
  }

  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const token = randomBytes(12).toString('base64url');
    const key = this.key('lock', name);
    const ok = await this.redis.set(key, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    if (ok !== 'OK') return undefined;
    return async () => {
      await this.redis.adieuUnlock(key, token);
    };
  }

  onEnded(listener: (event: SessionsEnded) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      const sub = this.redis.duplicate();
      sub.on('error', (e: Error) => this.options.onError?.(e));
      sub.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        let event: SessionsEnded;
        try {
          event = JSON.parse(message) as SessionsEnded;
        } catch {
          return;
        }
        for (const l of this.listeners) l(event);
      });
      this.subscriber = sub;
      this.subscribing = sub
        .subscribe(this.channel)
        .catch((e: unknown) => this.options.onError?.(e as Error));
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once this process receives ended events (after the first `onEnded`). */
  async ready(): Promise<void> {
    await this.subscribing;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.subscriber) {
      await this.subscribing;
      await this.subscriber.quit().catch(() => undefined);
      this.subscriber = undefined;
    }
    if (this.owned) await this.redis.quit().catch(() => undefined);
  }
}

/**
 * ioredis is an optional peer dependency, like the framework adapters: apps on the memory store (development)
 * or their own store never install it. It is loaded only when a store opens its own connection, and a missing
 * package is an error that says what to do.
 */
function loadIoredis(): typeof Redis {
  try {
    return (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;
  } catch (cause) {
    throw new AdieuError(
      'invalid_config',
      'RedisSessionStore needs the ioredis package: npm install ioredis (or pass your own `client`)',
      { cause },
    );
  }
}
