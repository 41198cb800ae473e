/**
 * Keeping every tab's view of the accounts true. Each tab remembers the accounts it has told the app about
 * (`known`) and compares them with the cache whenever something may have changed elsewhere: a message from
 * another tab (BroadcastChannel, or the `storage`-event fallback), a `storage` event on the shared cache or on
 * the logout tombstones, a page restored from the back/forward cache. Whatever disappeared is reported once,
 * after the `onBeforeAccountRemoved` hooks ran, with the truthful reason.
 *
 * ```mermaid
 * flowchart LR
 *   here[logout / refused refresh / push / front-channel in this document] --> remove[removeAccounts:<br/>hooks, cache, tombstone, tell the other tabs]
 *   remove --> apply[applyRemoval: ACCOUNT_REMOVED, LOCAL_CLEARED, SESSION_ENDED]
 *   msg[message from another tab] --> victims[hooks, remove own copy] --> apply
 *   storage[storage event / pageshow] --> reconcile[reconcile: known vs cache] --> apply
 * ```
 *
 * Present and visible: an account is *present* while the cache holds it and no remembered logout applies;
 * it is *visible* (returned to the app, and in `known`) once this page may show it, see `flows/confirm.ts`.
 * Removals act on present accounts; the app hears only of visible ones.
 */
import { inSession, type AccountInfo, type AccountRecord } from './account.js';
import type { ResolvedConfig } from './config.js';
import {
  EventType,
  type EventHub,
  type InteractionType,
  type RemovalReason,
  type SessionEndReason,
} from './events.js';
import { TabChannel, type TabChannelOptions, type TabMessage } from './tab-sync.js';
import type { TokenCache } from './token-cache.js';

/** Runs before an account is removed from this tab; see `AdieuClient.onBeforeAccountRemoved`. */
export type BeforeAccountRemovedHook = (
  account: AccountInfo,
  info: { reason: RemovalReason; remote: boolean },
) => void | Promise<void>;

/** A removal this tab did not ask for is reported with a remote reason. */
export const remoteReason = (r: RemovalReason | string): SessionEndReason =>
  r === 'front-channel' || r === 'push' || r === 'refresh-failure' ? r : 'other-tab';

export class AccountSync {
  private channel: TabChannel | undefined;
  /** The accounts this tab has told the app about. */
  private readonly known = new Map<string, AccountInfo>();
  private lastActive: string | null;
  private readonly hooks = new Set<BeforeAccountRemovedHook>();
  private readonly listeners = new Set<() => void>();
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param mayShow whether this page may return a present record to the app (default: always)
   */
  constructor(
    private readonly cfg: ResolvedConfig,
    private readonly cache: TokenCache,
    private readonly hub: EventHub,
    private readonly localStore: Storage | undefined,
    private readonly mayShow: (r: AccountRecord) => boolean = () => true,
  ) {
    // Every visible cached account, and every one whose session ended while this tab was away (a remembered
    // logout): the first reconcile reports those.
    const dead = new Set(cache.deadRecords().map((d) => d.record.account.homeAccountId));
    for (const r of cache.list()) {
      if (dead.has(r.account.homeAccountId) || mayShow(r)) this.known.set(r.account.homeAccountId, r.account);
    }
    this.lastActive = this.visibleActiveId();
  }

  get channelOptions(): TabChannelOptions {
    return {
      ...(this.cfg.broadcastChannel !== undefined ? { broadcastChannel: this.cfg.broadcastChannel } : {}),
      storage: this.localStore,
    };
  }

  /** Start listening to the other tabs (idempotent). */
  listen(): TabChannel {
    if (this.channel) return this.channel;
    this.channel = new TabChannel(
      `adieu.${this.cfg.clientId}`,
      (m) => this.onMessage(m),
      this.channelOptions,
    );
    if (typeof addEventListener === 'function') {
      addEventListener('storage', (e: StorageEvent) => {
        if (!this.localStore || e.storageArea !== this.localStore) return;
        const mine = this.cfg.cacheLocation === 'localStorage' && this.cache.isCacheKey(e.key);
        if (mine || e.key === this.cache.tombstonesKey) void this.reconcile();
      });
      // A page restored from the back/forward cache missed every message sent while it slept.
      addEventListener('pageshow', (e: PageTransitionEvent) => {
        if (e.persisted) void this.reconcile();
      });
    }
    return this.channel;
  }

  /** Serialize changes: hooks are awaited, and two changes must not interleave. */
  enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch((e: unknown) => console.error('[adieu] cache sync failed', e));
    return next;
  }

  addHook(hook: BeforeAccountRemovedHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Be told when the set of accounts changes (the session monitor follows it). */
  onAccountsChanged(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** The present accounts of the cache (records dead by tombstone excluded), visible to the app or not. */
  accounts(): AccountInfo[] {
    return this.presentRecords().map((r) => r.account);
  }

  /** The accounts the app may see: present, and confirmed for this page. */
  visible(): AccountInfo[] {
    return this.presentRecords()
      .filter((r) => this.mayShow(r))
      .map((r) => r.account);
  }

  private presentRecords(): AccountRecord[] {
    const dead = new Set(this.cache.deadRecords().map((d) => d.record.account.homeAccountId));
    return this.cache.list().filter((r) => !dead.has(r.account.homeAccountId));
  }

  /** The active account's id if the app may see it, else null. */
  visibleActiveId(): string | null {
    const id = this.cache.getActiveId();
    if (id === null) return null;
    const r = this.cache.get(id);
    return r && this.mayShow(r) ? id : null;
  }

  /** A login finished in this tab: store it, make it active, tell the other tabs. */
  saveLogin(record: AccountRecord): Promise<void> {
    return this.enqueue(async () => {
      this.cache.put(record);
      this.cache.setActiveId(record.account.homeAccountId);
      this.listen().post({ t: 'changed' });
      await this.reconcileNow();
    });
  }

  /** A refresh finished in this tab. */
  saveRefresh(record: AccountRecord): void {
    this.cache.put(record);
    // An account the app does not know yet is announced by the next reconcile (ACCOUNT_ADDED).
    if (this.known.has(record.account.homeAccountId))
      this.known.set(record.account.homeAccountId, record.account);
    this.listen().post({ t: 'changed' });
  }

  setActive(id: string | null): void {
    if (id === this.cache.getActiveId()) return;
    this.cache.setActiveId(id);
    this.lastActive = id;
    this.hub.emit(EventType.ACTIVE_ACCOUNT_CHANGED, null, id ? (this.known.get(id) ?? null) : null);
    this.listen().post({ t: 'changed' });
  }

  private async runHooks(accounts: AccountInfo[], reason: RemovalReason): Promise<void> {
    if (!this.hooks.size || !accounts.length) return;
    const remote = reason !== 'logout';
    const calls = accounts.flatMap((a) =>
      [...this.hooks].map((h) =>
        Promise.resolve()
          .then(() => h(a, { reason, remote }))
          .catch((e: unknown) => console.error('[adieu] onBeforeAccountRemoved hook failed', e)),
      ),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((r) => (timer = setTimeout(r, this.cfg.beforeRemoveTimeout)));
    await Promise.race([Promise.all(calls), limit]);
    clearTimeout(timer);
  }

  /** Compare this tab's view with the cache, in the queue. */
  reconcile(hint?: RemovalReason): Promise<void> {
    return this.enqueue(() => this.reconcileNow(hint));
  }

  /** Accounts this tab knew that are gone (or dead by tombstone), and accounts that appeared. */
  private async reconcileNow(hint?: RemovalReason): Promise<void> {
    const dead = this.cache.deadRecords();
    const tombstones = this.cache.tombstones();
    const present = new Set(this.accounts().map((a) => a.homeAccountId));
    const live = new Map(this.visible().map((a) => [a.homeAccountId, a]));
    const gone = [...this.known.values()].filter((a) => !present.has(a.homeAccountId));
    const byReason = new Map<RemovalReason, AccountInfo[]>();
    for (const a of gone) {
      const reason = remoteReason((a.sid && tombstones[a.sid]?.reason) || hint || 'other-tab');
      byReason.set(reason, [...(byReason.get(reason) ?? []), a]);
    }
    for (const [reason, accounts] of byReason) {
      await this.runHooks(accounts, reason);
      // A per-tab cache still holds records dead by tombstone: drop them before telling the app.
      for (const a of accounts)
        if (dead.some((d) => d.record.account.homeAccountId === a.homeAccountId))
          this.cache.remove(a.homeAccountId);
      this.applyRemoval(accounts, reason);
    }
    for (const d of dead) this.cache.remove(d.record.account.homeAccountId);
    let added = false;
    for (const [id, a] of live) {
      if (!this.known.has(id)) {
        added = true;
        this.hub.emit(EventType.ACCOUNT_ADDED, null, a);
      }
      this.known.set(id, a);
    }
    const active = this.visibleActiveId();
    if (active !== this.lastActive) {
      this.lastActive = active;
      this.hub.emit(EventType.ACTIVE_ACCOUNT_CHANGED, null, active ? (live.get(active) ?? null) : null);
    }
    if (added) this.notify();
  }

  /** Tell the app: these accounts left this tab. */
  applyRemoval(
    accounts: AccountInfo[],
    reason: RemovalReason,
    providerReason?: string,
    interactionType: InteractionType | null = null,
  ): void {
    const removed = accounts.filter((a) => this.known.delete(a.homeAccountId));
    if (!removed.length) return;
    for (const a of removed) this.hub.emit(EventType.ACCOUNT_REMOVED, interactionType, a);
    const active = this.visibleActiveId();
    if (this.lastActive !== active) {
      this.lastActive = active;
      this.hub.emit(EventType.ACTIVE_ACCOUNT_CHANGED, interactionType, null);
    }
    this.hub.emit(EventType.LOCAL_CLEARED, interactionType, { accounts: removed, reason });
    if (reason !== 'logout') {
      for (const account of removed) {
        this.hub.emit(EventType.SESSION_ENDED, null, { account, reason, sid: account.sid, providerReason });
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /**
   * Remove accounts from the cache and tell every other tab. `sids` are sessions to end even if this tab holds
   * no account for them (tabs with their own sessionStorage or memory caches may). Runs in the queue.
   */
  removeAccounts(
    accounts: AccountInfo[] | (() => AccountInfo[]),
    reason: RemovalReason,
    o: {
      sids?: string[];
      providerReason?: string | undefined;
      interactionType?: InteractionType | null;
    } = {},
  ): Promise<void> {
    return this.enqueue(async () => {
      const victims = typeof accounts === 'function' ? accounts() : accounts;
      await this.runHooks(victims, reason);
      const sids = [...new Set([...(o.sids ?? []), ...victims.flatMap((a) => (a.sid ? [a.sid] : []))])];
      for (const sid of sids) this.cache.addTombstone(sid, reason === 'logout' ? 'other-tab' : reason);
      for (const a of victims) this.cache.remove(a.homeAccountId);
      this.listen().post({
        t: 'removed',
        ids: victims.map((a) => a.homeAccountId),
        sids,
        iss: this.cfg.authority,
        reason,
        providerReason: o.providerReason,
      });
      this.applyRemoval(victims, reason, o.providerReason, o.interactionType ?? null);
    });
  }

  /** The provider says the session `sid` ended: forget its accounts in every tab. */
  endSession(sid: string, reason: SessionEndReason, providerReason?: string): Promise<void> {
    return this.removeAccounts(() => this.accounts().filter((a) => a.sid === sid), reason, {
      sids: [sid],
      providerReason,
    });
  }

  /**
   * The front-channel page, with first-party storage: remove the accounts of that session (or all), remember the
   * sid for tabs that are not listening, and tell the open tabs. No hooks: the frame shows no work to save; the
   * tabs run theirs when told.
   */
  frontChannel(req: { iss: string; sid: string } | 'all'): AccountInfo[] {
    const all = this.accounts();
    const victims = req === 'all' ? all : all.filter((a) => inSession(a, req.iss, req.sid));
    if (req !== 'all') this.cache.addTombstone(req.sid, 'front-channel');
    for (const a of victims) this.cache.remove(a.homeAccountId);
    this.listen().post({
      t: 'removed',
      ids: victims.map((a) => a.homeAccountId),
      sids: req === 'all' ? [] : [req.sid],
      ...(req === 'all' ? { all: true } : { iss: req.iss }),
      reason: 'front-channel',
    });
    this.applyRemoval(victims, 'front-channel');
    return victims;
  }

  private onMessage(m: TabMessage): void {
    if (m.t === 'changed') {
      void this.reconcile();
      return;
    }
    if (m.t !== 'removed') return;
    void this.enqueue(async () => {
      const reason = remoteReason(m.reason);
      const victims = [...this.known.values()].filter(
        (a) =>
          m.all ||
          m.ids.includes(a.homeAccountId) ||
          (a.sid !== undefined && m.sids.includes(a.sid) && inSession(a, m.iss, a.sid)),
      );
      if (victims.length) {
        await this.runHooks(victims, reason);
        for (const a of victims) this.cache.remove(a.homeAccountId);
        this.applyRemoval(victims, reason, m.providerReason);
      }
      await this.reconcileNow(reason);
    });
  }
}
