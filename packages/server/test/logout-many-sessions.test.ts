/**
 * Issue 18: ending many sessions at once (an upstream logout token naming only `sub`, an admin revoking every
 * session of a user) is set-based: a handful of statements however many sessions end, and each session still
 * gets everything a logout of one session gets (its own logout id and record, participant rows, an outbox row
 * per back-channel app, an audit event, a session event, its refresh tokens revoked, every token delivered).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import type { SessionRow } from '../src/store/repos/sessions.js';
import type { RefreshTokenRow } from '../src/store/repos/refresh-tokens.js';
import { randomToken } from '../src/util/crypto.js';
import { startReceiver, type Receiver } from '../../../test/support/receivers.js';
import { hasPostgres } from '../../../test/support/env.js';

const engines = hasPostgres() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
const SESSIONS = 40;

describe.each(engines)('ending many sessions at once on %s', (engine) => {
  let op: TestProvider;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    op = await startTestProvider(
      {
        logout: { backchannel_backoff: { initial: 0.2, max: 1 }, backchannel_timeout: 2 },
        clients: [
          {
            client_id: 'back',
            client_secret: 'back-secret-0123456789',
            redirect_uris: ['http://localhost:5001/back/cb'],
            backchannel_logout_uri: receiver.url,
          },
          {
            client_id: 'front',
            client_secret: 'front-secret-0123456789',
            redirect_uris: ['http://localhost:5001/front/cb'],
            frontchannel_logout_uri: 'http://localhost:5001/front/logout',
          },
          {
            client_id: 'plain',
            client_secret: 'plain-secret-0123456789',
            redirect_uris: ['http://localhost:5001/p'],
          },
        ],
        users: [{ username: 'alice', password: 'alice-password' }],
      },
      { engine },
    );
  });
  afterAll(async () => {
    await op?.close();
    await receiver?.stop();
  });

  function refresh(session: SessionRow, offline: boolean): RefreshTokenRow {
    const now = Date.now();
    return {
      token_digest: randomToken(16),
      family_id: `fam_${randomToken(8)}`,
      client_id: 'back',
      user_id: session.user_id,
      sid: session.sid,
      scope: 'openid',
      offline,
      auth_time: now,
      amr: null,
      created_at: now,
      expires_at: now + 3_600_000,
      used_at: null,
      revoked_at: null,
      revoke_reason: null,
      access_jti: randomToken(8),
      access_expires_at: now + 600_000,
    };
  }

  it('a few statements for forty sessions, and every session ends as it would alone', async () => {
    const { store, sessions, logout } = op.provider;
    const user = (await store.users.findByUsername('alice'))!;
    const made: SessionRow[] = [];
    const tokens = new Map<string, { plain: RefreshTokenRow; offline: RefreshTokenRow }>();
    for (let i = 0; i < SESSIONS; i++) {
      const { session } = await sessions.create({
        userId: user.id,
        rememberMe: false,
        ip: '127.0.0.1',
        userAgent: 'test',
      });
      for (const c of ['back', 'front', 'plain'])
        await store.sessions.addParticipant(session.sid, c, Date.now());
      const t = { plain: refresh(session, false), offline: refresh(session, true) };
      await store.tokens.insertRefresh(t.plain);
      await store.tokens.insertRefresh(t.offline);
      tokens.set(session.sid, t);
      made.push(session);
    }
    // One of them has already ended: it is skipped, and keeps its own logout.
    const [earlier] = await logout.endSessions([made[0]!], { reason: 'user', initiator: 'user' });
    await receiver.waitFor(1);

    const before = store.queryCount;
    const ended = await logout.endSessions([...made, made[1]!], { reason: 'admin', initiator: 'admin' });
    const statements = store.queryCount - before;
    // One per table (the plan's read, sessions, refresh tokens and their access tokens, logouts, participants,
    // outbox, audit, events, the upstream rows) plus the transaction; ending them one by one took ~8 per session.
    // A few more may be the outbox worker's own, kicked by the commit.
    expect(statements).toBeLessThan(25);

    expect(ended.map((e) => e.sid).sort()).toEqual(
      made
        .slice(1)
        .map((s) => s.sid)
        .sort(),
    );
    expect(new Set(ended.map((e) => e.logoutId)).size).toBe(SESSIONS - 1);
    expect(await store.sessions.findBySid(made[0]!.sid)).toMatchObject({
      end_reason: 'user',
      logout_id: earlier!.logoutId,
    });
    const events = await store.sessionEvents.listAfter(
      0,
      made.map((s) => s.sid),
      1000,
    );
    for (const e of ended) {
      expect(await store.sessions.findBySid(e.sid)).toMatchObject({
        end_reason: 'admin',
        logout_id: e.logoutId,
      });
      expect(await store.logouts.find(e.logoutId)).toMatchObject({
        sid: e.sid,
        user_id: user.id,
        reason: 'admin',
        initiator: 'admin',
      });
      const parts = await store.logouts.listParticipants(e.logoutId);
      expect(parts.map((p) => [p.client_id, p.channel, p.status]).sort()).toEqual([
        ['front', 'frontchannel', 'not_sent'],
        ['plain', 'none', 'no_channel'],
      ]);
      const outbox = await store.logouts.listOutbox(e.logoutId);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({ client_id: 'back', sid: e.sid, sub: user.id, reason: 'admin' });
      expect(events.filter((x) => x.sid === e.sid)).toEqual([
        expect.objectContaining({ reason: 'admin', logout_id: e.logoutId }),
      ]);
      const audit = await store.audit.list({ action: 'logout', target: e.sid, limit: 10 });
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]!.detail!)).toMatchObject({ logout_id: e.logoutId, reason: 'admin' });
      const t = tokens.get(e.sid)!;
      expect(await store.tokens.findRefresh(t.plain.token_digest)).toMatchObject({
        revoke_reason: 'logout:admin',
      });
      expect(await store.tokens.isAccessTokenDenied(t.plain.access_jti!)).toBe(true);
      expect((await store.tokens.findRefresh(t.offline.token_digest))?.revoked_at).toBeNull();
    }
    // Every back-channel token is delivered, one per session.
    const delivered = await receiver.waitFor(SESSIONS, 20_000);
    expect(new Set(delivered.slice(1).map((r) => r.claims.sid))).toEqual(new Set(ended.map((e) => e.sid)));

    // Nothing left to end: nothing written.
    expect(await logout.endSessions(made, { reason: 'admin', initiator: 'admin' })).toEqual([]);
  });

  // Defined only on PostgreSQL (no skipped test on SQLite, which has no round trips to save).
  if (engine === 'postgres')
    it('on PostgreSQL the ending is one statement, one round trip, and no transaction around it', async () => {
      const { store, sessions, logout } = op.provider;
      const user = (await store.users.findByUsername('alice'))!;
      const { session } = await sessions.create({
        userId: user.id,
        rememberMe: false,
        ip: '127.0.0.1',
        userAgent: 'test',
      });
      for (const c of ['back', 'front']) await store.sessions.addParticipant(session.sid, c, Date.now());
      const plain = refresh(session, false);
      await store.tokens.insertRefresh(plain);
      const sent: string[] = [];
      const stats = store.connection.stats;
      stats.onQuery = (q) => sent.push(q.replace(/\s+/g, ' '));
      try {
        await logout.endSessions([session], { reason: 'user', initiator: 'user' });
      } finally {
        stats.onQuery = undefined;
      }
      const ending = sent.findIndex((q) => /^with "ended" as \(update "sessions"/.test(q));
      expect(ending).toBeGreaterThan(-1);
      // Before it, reads only. The outbox worker's periodic claim (one statement of its own, on its own schedule)
      // may land in this window too; it is not part of the ending.
      const claim = /^update "backchannel_outbox" set "locked_until"/;
      expect(sent.slice(0, ending).filter((q) => !q.startsWith('select ') && !claim.test(q))).toEqual([]);
      // After it: one more look for successors a concurrent rotation might have stored while it ran (see
      // RefreshTokensRepo.revokeRefresh), nothing found; and, kicked by the commit, the outbox worker's own
      // statements (its claim, and the delivery's record in a transaction of its own).
      const worker = /^(begin|commit)$|"backchannel_outbox" set|"delivery_attempts"/;
      expect(sent.slice(ending + 1).filter((q) => !q.startsWith('select ') && !worker.test(q))).toEqual([
        expect.stringMatching(/^update "refresh_tokens"/),
      ]);
      expect(await store.sessions.findBySid(session.sid)).toMatchObject({ end_reason: 'user' });
      expect(await store.tokens.findRefresh(plain.token_digest)).toMatchObject({
        revoke_reason: 'logout:user',
      });
      expect(await store.tokens.isAccessTokenDenied(plain.access_jti!)).toBe(true);
      await receiver.waitFor(SESSIONS + 1, 20_000);
    });
});
