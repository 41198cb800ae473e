/**
 * The token cache: one storage key per account (`adieu.<clientId>.account.<homeAccountId>`), so that removing
 * an account is one `removeItem` that every other tab sees as a `storage` event naming exactly that account.
 * The active account and the logout tombstones have their own keys.
 */
import { pruneTombstones, tombstoneApplies, type AccountRecord, type Tombstones } from './account.js';
import { readJson, type KeyValueStore } from './storage.js';

export class TokenCache {
  readonly prefix: string;

  /**
   * @param store where accounts and tokens live (the configured cache location)
   * @param shared localStorage when this document may use it: holds tombstones every tab can read
   */
  constructor(
    clientId: string,
    readonly store: KeyValueStore,
    readonly shared: KeyValueStore | undefined,
  ) {
    this.prefix = `adieu.${clientId}.`;
  }

  private accountKey(id: string): string {
    return `${this.prefix}account.${encodeURIComponent(id)}`;
  }

  get activeKey(): string {
    return `${this.prefix}active`;
  }

  get tombstonesKey(): string {
    return `${this.prefix}ended`;
  }

  /** Does a storage key belong to this client's account cache? */
  isCacheKey(key: string | null): boolean {
    return key === null || key.startsWith(`${this.prefix}account.`) || key === this.activeKey;
  }

  list(): AccountRecord[] {
    const out: AccountRecord[] = [];
    for (const key of this.store.keys(`${this.prefix}account.`)) {
      const r = readJson<AccountRecord>(this.store, key);
      if (r?.account?.homeAccountId) out.push(r);
    }
    return out.sort((a, b) => a.signedInAt - b.signedInAt);
  }

  get(homeAccountId: string): AccountRecord | undefined {
    return readJson<AccountRecord>(this.store, this.accountKey(homeAccountId));
  }

  put(record: AccountRecord): void {
    this.store.set(this.accountKey(record.account.homeAccountId), JSON.stringify(record));
  }

  remove(homeAccountId: string): void {
    this.store.remove(this.accountKey(homeAccountId));
    if (this.getActiveId() === homeAccountId) this.store.remove(this.activeKey);
  }

  getActiveId(): string | null {
    return this.store.get(this.activeKey);
  }

  setActiveId(id: string | null): void {
    if (id === null) this.store.remove(this.activeKey);
    else this.store.set(this.activeKey, id);
  }

  tombstones(): Tombstones {
    return (this.shared && readJson<Tombstones>(this.shared, this.tombstonesKey)) || {};
  }

  /** Remember that the session `sid` ended, for tabs that are not listening right now. */
  addTombstone(sid: string, reason: string, now = Date.now()): void {
    if (!this.shared) return;
    const t = pruneTombstones({ ...this.tombstones(), [sid]: { at: now, reason } }, now);
    try {
      this.shared.set(this.tombstonesKey, JSON.stringify(t));
    } catch {
      // a full or refused storage only loses the hint for late tabs; open tabs are told directly
    }
  }

  /** Records a remembered logout applies to, with the reason it was recorded with. */
  deadRecords(): { record: AccountRecord; reason: string }[] {
    const t = this.tombstones();
    return this.list()
      .filter((r) => tombstoneApplies(r, t))
      .map((record) => ({ record, reason: t[record.account.sid!]!.reason }));
  }
}
