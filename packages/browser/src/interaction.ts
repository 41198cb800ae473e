/**
 * Interactions in flight (a login or logout that left for the provider and will come back). The `state` sent to
 * the provider carries its kind as a prefix, so a page the provider lands on knows at once whether the answer is
 * for itself (a redirect) or for the window that opened it (a popup), without any storage shared between the
 * two: that is what keeps popups working when `Cross-Origin-Opener-Policy` cuts `window.opener`.
 */
import { randomString } from './pkce.js';
import { readJson, type KeyValueStore } from './storage.js';

/** `lr` login by redirect, `lp` login by popup, `xr` logout by redirect, `xp` logout by popup. */
export type InteractionKind = 'lr' | 'lp' | 'xr' | 'xp';

const KINDS: readonly string[] = ['lr', 'lp', 'xr', 'xp'];

/** An unguessable state (192 bits) that names its kind. */
export function newState(kind: InteractionKind): string {
  return `${kind}.${randomString(24)}`;
}

export function stateKind(state: string | null | undefined): InteractionKind | undefined {
  const kind = state?.split('.', 1)[0];
  return kind !== undefined && KINDS.includes(kind) && state!.length > 3
    ? (kind as InteractionKind)
    : undefined;
}

/** A login started by redirect: what the callback needs to finish it. */
export interface PendingLogin {
  kind: 'login';
  nonce: string;
  verifier: string;
  redirectUri: string;
  scopes: string[];
  /** The app's own state, returned in the result. */
  userState?: string | undefined;
  createdAt: number;
}

/** A logout that left for the provider by redirect: what to report when it comes back. */
export interface PendingLogout {
  kind: 'logout';
  accounts: { homeAccountId: string; username: string; environment: string }[];
  userState?: string | undefined;
  createdAt: number;
}

export type Pending = PendingLogin | PendingLogout;

/** Pending interactions of this tab, by state (sessionStorage: a redirect comes back to the same tab). */
export class PendingRequests {
  constructor(
    private readonly store: KeyValueStore,
    private readonly prefix: string,
  ) {}

  save(state: string, p: Pending): void {
    this.store.set(`${this.prefix}request.${state}`, JSON.stringify(p));
  }

  /** Read and forget: a state is good for one answer only. Entries older than an hour are dropped. */
  take(state: string, now = Date.now()): Pending | undefined {
    const key = `${this.prefix}request.${state}`;
    const p = readJson<Pending>(this.store, key);
    this.store.remove(key);
    for (const k of this.store.keys(`${this.prefix}request.`)) {
      const old = readJson<Pending>(this.store, k);
      if (!old || now - old.createdAt > 3_600_000) this.store.remove(k);
    }
    return p;
  }
}
