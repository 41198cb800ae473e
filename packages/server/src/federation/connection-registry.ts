import type { Store } from '../store/store.js';
import { connectionSchema, type Connection, type ConnectionInput } from './connection-config.js';
import { outboundFetch, type FetchLike } from './outbound-fetch.js';
import { UpstreamClient } from './upstream-client.js';

export interface RegistryOptions {
  /** Connections from the config file: fixed for the life of the process, never shadowed by stored ones. */
  configured: readonly Connection[];
  resolve: Readonly<Record<string, string>>;
  extraCa: readonly string[];
  timeoutSeconds: number;
  now: () => number;
  /** How long a process trusts its copy of the stored connections (another process may change them). */
  cacheMs?: number;
}

/**
 * The upstream providers this deployment offers: the config file's plus those added with
 * `adieu connection add` or the admin API. One UpstreamClient per connection keeps its discovery document.
 */
export class ConnectionRegistry {
  private readonly fetchImpl: FetchLike;
  private readonly clients = new Map<string, { json: string; client: UpstreamClient }>();
  private stored: { at: number; list: Connection[] } | undefined;

  constructor(
    private readonly store: Store,
    private readonly o: RegistryOptions,
  ) {
    this.fetchImpl = outboundFetch({
      resolve: o.resolve,
      extraCa: o.extraCa,
      timeoutMs: o.timeoutSeconds * 1000,
    });
  }

  async list(): Promise<Connection[]> {
    const fixed = new Set(this.o.configured.map((c) => c.id));
    return [...this.o.configured, ...(await this.storedList()).filter((c) => !fixed.has(c.id))];
  }

  /** The connections an app offers: its `connections` list, or all of them. */
  async offeredTo(client: { metadata: { connections?: readonly string[] | undefined } } | undefined) {
    const all = await this.list();
    const only = client?.metadata.connections;
    return only ? all.filter((c) => only.includes(c.id)) : all;
  }

  async get(id: string): Promise<Connection | undefined> {
    return (await this.list()).find((c) => c.id === id);
  }

  /** The client for a connection, rebuilt when its settings changed. */
  async client(id: string): Promise<UpstreamClient | undefined> {
    const c = await this.get(id);
    if (!c) return undefined;
    const json = JSON.stringify(c);
    const known = this.clients.get(id);
    if (known?.json === json) return known.client;
    const client = new UpstreamClient(c, this.fetchImpl, this.o.timeoutSeconds);
    this.clients.set(id, { json, client });
    return client;
  }

  /** The outbound fetch used for every upstream request (host map, CA files, timeout). */
  fetch(url: string, init: RequestInit): Promise<Response> {
    return this.fetchImpl(url, init);
  }

  /**
   * Is an upstream URL answering at all? A browser sent to a dead upstream is stuck there; better to say so and
   * let the person go on. Any HTTP answer counts (the endpoint may well want a browser and its cookies).
   */
  async probe(url: URL): Promise<void> {
    // Without the query: the probe must not carry the id_token_hint (some upstreams act on it without a cookie).
    const bare = `${url.origin}${url.pathname}`;
    const res = await this.fetchImpl(bare, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(3_000),
    });
    await res.body?.cancel();
  }

  isConfigured(id: string): boolean {
    return this.o.configured.some((c) => c.id === id);
  }

  /** Add or replace a stored connection. Config-file connections cannot be changed at run time. */
  async save(input: ConnectionInput): Promise<Connection> {
    const c = connectionSchema.parse(input);
    if (this.isConfigured(c.id)) throw new ConnectionConflict(c.id);
    await this.store.connections.upsert(c.id, JSON.stringify(c), this.o.now());
    this.stored = undefined;
    return c;
  }

  async remove(id: string): Promise<boolean> {
    if (this.isConfigured(id)) throw new ConnectionConflict(id);
    const removed = await this.store.connections.remove(id);
    this.stored = undefined;
    this.clients.delete(id);
    return removed;
  }

  private async storedList(): Promise<Connection[]> {
    const now = this.o.now();
    if (this.stored && now - this.stored.at < (this.o.cacheMs ?? 5_000)) return this.stored.list;
    const rows = await this.store.connections.list();
    const list: Connection[] = [];
    for (const r of rows) {
      // A row that no longer validates (an older version's shape) is skipped, not fatal for every sign-in.
      const parsed = connectionSchema.safeParse(JSON.parse(r.settings));
      if (parsed.success) list.push(parsed.data);
    }
    this.stored = { at: now, list };
    return list;
  }
}

export class ConnectionConflict extends Error {
  constructor(readonly id: string) {
    super(`connection "${id}" comes from the config file; change it there`);
  }
}
