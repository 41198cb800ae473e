import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Grant types worth a label of their own; anything else is counted as `other` (labels must stay bounded). */
const GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

/** Numbers read from the store when Prometheus scrapes (not counted as they happen). */
export interface MetricSources {
  /** Back-channel deliveries not yet done (pending rows in the outbox), across all processes. */
  outboxDepth(): Promise<number>;
  /** SSO sessions neither ended nor expired, across all processes. */
  activeSessions(): Promise<number>;
  /** Password hashes of this process: running, and waiting for a slot. */
  passwordHashes(): { running: number; waiting: number };
  /** This process's PostgreSQL pool (undefined on SQLite): connections in use, idle, and queries queued for one. */
  databaseConnections(): { busy: number; idle: number; waiting: number } | undefined;
}

/**
 * The provider's Prometheus metrics, on a registry of its own (several providers may share one Node process in
 * tests). Services call the typed methods below at the moment something happens; the HTTP layer records
 * requests. Counting is a map lookup, so it runs whether or not the metrics are exposed.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly tokens: Counter<'grant'>;
  private readonly logins: Counter<'outcome'>;
  private readonly logouts: Counter<'reason'>;
  private readonly attempts: Counter<'outcome'>;
  private readonly deliveryLatency: Histogram<'outcome'>;
  private readonly sse: Gauge;
  private readonly hashesRefused: Counter;
  private sources: MetricSources | undefined;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'adieu_' });
    this.requests = new Histogram({
      name: 'adieu_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status code, with their latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.tokens = new Counter({
      name: 'adieu_tokens_issued_total',
      help: 'Successful token responses by grant type',
      labelNames: ['grant'],
      registers,
    });
    this.logins = new Counter({
      name: 'adieu_logins_total',
      help: 'Password sign-ins by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.logouts = new Counter({
      name: 'adieu_logouts_total',
      help: 'SSO sessions ended through the logout path, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.attempts = new Counter({
      name: 'adieu_backchannel_attempts_total',
      help: 'Back-channel logout delivery attempts by outcome (delivered, rejected, retry)',
      labelNames: ['outcome'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'adieu_backchannel_delivery_duration_seconds',
      help: 'Duration of back-channel logout POSTs, by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sse = new Gauge({
      name: 'adieu_sse_subscribers',
      help: 'Open session-event streams (SPAs listening for logout) on this process',
      registers,
    });
    this.hashesRefused = new Counter({
      name: 'adieu_password_hashes_refused_total',
      help: 'Password hashes refused because they would have waited longer than login.hash_max_wait_seconds',
      registers,
    });
    const sources = () => this.sources;
    /** A gauge with one sample per state, read when Prometheus scrapes; nothing when `read` has nothing. */
    const byState = (name: string, help: string, read: () => Record<string, number> | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['state'],
        registers,
        collect() {
          const counts = read();
          if (!counts) return;
          for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
        },
      });
    byState(
      'adieu_password_hashes',
      'Password hashes on this process by state: running, or waiting for a slot (login.hash_concurrency)',
      () => sources()?.passwordHashes(),
    );
    byState(
      'adieu_database_connections',
      "This process's PostgreSQL connections by state: busy, idle, or waiting (queries queued for a connection)",
      () => sources()?.databaseConnections(),
    );
    new Gauge({
      name: 'adieu_outbox_depth',
      help: 'Back-channel logout deliveries waiting in the outbox (all processes)',
      registers,
      async collect() {
        const s = sources();
        if (s) this.set(await s.outboxDepth());
      },
    });
    new Gauge({
      name: 'adieu_active_sessions',
      help: 'SSO sessions neither ended nor expired (all processes)',
      registers,
      async collect() {
        const s = sources();
        if (s) this.set(await s.activeSessions());
      },
    });
  }

  /** Where the scrape-time gauges read from (the store, once it is open). */
  readFrom(sources: MetricSources): void {
    this.sources = sources;
  }

  hashRefused(): void {
    this.hashesRefused.inc();
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  tokenIssued(grant: unknown): void {
    this.tokens.inc({ grant: typeof grant === 'string' && GRANTS.has(grant) ? grant : 'other' });
  }

  login(ok: boolean): void {
    this.logins.inc({ outcome: ok ? 'ok' : 'failed' });
  }

  logout(reason: string): void {
    this.logouts.inc({ reason });
  }

  delivery(outcome: 'delivered' | 'rejected' | 'retry', durationMs: number): void {
    this.attempts.inc({ outcome });
    this.deliveryLatency.observe({ outcome }, durationMs / 1000);
  }

  sseOpened(): void {
    this.sse.inc();
  }

  sseClosed(): void {
    this.sse.dec();
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
