/**
 * Issue 18: on PostgreSQL every statement is a network round trip, and the end_session page waits for each read
 * that follows another. The page's reads that do not depend on each other go out together; this test counts the
 * waits in a row (statements whose times overlap are one wait) between the request and its answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type LogEvent } from 'kysely';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, oidc, signIn } from '../../../test/support/oidc.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { hasPostgres } from '../../../test/support/env.js';

const ALICE = { username: 'alice', password: 'alice-password' };
const cb = (n: string) => `http://localhost:5001/${n}/callback`;
const home = (n: string) => `http://localhost:5001/${n}/`;

/** Statements of the outbox worker, which runs on its own schedule beside any request. */
const WORKER =
  /^(begin|commit)$|^update "backchannel_outbox"|^insert into "delivery_attempts"|min\("next_attempt_at"\)/;

interface Timed {
  sql: string;
  start: number;
  end: number;
}

/**
 * The waits in a row: the longest chain of statements each sent after the one before it had answered. Statements
 * sent together (their times overlap) cost one wait between them; returned as the chain's statements.
 */
function chain(statements: readonly Timed[]): string[] {
  const sorted = [...statements].sort((a, b) => a.start - b.start);
  const best: { length: number; path: string[] }[] = [];
  sorted.forEach((s, i) => {
    let before = { length: 0, path: [] as string[] };
    for (let j = 0; j < i; j++) {
      if (sorted[j]!.end <= s.start && best[j]!.length > before.length) before = best[j]!;
    }
    best.push({ length: before.length + 1, path: [...before.path, s.sql.slice(0, 70)] });
  });
  return best.reduce((a, b) => (b.length > a.length ? b : a), { length: 0, path: [] as string[] }).path;
}

describe.runIf(hasPostgres())('end_session on PostgreSQL', () => {
  let op: TestProvider;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    op = await startTestProvider(
      {
        clients: [
          {
            client_id: 'portal',
            client_name: 'Portal',
            client_secret: 'portal-secret-0123456789',
            redirect_uris: [cb('portal')],
            post_logout_redirect_uris: [home('portal')],
            backchannel_logout_uri: receiver.url,
          },
        ],
        users: [{ ...ALICE, name: 'Alice' }],
      },
      { engine: 'postgres' },
    );
  });
  afterAll(async () => {
    await op?.close();
    await receiver?.stop();
  });

  it('answers after five waits for the database in a row, not eight', async () => {
    const client = await discover({
      issuer: op.issuer,
      clientId: 'portal',
      clientSecret: 'portal-secret-0123456789',
      redirectUri: cb('portal'),
    });
    const browser = new BrowserSession();
    const { tokens } = await signIn(client, browser, cb('portal'), ALICE);

    // A warm pool, as in a running provider: statements sent together each find a connection.
    await Promise.all(Array.from({ length: 8 }, () => sql`select 1`.execute(op.provider.store.db)));
    const seen: Timed[] = [];
    let answered = Infinity;
    const stats = op.provider.store.connection.stats;
    stats.onEvent = (e: LogEvent) => {
      const end = performance.now();
      const sql = e.query.sql.replace(/\s+/g, ' ');
      if (end <= answered && !WORKER.test(sql)) seen.push({ sql, start: end - e.queryDurationMillis, end });
    };
    const watch = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/end_session?')) res.once('finish', () => (answered = performance.now()));
    };
    op.app.server.on('request', watch);
    try {
      const url = oidc.buildEndSessionUrl(client, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: home('portal'),
      });
      const page = await browser.navigate(url.href);
      expect(page.status).toBe(200);
    } finally {
      stats.onEvent = undefined;
      op.app.server.off('request', watch);
    }
    const waits = chain(seen.filter((s) => s.end <= answered));
    // The browser's sessions; the plan (apps, upstream bindings, and the name on the receipt beside them); the
    // logout written in one statement; the look for a successor a racing rotation stored (RefreshTokensRepo.
    // revokeRefresh); the receipt's reads, the accounts still signed in among them.
    expect(waits, JSON.stringify(waits, null, 1)).toHaveLength(5);
    expect(waits[2]).toMatch(/^with "ended" as/);
    await receiver.waitFor(1);
  });
});
