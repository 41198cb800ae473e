/**
 * A small read-through cache with a time to live, for rows read on every request that change rarely (clients,
 * users). It is an optimisation only: the store stays the truth, and another process's change is seen within
 * `ttlMs`. Bounded: past `max` entries it starts over.
 */
export class TtlCache<V> {
  private entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  /** A fresh cached value, or undefined. */
  peek(key: string): { value: V } | undefined {
    const hit = this.entries.get(key);
    return hit && this.now() - hit.at < this.ttlMs ? { value: hit.value } : undefined;
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, at: this.now() });
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.peek(key);
    if (hit) return hit.value;
    const value = await load();
    this.set(key, value);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
