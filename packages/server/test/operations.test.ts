/**
 * What an operator relies on: health and readiness probes, the home page, Prometheus metrics (off by default,
 * protected on the main port, open on their own port), counted as a real sign-in, refresh and logout happen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, startTestProvider, testDatabase, type TestProvider } from '../src/testing/index.js';
import { hasPostgres } from '../../../test/support/env.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, oidc, signIn, authorizationRequest, authorize } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';

const CB = 'http://localhost:5011/cb';
const SECRET = 'ops-app-secret-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';
const ALICE = { username: 'alice', password: 'alice-password' };

/** One sample of a metric in the exposition text (labels given in any order, all must match). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('health, readiness and the home page', () => {
  let op: TestProvider;
  beforeAll(async () => {
    op = await startTestProvider();
  });
  afterAll(() => op.close());

  it('/healthz says alive; /readyz checks database, migrations, keys and the outbox worker', async () => {
    const alive = await fetch(`${op.issuer}/healthz`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${op.issuer}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', signing_keys: 'ok', outbox_worker: 'ok' },
    });
  });

  it('/ is a small page that links to the account page and the discovery document', async () => {
    const res = await fetch(`${op.issuer}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await res.text();
    expect(body).toContain('href="/account"');
    expect(body).toContain('href="/.well-known/openid-configuration"');
    expect(body).toContain(op.issuer);
  });

  it('metrics are off by default', async () => {
    expect((await fetch(`${op.issuer}/metrics`)).status).toBe(404);
  });

  it('/readyz answers 503 naming the failed check when the outbox worker is not running', async () => {
    const second = await startTestProvider({}, { database: op.database, workers: false });
    try {
      const res = await fetch(`${second.issuer}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.outbox_worker).toBe('not running');
      expect(body.checks.database).toBe('ok');
    } finally {
      await second.close();
    }
  });
});

describe('Prometheus metrics on the main port, behind a bearer token', () => {
  let op: TestProvider;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    op = await startTestProvider({
      metrics: { enabled: true, bearer_token: METRICS_TOKEN },
      clients: [
        {
          client_id: 'app',
          client_secret: SECRET,
          redirect_uris: [CB],
          backchannel_logout_uri: receiver.url,
        },
      ],
      users: [ALICE],
    });
  });
  afterAll(async () => {
    await op.close();
    await receiver.stop();
  });

  const scrape = async () => {
    const res = await fetch(`${op.issuer}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('refuses a scrape without the token', async () => {
    expect((await fetch(`${op.issuer}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${op.issuer}/metrics`, {
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('counts requests, tokens by grant, logins, sessions, logouts, deliveries and SSE subscribers', async () => {
    const app = await discover({ issuer: op.issuer, clientId: 'app', clientSecret: SECRET, redirectUri: CB });
    // A failed sign-in, then a good one.
    const browser = new BrowserSession();
    const req = await authorizationRequest(app, CB);
    const first = await authorize(browser, req.url);
    const failed = await browser.submit(first.loginPage!, { username: 'alice', password: 'wrong' });
    expect(failed.status).toBe(401);
    const { tokens } = await signIn(app, browser, CB, ALICE);
    await oidc.refreshTokenGrant(app, tokens.refresh_token!);

    let text = await scrape();
    expect(sample(text, 'adieu_tokens_issued_total', { grant: 'authorization_code' })).toBe(1);
    expect(sample(text, 'adieu_tokens_issued_total', { grant: 'refresh_token' })).toBe(1);
    expect(sample(text, 'adieu_logins_total', { outcome: 'ok' })).toBe(1);
    expect(sample(text, 'adieu_logins_total', { outcome: 'failed' })).toBe(1);
    expect(sample(text, 'adieu_active_sessions')).toBe(1);
    expect(
      sample(text, 'adieu_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/token',
        status: '200',
      }),
    ).toBe(2);
    expect(sample(text, 'adieu_http_request_duration_seconds_count', { route: 'unmatched' })).toBeUndefined();

    // An open push stream counts as a subscriber while it is open.
    const stream = new AbortController();
    const sse = await fetch(`${op.issuer}/session/events`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
      signal: stream.signal,
    });
    expect(sse.status).toBe(200);
    expect(sample(await scrape(), 'adieu_sse_subscribers')).toBe(1);

    // Sign out everywhere: one logout, one back-channel delivery.
    const out = await browser.navigate(
      `${op.issuer}/end_session?${new URLSearchParams({ id_token_hint: tokens.id_token! })}`,
    );
    expect(out.status).toBe(200);
    await receiver.waitFor(1);
    await expect
      .poll(async () => sample(await scrape(), 'adieu_backchannel_attempts_total', { outcome: 'delivered' }))
      .toBe(1);
    text = await scrape();
    expect(sample(text, 'adieu_logouts_total', { reason: 'rp' })).toBe(1);
    expect(sample(text, 'adieu_backchannel_delivery_duration_seconds_count', { outcome: 'delivered' })).toBe(
      1,
    );
    expect(sample(text, 'adieu_outbox_depth')).toBe(0);
    expect(sample(text, 'adieu_active_sessions')).toBe(0);
    stream.abort();
    await expect.poll(async () => sample(await scrape(), 'adieu_sse_subscribers')).toBe(0);
    // Process metrics come along, prefixed.
    expect(sample(text, 'adieu_process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('metrics on a port of their own', () => {
  it('serve the exposition without a token on metrics.port, and nothing else there', async () => {
    const port = await freePort();
    const op = await startTestProvider({ metrics: { enabled: true, port } });
    try {
      expect(op.metricsUrl).toBe(`http://127.0.0.1:${port}/metrics`);
      const res = await fetch(op.metricsUrl!);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^# HELP adieu_http_request_duration_seconds /m);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      // Not on the main port.
      expect((await fetch(`${op.issuer}/metrics`)).status).toBe(404);
    } finally {
      await op.close();
    }
  });

  it('a config that exposes metrics on the main port without a token is refused', async () => {
    await expect(startTestProvider({ metrics: { enabled: true } })).rejects.toThrow(
      /metrics on the main port need a bearer_token/,
    );
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

/** A stand-in OTLP/HTTP collector: records the spans POSTed to /v1/traces (JSON encoding). */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const doc = JSON.parse(body) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

describe('OpenTelemetry traces', () => {
  it('a span per request (continuing the caller trace), store calls as its children, a span per delivery', async () => {
    const collector = await startCollector();
    const receiver = await startReceiver();
    const op = await startTestProvider({
      tracing: { endpoint: collector.url, service_name: 'adieu-test' },
      clients: [
        {
          client_id: 'app',
          client_secret: SECRET,
          redirect_uris: [CB],
          backchannel_logout_uri: receiver.url,
        },
      ],
      users: [ALICE],
    });
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`${op.issuer}/readyz`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(res.status).toBe(200);
      const app = await discover({
        issuer: op.issuer,
        clientId: 'app',
        clientSecret: SECRET,
        redirectUri: CB,
      });
      const browser = new BrowserSession();
      const { tokens } = await signIn(app, browser, CB, ALICE);
      await browser.navigate(
        `${op.issuer}/end_session?${new URLSearchParams({ id_token_hint: tokens.id_token! })}`,
      );
      await receiver.waitFor(1);
      // The delivery span ends once the attempt is recorded; then flush.
      await expect.poll(() => op.provider.store.ops.outboxDepth()).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      await op.provider.tracing.shutdown();
      const spans = collector.spans;

      const ready = spans.find((s) => s.name === 'GET /readyz')!;
      expect(ready).toBeDefined();
      expect(ready.traceId).toBe(traceId);
      expect(ready.parentSpanId).toBe('00f067aa0ba902b7');
      expect(attr(ready, 'http.response.status_code')).toBe(200);
      const readyQueries = spans.filter((s) => s.name === 'db.query' && s.parentSpanId === ready.spanId);
      expect(readyQueries.length).toBeGreaterThan(0);
      expect(attr(readyQueries[0]!, 'db.system.name')).toBe('sqlite');

      const token = spans.find((s) => s.name === 'POST /token')!;
      expect(token).toBeDefined();
      expect(spans.some((s) => s.name === 'db.query' && s.parentSpanId === token.spanId)).toBe(true);

      const delivery = spans.find((s) => s.name === 'backchannel.delivery')!;
      expect(delivery).toBeDefined();
      expect(attr(delivery, 'adieu.client_id')).toBe('app');
      expect(spans.some((s) => s.name === 'db.query' && s.parentSpanId === delivery.spanId)).toBe(true);
      // Values never reach the spans: statements carry placeholders.
      expect(JSON.stringify(spans)).not.toContain(ALICE.password);
    } finally {
      await op.close();
      await receiver.stop();
      await collector.close();
    }
  });
});

describe.skipIf(!hasPostgres())('database connections in the metrics, on PostgreSQL', () => {
  it("adieu_database_connections shows this process's pool by state, within pool_max", async () => {
    const db = testDatabase('postgres');
    const op = await startTestProvider(
      { metrics: { enabled: true, bearer_token: METRICS_TOKEN } },
      { database: `${db.url}&pool_max=2` },
    );
    try {
      const scrape = async () =>
        (
          await fetch(`${op.issuer}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
        ).text();
      // Twenty readiness checks at once, each a query: two connections serve them all, the rest queue.
      const ready = await Promise.all(Array.from({ length: 20 }, () => fetch(`${op.issuer}/readyz`)));
      expect(ready.map((r) => r.status)).toEqual(Array(20).fill(200));
      const text = await scrape();
      const busy = sample(text, 'adieu_database_connections', { state: 'busy' });
      const idle = sample(text, 'adieu_database_connections', { state: 'idle' });
      // The scrape's own gauges (sessions, outbox) hold connections while it is collected.
      expect(busy! + idle!).toBeGreaterThanOrEqual(1);
      expect(busy! + idle!).toBeLessThanOrEqual(2);
      expect(sample(text, 'adieu_database_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    } finally {
      await op.close();
      await db.cleanup();
    }
  });
});

describe('database connections in the metrics, on SQLite', () => {
  it('are absent, since SQLite has no pool', async () => {
    const op = await startTestProvider({ metrics: { enabled: true, bearer_token: METRICS_TOKEN } });
    try {
      const res = await fetch(`${op.issuer}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(sample(await res.text(), 'adieu_database_connections', { state: 'busy' })).toBeUndefined();
    } finally {
      await op.close();
    }
  });
});
