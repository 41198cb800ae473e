import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type {
  AppSession,
  CreateResult,
  EndReason,
  SessionStore,
  SessionsEnded,
  Transaction,
} from './session-store.js';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/**
 * Sessions in this process's memory: for development and tests. Everything is lost on restart and nothing is
 * shared between processes; use {@link RedisSessionStore} when the app runs more than one process.
 *
 * @example
 * ```ts
 * import { MemorySessionStore } from '@adieu/node';
 * const store = new MemorySessionStore();
 * ```
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, AppSession>();
  private readonly bySid = new Map<string, Set<string>>();
  private readonly bySub = new Map<string, Set<string>>();
  private readonly endedSids = new Map<string, number>();
  private readonly loggedOutBefore = new Map<string, Expiring<number>>();
  private readonly jtis = new Map<string, number>();
  private readonly transactions = new Map<string, Expiring<Transaction>>();
  private readonly locks = new Map<string, Expiring<string>>();
  private readonly events = new EventEmitter();
  private lastSweep = 0;

  constructor(private readonly options: { clock?: () => number } = {}) {
    this.events.setMaxListeners(0);
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async get(id: string): Promise<AppSession | undefined> {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.remove(s);
      return undefined;
    }
    return structuredClone(s);
  }

  async create(session: AppSession): Promise<CreateResult> {
    this.sweep();
    const now = this.now();
    if (session.sid !== undefined && (this.endedSids.get(session.sid) ?? 0) > now) return 'sid_ended';
    const lob = this.loggedOutBefore.get(session.sub);
    if (lob && lob.expiresAt > now && session.authTime <= lob.value) return 'logged_out_before';
    this.sessions.set(session.id, structuredClone(session));
    if (session.sid !== undefined) index(this.bySid, session.sid, session.id);
    index(this.bySub, session.sub, session.id);
    return 'created';
  }

  async update(session: AppSession): Promise<boolean> {
    const current = this.sessions.get(session.id);
    if (!current || current.expiresAt <= this.now()) return false;
    this.sessions.set(session.id, structuredClone(session));
    return true;
  }

  async destroy(id: string, reason: EndReason): Promise<AppSession | undefined> {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    this.remove(s);
    this.announce([s], reason);
    return s.expiresAt > this.now() ? s : undefined;
  }

  async destroyBySid(sid: string, reason: EndReason, endedTtl: number): Promise<AppSession[]> {
    const now = this.now();
    this.endedSids.set(sid, Math.max(this.endedSids.get(sid) ?? 0, now + endedTtl * 1000));
    const ended = [...(this.bySid.get(sid) ?? [])]
      .map((id) => this.sessions.get(id))
      .filter((s): s is AppSession => s !== undefined);
    for (const s of ended) this.remove(s);
    this.bySid.delete(sid);
    this.announce(ended, reason);
    return ended.filter((s) => s.expiresAt > now);
  }

  async destroyBySub(sub: string, before: number, reason: EndReason, ttl: number): Promise<AppSession[]> {
    const now = this.now();
    const old = this.loggedOutBefore.get(sub);
    const value = old && old.expiresAt > now ? Math.max(old.value, before) : before;
    this.loggedOutBefore.set(sub, { value, expiresAt: Math.max(old?.expiresAt ?? 0, now + ttl * 1000) });
    const ended = [...(this.bySub.get(sub) ?? [])]
      .map((id) => this.sessions.get(id))
      .filter((s): s is AppSession => s !== undefined && s.authTime <= before);
    for (const s of ended) this.remove(s);
    this.announce(ended, reason);
    return ended.filter((s) => s.expiresAt > now);
  }

  async rememberJti(key: string, ttl: number): Promise<boolean> {
    const now = this.now();
    const until = this.jtis.get(key);
    if (until !== undefined && until > now) return false;
    this.jtis.set(key, now + ttl * 1000);
    return true;
  }

  async putTransaction(id: string, tx: Transaction, ttl: number): Promise<void> {
    this.sweep();
    this.transactions.set(id, { value: structuredClone(tx), expiresAt: this.now() + ttl * 1000 });
  }

  async takeTransaction(id: string): Promise<Transaction | undefined> {
    const t = this.transactions.get(id);
    this.transactions.delete(id);
    return t && t.expiresAt > this.now() ? t.value : undefined;
  }

  async lock(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const now = this.now();
    const held = this.locks.get(name);
    if (held && held.expiresAt > now) return undefined;
    const token = randomBytes(12).toString('base64url');
    this.locks.set(name, { value: token, expiresAt: now + ttlMs });
    return async () => {
      if (this.locks.get(name)?.value === token) this.locks.delete(name);
    };
  }

  onEnded(listener: (event: SessionsEnded) => void): () => void {
    this.events.on('ended', listener);
    return () => this.events.off('ended', listener);
  }

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }

  private announce(sessions: readonly AppSession[], reason: EndReason) {
    if (sessions.length === 0) return;
    const event: SessionsEnded = { sessionIds: sessions.map((s) => s.id), reason };
    this.events.emit('ended', event);
  }

  private remove(s: AppSession) {
    this.sessions.delete(s.id);
    if (s.sid !== undefined) unindex(this.bySid, s.sid, s.id);
    unindex(this.bySub, s.sub, s.id);
  }

  /** Drop expired entries, at most once a minute (the maps would otherwise only grow). */
  private sweep() {
    const now = this.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const s of this.sessions.values()) if (s.expiresAt <= now) this.remove(s);
    for (const [k, until] of this.endedSids) if (until <= now) this.endedSids.delete(k);
    for (const [k, until] of this.jtis) if (until <= now) this.jtis.delete(k);
    for (const map of [this.loggedOutBefore, this.transactions, this.locks] as Map<
      string,
      Expiring<unknown>
    >[])
      for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
  }
}

function index(map: Map<string, Set<string>>, key: string, id: string) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function unindex(map: Map<string, Set<string>>, key: string, id: string) {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
