/**
 * Where tokens live: `localStorage` (shared by every tab of the origin, survives restarts), `sessionStorage`
 * (one tab, survives reloads; MSAL.js's default and ours) or `memoryStorage` (one page load). One narrow
 * interface in front of all three, which never throws: a browser that refuses storage (a third-party frame with
 * cookies blocked, a private mode quota) is reported through {@link webStorage} returning `undefined`.
 */

export type CacheLocation = 'localStorage' | 'sessionStorage' | 'memoryStorage';

export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** Every key that starts with `prefix`. */
  keys(prefix: string): string[];
}

/** A page-lifetime store. */
export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, string>();
  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  set(key: string, value: string): void {
    this.map.set(key, value);
  }
  remove(key: string): void {
    this.map.delete(key);
  }
  keys(prefix: string): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
}

/** A Web Storage area behind the narrow interface. */
export class WebStore implements KeyValueStore {
  constructor(private readonly storage: Storage) {}
  get(key: string): string | null {
    try {
      return this.storage.getItem(key);
    } catch {
      return null;
    }
  }
  set(key: string, value: string): void {
    this.storage.setItem(key, value);
  }
  remove(key: string): void {
    try {
      this.storage.removeItem(key);
    } catch {
      // nothing to remove from a storage we cannot reach
    }
  }
  keys(prefix: string): string[] {
    const out: string[] = [];
    try {
      for (let i = 0; i < this.storage.length; i++) {
        const k = this.storage.key(i);
        if (k !== null && k.startsWith(prefix)) out.push(k);
      }
    } catch {
      // unreachable storage has no keys
    }
    return out;
  }
}

/**
 * The named Web Storage area if this document may use it, else `undefined`. Merely reading
 * `window.localStorage` throws a SecurityError in a third-party frame when third-party cookies are blocked
 * (measured in Chromium 156), so the probe writes and removes a key inside a try.
 */
export function webStorage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    const s = globalThis[kind];
    if (!s) return undefined;
    const probe = '__adieu_probe__';
    s.setItem(probe, '1');
    s.removeItem(probe);
    return s;
  } catch {
    return undefined;
  }
}

/** The store for a cache location; falls back to memory when the browser refuses the Web Storage area. */
export function openStore(location: CacheLocation): { store: KeyValueStore; degraded: boolean } {
  if (location === 'memoryStorage') return { store: new MemoryStore(), degraded: false };
  const s = webStorage(location);
  return s ? { store: new WebStore(s), degraded: false } : { store: new MemoryStore(), degraded: true };
}

/** Read JSON from a store; a corrupt value counts as absent. */
export function readJson<T>(store: KeyValueStore, key: string): T | undefined {
  const raw = store.get(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
