/**
 * Messages between the tabs (and same-origin frames and popups) of one app. BroadcastChannel carries them;
 * where it does not exist, a `localStorage` key written and removed at once raises a `storage` event in every
 * other tab, which carries the same message. Both are same-origin only, so nothing outside the app can listen.
 */
import type { RemovalReason } from './events.js';
import { randomString } from './pkce.js';

export type TabMessage =
  /** These accounts (by homeAccountId), sessions (by sid), or all accounts are signed out: forget them. */
  | {
      t: 'removed';
      ids: string[];
      sids: string[];
      all?: boolean;
      iss?: string;
      reason: RemovalReason;
      providerReason?: string | undefined;
    }
  /** The shared cache changed (login, refresh, active account): read it again. */
  | { t: 'changed' }
  /** A popup landed on the app with the provider's answer. */
  | { t: 'popup'; state: string; url: string };

type Envelope = { id: string; m: TabMessage };

export interface TabChannelOptions {
  /** BroadcastChannel implementation; `null` forces the storage-event fallback (tests, old browsers). */
  broadcastChannel?: typeof BroadcastChannel | null;
  /** localStorage, for the fallback. */
  storage?: Storage | undefined;
}

export class TabChannel {
  private readonly bc: BroadcastChannel | undefined;
  private readonly seen = new Set<string>();
  private readonly busKey: string;
  private readonly onStorage = (e: StorageEvent) => {
    if (e.key === this.busKey && e.newValue) this.receive(e.newValue);
  };

  constructor(
    readonly name: string,
    private readonly onMessage: (m: TabMessage) => void,
    private readonly options: TabChannelOptions = {},
  ) {
    this.busKey = `${name}.bus`;
    const BC =
      options.broadcastChannel === undefined
        ? typeof BroadcastChannel === 'function'
          ? BroadcastChannel
          : undefined
        : (options.broadcastChannel ?? undefined);
    if (BC) {
      this.bc = new BC(name);
      this.bc.onmessage = (e: MessageEvent) => this.deliver(e.data as Envelope);
    } else if (typeof addEventListener === 'function') {
      addEventListener('storage', this.onStorage);
    }
  }

  /** Which transport carries messages: for diagnostics and tests. */
  get transport(): 'broadcast-channel' | 'storage-event' {
    return this.bc ? 'broadcast-channel' : 'storage-event';
  }

  post(m: TabMessage): void {
    const envelope: Envelope = { id: randomString(9), m };
    this.seen.add(envelope.id);
    if (this.bc) {
      this.bc.postMessage(envelope);
      return;
    }
    const s = this.options.storage;
    if (!s) return;
    try {
      s.setItem(this.busKey, JSON.stringify(envelope));
      s.removeItem(this.busKey);
    } catch {
      // storage refused: no other tab can be told this way
    }
  }

  private receive(raw: string): void {
    try {
      this.deliver(JSON.parse(raw) as Envelope);
    } catch {
      // not ours
    }
  }

  private deliver(e: Envelope): void {
    if (!e || typeof e.id !== 'string' || !e.m || this.seen.has(e.id)) return;
    this.seen.add(e.id);
    if (this.seen.size > 500) this.seen.clear();
    this.onMessage(e.m);
  }

  close(): void {
    this.bc?.close();
    if (typeof removeEventListener === 'function') removeEventListener('storage', this.onStorage);
  }
}
