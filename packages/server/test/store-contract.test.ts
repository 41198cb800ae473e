/**
 * The Store contract, run unchanged on both engines: SQLite always, PostgreSQL when DATABASE_URL is set. Every
 * repository is covered, with the races that matter for N processes on one database (single-use codes and
 * interactions, refresh rotation, outbox claiming) run for real: on PostgreSQL the concurrent calls go over
 * separate pooled connections, and outbox claimers are separate Store instances like separate processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Store } from '../src/store/store.js';
import { testDatabase } from '../src/testing/index.js';
import type { UserRow } from '../src/store/repos/users.js';
import type { SessionRow } from '../src/store/repos/sessions.js';
import type { AuthCodeRow } from '../src/store/repos/auth-codes.js';
import type { RefreshTokenRow } from '../src/store/repos/refresh-tokens.js';
import type { LogoutRow, OutboxRow } from '../src/store/repos/logouts.js';
import type { ClientRow } from '../src/store/repos/clients.js';
import type { SigningKeyRow } from '../src/store/repos/keys.js';
import type { FactorRow } from '../src/store/repos/factors.js';
import { randomToken } from '../src/util/crypto.js';
import { hasPostgres } from '../../../test/support/env.js';
import { dropTestSchemas } from './support/schemas.js';

type Engine = 'sqlite' | 'postgres';
const engines: Engine[] = hasPostgres() ? ['sqlite', 'postgres'] : ['sqlite'];

/** A fixed clock for rows; tests that need "other" rows out of the way use times far from it. */
const T0 = 1_700_000_000_000;
const MIN = 60_000;

const uid = (prefix: string) => `${prefix}_${randomToken(9)}`;

function userRow(over: Partial<UserRow> = {}): UserRow {
  return {
    id: uid('usr'),
    username: uid('name'),
    email: null,
    email_verified: false,
    name: null,
    password_hash: 'scrypt$not-a-real-hash',
    disabled: false,
    password_changed_at: T0,
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

function sessionRow(over: Partial<SessionRow> = {}): SessionRow {
  return {
    sid: uid('sid'),
    cookie_digest: uid('ck'),
    user_id: 'usr_sessions',
    auth_time: T0,
    created_at: T0,
    last_active_at: T0,
    idle_expires_at: T0 + 30 * MIN,
    absolute_expires_at: T0 + 720 * MIN,
    remember_me: false,
    idle_seconds: 1800,
    ended_at: null,
    end_reason: null,
    logout_id: null,
    ip: '127.0.0.1',
    user_agent: 'contract',
    browser_id: null,
    amr: null,
    ...over,
  };
}

function codeRow(over: Partial<AuthCodeRow> = {}): AuthCodeRow {
  return {
    code_digest: uid('code'),
    client_id: 'app',
    user_id: 'usr_codes',
    sid: uid('sid'),
    redirect_uri: 'http://localhost/cb',
    scope: 'openid',
    nonce: 'n',
    code_challenge: 'c'.repeat(43),
    code_challenge_method: 'S256',
    auth_time: T0,
    amr: null,
    created_at: T0,
    expires_at: T0 + MIN,
    consumed_at: null,
    family_id: null,
    access_jti: null,
    access_expires_at: null,
    ...over,
  };
}

function refreshRow(over: Partial<RefreshTokenRow> = {}): RefreshTokenRow {
  return {
    token_digest: uid('rt'),
    family_id: uid('fam'),
    client_id: 'app',
    user_id: 'usr_refresh',
    sid: null,
    scope: 'openid',
    offline: false,
    auth_time: T0,
    amr: null,
    created_at: T0,
    expires_at: T0 + 1000 * MIN,
    used_at: null,
    revoked_at: null,
    revoke_reason: null,
    access_jti: uid('jti'),
    access_expires_at: T0 + 15 * MIN,
    ...over,
  };
}

function logoutRow(over: Partial<LogoutRow> = {}): LogoutRow {
  return {
    id: uid('lo'),
    sid: uid('sid'),
    user_id: 'usr_logout',
    reason: 'rp',
    initiator: 'rp',
    initiator_client_id: 'app',
    created_at: T0,
    frontchannel_deadline_at: T0 + 5000,
    receipt_deadline_at: T0 + 5000,
    receipt_digest: 'digest',
    redirect_to: null,
    redirect_note: null,
    ...over,
  };
}

function outboxRow(logoutId: string, over: Partial<OutboxRow> = {}): OutboxRow {
  return {
    id: uid('ob'),
    logout_id: logoutId,
    client_id: 'app',
    uri: 'https://app.example/backchannel',
    sid: 'sid',
    sub: 'usr',
    reason: 'rp',
    status: 'pending',
    attempts: 0,
    created_at: T0,
    next_attempt_at: T0,
    deadline_at: T0 + 1000 * MIN,
    locked_until: null,
    locked_by: null,
    completed_at: null,
    last_status_code: null,
    last_error: null,
    ...over,
  };
}

function clientRow(over: Partial<ClientRow> = {}): ClientRow {
  const client_id = over.client_id ?? uid('client');
  return {
    client_id,
    metadata: JSON.stringify({ client_id, redirect_uris: ['http://localhost/cb'] }),
    secret_digest: null,
    source: 'config',
    registration_token_digest: null,
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

function keyRow(over: Partial<SigningKeyRow> = {}): SigningKeyRow {
  return {
    kid: uid('kid'),
    alg: 'RS256',
    private_jwk: '{}',
    public_jwk: '{}',
    created_at: T0,
    sign_from: T0,
    sign_until: null,
    publish_until: null,
    verify_until: null,
    ...over,
  };
}

/** Exactly one `true` among the results of a race. */
function winners(results: boolean[]): number {
  return results.filter(Boolean).length;
}

describe.each(engines)('Store contract on %s', (engine) => {
  const db = testDatabase(engine);
  let store: Store;
  /** Stores opened by a test, closed after the suite (open ones would keep the worker alive). */
  const extra: Store[] = [];
  const open = async (url: string) => {
    const s = await Store.open(url);
    extra.push(s);
    return s;
  };
  /** A database of its own, for tests whose queries are table-wide (outbox claiming, migrations). */
  const ownDatabase = async () => {
    const d = testDatabase(engine);
    cleanups.push(d.cleanup);
    return { url: d.url, store: await open(d.url) };
  };
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    store = await Store.open(db.url);
  });
  afterAll(async () => {
    const urls = [db.url, ...extra.map((s) => s.connection.databaseUrl)];
    await store?.close();
    for (const s of extra) await s.close();
    await db.cleanup();
    for (const c of cleanups) c();
    await dropTestSchemas(urls);
  });

  describe('opening and migrations', () => {
    it('reports its engine', () => {
      expect(store.engine).toBe(engine);
    });

    it('migrations run again on an up-to-date database without error, keeping the data', async () => {
      const { url, store: first } = await ownDatabase();
      const u = userRow();
      await first.users.insert(u);
      const second = await open(url);
      const third = await open(url);
      expect(await third.users.findById(u.id)).toEqual(u);
      expect(await second.users.findByUsername(u.username)).toEqual(u);
    });

    it('two Store.open on the same fresh database at the same time both succeed', async () => {
      for (let round = 0; round < 3; round++) {
        const d = testDatabase(engine);
        cleanups.push(d.cleanup);
        const opened = await Promise.allSettled([Store.open(d.url), Store.open(d.url)]);
        for (const r of opened) if (r.status === 'fulfilled') extra.push(r.value);
        expect(opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
        const [a, b] = opened.map((r) => (r as PromiseFulfilledResult<Store>).value);
        const u = userRow();
        await a!.users.insert(u);
        expect(await b!.users.findById(u.id)).toEqual(u);
      }
    });

    it.skipIf(engine !== 'postgres')(
      'opening succeeds while other schemas of the same database are being dropped (deployments sharing it)',
      async () => {
        const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
        await admin.connect();
        try {
          const names = Array.from({ length: 40 }, () => `t_gone_${randomBytes(6).toString('hex')}`);
          for (const n of names) {
            // Identifiers are generated hex above; DDL takes no bind parameters.
            await admin.query(`create schema "${n}"`);
            await admin.query(`create table "${n}".t (a int, b text, c text)`);
          }
          const dropping = (async () => {
            for (const n of names) await admin.query(`drop schema "${n}" cascade`);
          })();
          const opening = (async () => {
            const errors: string[] = [];
            for (let i = 0; i < 6; i++) {
              const d = testDatabase(engine);
              await Store.open(d.url).then(
                (s) => extra.push(s),
                (e: unknown) => errors.push(String(e)),
              );
            }
            return errors;
          })();
          const [, errors] = await Promise.all([dropping, opening]);
          expect(errors).toEqual([]);
        } finally {
          await admin.end();
        }
      },
    );

    it('a second database (PostgreSQL: a second schema) next to a migrated one gets its own tables', async () => {
      // The main store is migrated; a fresh one beside it must not mistake the first one's tables for its own.
      const { store: other } = await ownDatabase();
      const u = userRow();
      await other.users.insert(u);
      expect(await other.users.findById(u.id)).toEqual(u);
      expect(await store.users.findById(u.id)).toBeUndefined();
    });
  });

  describe('users and consents', () => {
    it('inserts and finds users by id, username, or either', async () => {
      const u = userRow({ email: 'a@example.com', name: 'A', email_verified: true });
      await store.users.insert(u);
      expect(await store.users.findById(u.id)).toEqual(u);
      expect(await store.users.findByUsername(u.username)).toEqual(u);
      expect(await store.users.findByIdOrUsername(u.id)).toEqual(u);
      expect(await store.users.findByIdOrUsername(u.username)).toEqual(u);
      expect(await store.users.findById(uid('missing'))).toBeUndefined();
      expect(await store.users.findByUsername(uid('missing'))).toBeUndefined();
    });

    it('refuses a second user with the same username', async () => {
      const u = userRow();
      await store.users.insert(u);
      await expect(store.users.insert(userRow({ username: u.username }))).rejects.toThrow();
    });

    it('updates only the given fields', async () => {
      const u = userRow({ name: 'Before', email: 'before@example.com' });
      await store.users.insert(u);
      await store.users.update(u.id, { name: 'After', disabled: true, updated_at: T0 + 1 });
      expect(await store.users.findById(u.id)).toEqual({
        ...u,
        name: 'After',
        disabled: true,
        updated_at: T0 + 1,
      });
    });

    it('lists users ordered by username, with limit and offset', async () => {
      const { store: s } = await ownDatabase();
      for (const name of ['carol', 'alice', 'bob']) await s.users.insert(userRow({ username: name }));
      expect((await s.users.list()).map((u) => u.username)).toEqual(['alice', 'bob', 'carol']);
      expect((await s.users.list(1, 1)).map((u) => u.username)).toEqual(['bob']);
    });

    it('consents start empty and grants accumulate without duplicates', async () => {
      const user = uid('usr');
      expect(await store.consents.find(user, 'dyn')).toEqual([]);
      await store.consents.grant(user, 'dyn', ['openid', 'profile'], T0);
      await store.consents.grant(user, 'dyn', ['profile', 'email'], T0 + 1);
      expect(await store.consents.find(user, 'dyn')).toEqual(['openid', 'profile', 'email']);
      expect(await store.consents.find(user, 'other')).toEqual([]);
    });
  });

  describe('clients', () => {
    it('upsert inserts, then updates in place keeping created_at', async () => {
      const c = clientRow({ secret_digest: 'd1' });
      await store.clients.upsert(c);
      expect(await store.clients.find(c.client_id)).toEqual(c);
      const changed = {
        ...c,
        metadata: JSON.stringify({ client_id: c.client_id, client_name: 'New' }),
        secret_digest: 'd2',
        created_at: T0 + 99,
        updated_at: T0 + 100,
      };
      await store.clients.upsert(changed);
      expect(await store.clients.find(c.client_id)).toEqual({ ...changed, created_at: c.created_at });
    });

    it('finds many at once; an empty list asks nothing', async () => {
      const a = clientRow();
      const b = clientRow();
      await store.clients.upsert(a);
      await store.clients.upsert(b);
      const found = await store.clients.findMany([a.client_id, b.client_id, uid('missing')]);
      expect(found.map((c) => c.client_id).sort()).toEqual([a.client_id, b.client_id].sort());
      expect(await store.clients.findMany([])).toEqual([]);
    });

    it('config sync deletes only config clients that are no longer listed', async () => {
      const { store: s } = await ownDatabase();
      const keep = clientRow({ client_id: 'keep' });
      const gone = clientRow({ client_id: 'gone' });
      const registered = clientRow({ client_id: 'registered', source: 'registration' });
      const cli = clientRow({ client_id: 'cli', source: 'cli' });
      for (const c of [keep, gone, registered, cli]) await s.clients.upsert(c);
      expect(await s.clients.deleteConfigClientsExcept(['keep'])).toBe(1);
      expect((await s.clients.list()).map((c) => c.client_id)).toEqual(['cli', 'keep', 'registered']);
      // An empty config removes every config client and nothing else.
      expect(await s.clients.deleteConfigClientsExcept([])).toBe(1);
      expect((await s.clients.list()).map((c) => c.client_id)).toEqual(['cli', 'registered']);
    });

    it('delete reports whether there was something to delete', async () => {
      const c = clientRow();
      await store.clients.upsert(c);
      expect(await store.clients.delete(c.client_id)).toBe(true);
      expect(await store.clients.delete(c.client_id)).toBe(false);
      expect(await store.clients.find(c.client_id)).toBeUndefined();
    });
  });

  describe('signing keys', () => {
    it('lists keys usable for verification, newest first, and updates their schedule', async () => {
      const { store: s } = await ownDatabase();
      const old = keyRow({ kid: 'old', sign_from: T0 - 2 * MIN, verify_until: T0 - 1 });
      const current = keyRow({ kid: 'current', sign_from: T0 - MIN, verify_until: T0 + MIN });
      const next = keyRow({ kid: 'next', sign_from: T0 + MIN });
      for (const k of [old, current, next]) await s.keys.insert(k);
      expect(await s.keys.count()).toBe(3);
      expect((await s.keys.listUsable(T0)).map((k) => k.kid)).toEqual(['next', 'current']);
      await s.keys.update('current', { sign_until: T0, publish_until: T0 + 1, verify_until: T0 });
      expect((await s.keys.listUsable(T0)).map((k) => k.kid)).toEqual(['next']);
      const [row] = (await s.keys.listUsable(T0 - 1)).filter((k) => k.kid === 'current');
      expect(row).toEqual({ ...current, sign_until: T0, publish_until: T0 + 1, verify_until: T0 });
      await expect(s.keys.insert(keyRow({ kid: 'next' }))).rejects.toThrow();
    });
  });

  describe('interactions', () => {
    const row = (over: Partial<{ id: string; expires_at: number }> = {}) => ({
      id: uid('int'),
      kind: 'login',
      payload: { raw: {} },
      csrf: 'csrf',
      created_at: T0,
      expires_at: T0 + 30 * MIN,
      ...over,
    });

    it('finds a live interaction, not an expired one, and updates its payload', async () => {
      const r = row();
      await store.interactions.insert(r);
      expect(await store.interactions.find(r.id, T0)).toEqual(r);
      expect(await store.interactions.find(r.id, r.expires_at)).toBeUndefined();
      await store.interactions.update(r.id, { raw: { x: '1' } });
      expect((await store.interactions.find(r.id, T0))?.payload).toEqual({ raw: { x: '1' } });
    });

    it('take is single use, even when many callers race', async () => {
      const r = row();
      await store.interactions.insert(r);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.interactions.take(r.id)));
      expect(winners(results)).toBe(1);
      expect(await store.interactions.find(r.id, T0)).toBeUndefined();
      expect(await store.interactions.take(r.id)).toBe(false);
    });

    it('purgeExpired drops only expired interactions', async () => {
      const live = row({ expires_at: T0 + MIN });
      const dead = row({ expires_at: T0 - 1 });
      await store.interactions.insert(live);
      await store.interactions.insert(dead);
      await store.interactions.purgeExpired(T0);
      expect(await store.interactions.find(live.id, T0)).toBeDefined();
      expect(await store.interactions.find(dead.id, T0 - 10)).toBeUndefined();
    });
  });

  describe('sessions', () => {
    it('finds a session by cookie digest and by sid; cookie digests are unique', async () => {
      const s = sessionRow();
      await store.sessions.insert(s);
      expect(await store.sessions.findByCookieDigest(s.cookie_digest)).toEqual(s);
      expect(await store.sessions.findBySid(s.sid)).toEqual(s);
      expect(await store.sessions.findBySid(uid('missing'))).toBeUndefined();
      await expect(store.sessions.insert(sessionRow({ cookie_digest: s.cookie_digest }))).rejects.toThrow();
    });

    it('remember_me leaves the store as a boolean on every path, prepared statements included', async () => {
      const browser = uid('br');
      const kept = sessionRow({ remember_me: true, browser_id: browser });
      const plain = sessionRow({ remember_me: false, browser_id: browser });
      for (const s of [kept, plain]) await store.sessions.insert(s);
      expect((await store.sessions.findBySid(kept.sid))?.remember_me).toBe(true);
      expect((await store.sessions.findByCookieDigest(kept.cookie_digest))?.remember_me).toBe(true);
      expect((await store.sessions.findBySid(plain.sid))?.remember_me).toBe(false);
      const both = await store.sessions.findByCookieDigests([kept.cookie_digest, plain.cookie_digest]);
      expect(both.map((s) => [s.sid, s.remember_me]).sort()).toEqual(
        [
          [kept.sid, true],
          [plain.sid, false],
        ].sort(),
      );
      expect(await store.sessions.listLiveNonPersistentInBrowser(browser)).toEqual([plain]);
      expect((await store.sessions.listActiveByUser(kept.user_id)).find((s) => s.sid === kept.sid)).toEqual(
        kept,
      );
    });

    it('finds the sessions behind several cookie digests (one browser’s accounts) in one question', async () => {
      const [x, y] = [sessionRow(), sessionRow()];
      for (const s of [x, y]) await store.sessions.insert(s);
      const found = await store.sessions.findByCookieDigests([y.cookie_digest, uid('nope'), x.cookie_digest]);
      expect(found.map((s) => s.sid).sort()).toEqual([x.sid, y.sid].sort());
      expect(found.find((s) => s.sid === x.sid)).toEqual(x);
      expect(await store.sessions.findByCookieDigests([])).toEqual([]);
      expect(await store.sessions.findByCookieDigests([x.cookie_digest])).toEqual([x]);
      expect(await store.sessions.findByCookieDigests([uid('nope')])).toEqual([]);
    });

    it('lists a user’s live sessions, newest first', async () => {
      const user = uid('usr');
      const older = sessionRow({ user_id: user, created_at: T0 });
      const newer = sessionRow({ user_id: user, created_at: T0 + 1 });
      const ended = sessionRow({ user_id: user, created_at: T0 + 2, ended_at: T0 + 3, end_reason: 'rp' });
      for (const s of [older, newer, ended]) await store.sessions.insert(s);
      expect((await store.sessions.listActiveByUser(user)).map((s) => s.sid)).toEqual([newer.sid, older.sid]);
    });

    it('end is conditional and idempotent: one winner, the first reason stays', async () => {
      const s = sessionRow();
      await store.sessions.insert(s);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.sessions.end(s.sid, T0 + 10 + i, `reason${i}`, `lo_${i}`)),
      );
      expect(winners(results)).toBe(1);
      const i = results.indexOf(true);
      expect(await store.sessions.findBySid(s.sid)).toMatchObject({
        ended_at: T0 + 10 + i,
        end_reason: `reason${i}`,
        logout_id: `lo_${i}`,
      });
      expect(await store.sessions.end(s.sid, T0 + 99, 'again', null)).toBe(false);
      expect(await store.sessions.end(uid('missing'), T0, 'x', null)).toBe(false);
      expect((await store.sessions.findBySid(s.sid))?.end_reason).toBe(`reason${i}`);
    });

    it('touch slides a live session, and never moves an ended one', async () => {
      const s = sessionRow();
      await store.sessions.insert(s);
      await store.sessions.touch(s.sid, T0 + MIN, T0 + 31 * MIN);
      expect(await store.sessions.findBySid(s.sid)).toMatchObject({
        last_active_at: T0 + MIN,
        idle_expires_at: T0 + 31 * MIN,
        absolute_expires_at: s.absolute_expires_at,
      });
      await store.sessions.end(s.sid, T0 + 2 * MIN, 'rp', null);
      await store.sessions.touch(s.sid, T0 + 3 * MIN, T0 + 33 * MIN);
      await store.sessions.reauthenticate(s.sid, {
        cookie_digest: uid('ck'),
        auth_time: T0 + 3 * MIN,
        last_active_at: T0 + 3 * MIN,
        idle_expires_at: T0 + 33 * MIN,
        amr: s.amr,
      });
      await store.sessions.tighten(s.sid, {
        idle_seconds: 60,
        absolute_expires_at: T0 + 4 * MIN,
        idle_expires_at: T0 + 4 * MIN,
      });
      expect(await store.sessions.findBySid(s.sid)).toEqual({
        ...s,
        last_active_at: T0 + MIN,
        idle_expires_at: T0 + 31 * MIN,
        ended_at: T0 + 2 * MIN,
        end_reason: 'rp',
      });
    });

    it('reauthenticate swaps the cookie and auth_time of a live session; tighten applies limits', async () => {
      const s = sessionRow();
      await store.sessions.insert(s);
      const patch = {
        cookie_digest: uid('ck'),
        auth_time: T0 + MIN,
        last_active_at: T0 + MIN,
        idle_expires_at: T0 + 31 * MIN,
        amr: s.amr,
      };
      await store.sessions.reauthenticate(s.sid, patch);
      expect(await store.sessions.findByCookieDigest(s.cookie_digest)).toBeUndefined();
      expect(await store.sessions.findByCookieDigest(patch.cookie_digest)).toEqual({ ...s, ...patch });
      const limits = { idle_seconds: 60, absolute_expires_at: T0 + 5 * MIN, idle_expires_at: T0 + 2 * MIN };
      await store.sessions.tighten(s.sid, limits);
      expect(await store.sessions.findBySid(s.sid)).toEqual({ ...s, ...patch, ...limits });
    });

    it('listExpired finds live sessions past their idle or absolute limit, oldest idle first, up to limit', async () => {
      // Times near the epoch keep every other test's sessions out of this query.
      const idle = sessionRow({ idle_expires_at: 2000, absolute_expires_at: 9_000_000 });
      const absolute = sessionRow({ idle_expires_at: 8_000_000, absolute_expires_at: 3000 });
      const idleFirst = sessionRow({ idle_expires_at: 1000, absolute_expires_at: 9_000_000 });
      const live = sessionRow({ idle_expires_at: 7_000_000, absolute_expires_at: 9_000_000 });
      const ended = sessionRow({ idle_expires_at: 500, absolute_expires_at: 600, ended_at: 700 });
      for (const s of [idle, absolute, idleFirst, live, ended]) await store.sessions.insert(s);
      expect((await store.sessions.listExpired(5000, 10)).map((s) => s.sid)).toEqual([
        idleFirst.sid,
        idle.sid,
        absolute.sid,
      ]);
      expect((await store.sessions.listExpired(5000, 2)).map((s) => s.sid)).toEqual([
        idleFirst.sid,
        idle.sid,
      ]);
      // At exactly the limit the session is over.
      expect((await store.sessions.listExpired(1000, 10)).map((s) => s.sid)).toEqual([idleFirst.sid]);
    });

    it('participants are upserted: first_at stays, last_at moves; listed per session or for many', async () => {
      const a = sessionRow();
      const b = sessionRow();
      await store.sessions.insert(a);
      await store.sessions.insert(b);
      await store.sessions.addParticipant(a.sid, 'portal', T0);
      await store.sessions.addParticipant(a.sid, 'service', T0 + 1);
      await store.sessions.addParticipant(a.sid, 'portal', T0 + 5);
      await store.sessions.addParticipant(b.sid, 'portal', T0 + 2);
      expect(await store.sessions.listParticipants(a.sid)).toEqual([
        { sid: a.sid, client_id: 'portal', first_at: T0, last_at: T0 + 5 },
        { sid: a.sid, client_id: 'service', first_at: T0 + 1, last_at: T0 + 1 },
      ]);
      const many = await store.sessions.listParticipantsOf([a.sid, b.sid]);
      expect(many.map((p) => `${p.sid === a.sid ? 'a' : 'b'}:${p.client_id}`)).toEqual([
        'a:portal',
        'a:service',
        'b:portal',
      ]);
      expect(await store.sessions.listParticipantsOf([])).toEqual([]);
    });

    it('participant times only widen: an upsert arriving late with an older time moves neither end inward', async () => {
      // Two processes (or two racing requests) record the same client; the one with the older clock may land last.
      const s = sessionRow();
      await store.sessions.insert(s);
      await store.sessions.addParticipant(s.sid, 'app', T0 + 5);
      await store.sessions.addParticipant(s.sid, 'app', T0 + 1);
      await store.sessions.addParticipant(s.sid, 'app', T0 + 3);
      expect(await store.sessions.listParticipants(s.sid)).toEqual([
        { sid: s.sid, client_id: 'app', first_at: T0 + 1, last_at: T0 + 5 },
      ]);
    });

    it('concurrent participant upserts of the same client neither fail nor duplicate', async () => {
      const s = sessionRow();
      await store.sessions.insert(s);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.sessions.addParticipant(s.sid, 'app', T0 + i)),
      );
      const rows = await store.sessions.listParticipants(s.sid);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.first_at).toBeLessThanOrEqual(rows[0]!.last_at);
    });
  });

  describe('tokens', () => {
    const issued = (i = 0) => ({ family_id: `fam_${i}`, access_jti: `jti_${i}`, access_expires_at: T0 + i });

    it('a code is found by digest and consumed once, recording what it issued', async () => {
      const c = codeRow();
      await store.tokens.insertCode(c);
      expect(await store.tokens.findCode(c.code_digest)).toEqual(c);
      expect(await store.tokens.consumeCode(c.code_digest, T0 + 1, issued(1))).toBe(true);
      expect(await store.tokens.consumeCode(c.code_digest, T0 + 2, issued(2))).toBe(false);
      expect(await store.tokens.findCode(c.code_digest)).toEqual({ ...c, consumed_at: T0 + 1, ...issued(1) });
      expect(await store.tokens.consumeCode(uid('missing'), T0, issued())).toBe(false);
    });

    it('concurrent consumeCode: exactly one winner, and the row holds the winner’s tokens', async () => {
      for (let round = 0; round < 3; round++) {
        const c = codeRow();
        await store.tokens.insertCode(c);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.tokens.consumeCode(c.code_digest, T0 + i, issued(i))),
        );
        expect(winners(results)).toBe(1);
        const i = results.indexOf(true);
        expect(await store.tokens.findCode(c.code_digest)).toMatchObject({
          consumed_at: T0 + i,
          ...issued(i),
        });
      }
    });

    it('refresh rotation: markRefreshUsed has exactly one winner; a revoked token cannot be used', async () => {
      const rt = refreshRow();
      await store.tokens.insertRefresh(rt);
      expect(await store.tokens.findRefresh(rt.token_digest)).toEqual(rt);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.tokens.markRefreshUsed(rt.token_digest, T0 + i)),
      );
      expect(winners(results)).toBe(1);
      expect((await store.tokens.findRefresh(rt.token_digest))?.used_at).toBe(T0 + results.indexOf(true));

      const revoked = refreshRow();
      await store.tokens.insertRefresh(revoked);
      await store.tokens.revokeRefresh({ family_id: revoked.family_id }, T0, 'test');
      expect(await store.tokens.markRefreshUsed(revoked.token_digest, T0)).toBe(false);
      expect(await store.tokens.markRefreshUsed(uid('missing'), T0)).toBe(false);
    });

    it('exchangeCode: consumes the code, stores the refresh token and participant in one call; a racing loser writes nothing', async () => {
      for (let round = 0; round < 3; round++) {
        const c = codeRow();
        await store.tokens.insertCode(c);
        const successors = Array.from({ length: 8 }, () => refreshRow({ sid: c.sid, amr: 'pwd' }));
        const results = await Promise.all(
          successors.map((rt, i) =>
            store.tokens.exchangeCode(c.code_digest, T0 + i, issued(i), rt, {
              sid: c.sid,
              clientId: `app${i}`,
            }),
          ),
        );
        expect(winners(results)).toBe(1);
        const w = results.indexOf(true);
        expect(await store.tokens.findCode(c.code_digest)).toMatchObject({
          consumed_at: T0 + w,
          ...issued(w),
        });
        for (const [i, rt] of successors.entries()) {
          expect(await store.tokens.findRefresh(rt.token_digest)).toEqual(i === w ? rt : undefined);
        }
        expect((await store.sessions.listParticipants(c.sid)).map((p) => p.client_id)).toEqual([`app${w}`]);
      }
      expect(await store.tokens.exchangeCode(uid('missing'), T0, issued(), undefined, undefined)).toBe(false);

      // Without a refresh token, the participant alone is written with the code; a second exchange writes nothing.
      const plain = codeRow();
      await store.tokens.insertCode(plain);
      const solo = { sid: plain.sid, clientId: 'solo' };
      expect(await store.tokens.exchangeCode(plain.code_digest, T0, issued(), undefined, solo)).toBe(true);
      const late = { sid: plain.sid, clientId: 'late' };
      expect(await store.tokens.exchangeCode(plain.code_digest, T0, issued(), undefined, late)).toBe(false);
      expect((await store.sessions.listParticipants(plain.sid)).map((p) => p.client_id)).toEqual(['solo']);
    });

    it('insertCode with a participant stores both (one statement on PostgreSQL); times only widen', async () => {
      const c = codeRow();
      const before = store.queryCount;
      await store.tokens.insertCode(c, { sid: c.sid, clientId: 'joiner' }, T0 + 5);
      expect(store.queryCount - before).toBe(engine === 'postgres' ? 1 : 2);
      expect(await store.tokens.findCode(c.code_digest)).toEqual(c);
      expect(await store.sessions.listParticipants(c.sid)).toEqual([
        { sid: c.sid, client_id: 'joiner', first_at: T0 + 5, last_at: T0 + 5 },
      ]);
      const again = codeRow({ sid: c.sid });
      await store.tokens.insertCode(again, { sid: c.sid, clientId: 'joiner' }, T0 + 9);
      await store.tokens.insertCode(codeRow({ sid: c.sid }), { sid: c.sid, clientId: 'joiner' }, T0 + 1);
      expect(await store.sessions.listParticipants(c.sid)).toEqual([
        { sid: c.sid, client_id: 'joiner', first_at: T0 + 1, last_at: T0 + 9 },
      ]);
      // A code whose digest exists already is refused, and no participant is written with it.
      await expect(store.tokens.insertCode(again, { sid: c.sid, clientId: 'other' }, T0)).rejects.toThrow();
      expect((await store.sessions.listParticipants(c.sid)).map((p) => p.client_id)).toEqual(['joiner']);
    });

    it('findCodeWithSession and findRefreshWithSession read the row and its session in one statement', async () => {
      const s = sessionRow({ amr: 'pwd otp', ended_at: null, browser_id: 'b', user_agent: null });
      await store.sessions.insert(s);
      const c = codeRow({ sid: s.sid, user_id: s.user_id });
      await store.tokens.insertCode(c);
      const before = store.queryCount;
      expect(await store.tokens.findCodeWithSession(c.code_digest)).toEqual({ code: c, session: s });
      expect(store.queryCount - before).toBe(1);
      const rt = refreshRow({ sid: s.sid, user_id: s.user_id, offline: true });
      await store.tokens.insertRefresh(rt);
      expect(await store.tokens.findRefreshWithSession(rt.token_digest)).toEqual({ token: rt, session: s });

      // Ended sessions come back as they are (the caller decides); a missing one, or no sid, is undefined.
      await store.sessions.end(s.sid, T0 + 1, 'user', null);
      expect((await store.tokens.findCodeWithSession(c.code_digest))?.session).toMatchObject({
        sid: s.sid,
        ended_at: T0 + 1,
      });
      const orphan = codeRow();
      await store.tokens.insertCode(orphan);
      expect(await store.tokens.findCodeWithSession(orphan.code_digest)).toEqual({
        code: orphan,
        session: undefined,
      });
      const unbound = refreshRow({ sid: null });
      await store.tokens.insertRefresh(unbound);
      expect(await store.tokens.findRefreshWithSession(unbound.token_digest)).toEqual({
        token: unbound,
        session: undefined,
      });
      expect(await store.tokens.findCodeWithSession(uid('missing'))).toBeUndefined();
      expect(await store.tokens.findRefreshWithSession(uid('missing'))).toBeUndefined();
    });

    it('revokeCodeGrant revokes the family and access token a code produced; nothing for an unknown code', async () => {
      const rt = refreshRow();
      const c = codeRow();
      await store.tokens.insertCode(c);
      const jti = uid('jti');
      const produced = { family_id: rt.family_id, access_jti: jti, access_expires_at: T0 + MIN };
      expect(await store.tokens.exchangeCode(c.code_digest, T0, produced, rt, undefined)).toBe(true);
      await store.tokens.revokeCodeGrant(c.code_digest, T0 + 1);
      expect(await store.tokens.findRefresh(rt.token_digest)).toMatchObject({
        revoked_at: T0 + 1,
        revoke_reason: 'code_reuse',
      });
      expect(await store.tokens.isAccessTokenDenied(jti)).toBe(true);
      await store.tokens.revokeCodeGrant(uid('missing'), T0);
    });

    it('rotateRefresh: rotated once, then reused; revoked tokens are revoked; concurrent uses have one winner', async () => {
      const sid = uid('sid');
      const rt = refreshRow({ sid });
      await store.tokens.insertRefresh(rt);
      // Every column travels with the successor, amr (the sign-in's methods) included.
      const next = refreshRow({ family_id: rt.family_id, sid, offline: true, amr: 'pwd otp' });
      expect(await store.tokens.rotateRefresh(rt.token_digest, next, { sid, clientId: 'app' }, T0)).toBe(
        'rotated',
      );
      expect(await store.tokens.findRefresh(rt.token_digest)).toEqual({ ...rt, used_at: T0 });
      expect(await store.tokens.findRefresh(next.token_digest)).toEqual(next);
      expect((await store.sessions.listParticipants(sid)).map((p) => p.client_id)).toEqual(['app']);
      const again = refreshRow({ family_id: rt.family_id });
      expect(await store.tokens.rotateRefresh(rt.token_digest, again, undefined, T0 + 1)).toBe('reused');
      expect(await store.tokens.findRefresh(again.token_digest)).toBeUndefined();
      await store.tokens.revokeRefresh({ family_id: rt.family_id }, T0 + 2, 'test');
      expect(await store.tokens.rotateRefresh(next.token_digest, undefined, undefined, T0 + 3)).toBe(
        'revoked',
      );
      expect(await store.tokens.rotateRefresh(uid('missing'), undefined, undefined, T0)).toBe('revoked');

      // The participant written with a rotation only widens its times, whatever order rotations land in.
      const first = refreshRow({ sid });
      await store.tokens.insertRefresh(first);
      const second = refreshRow({ family_id: first.family_id, sid });
      const third = refreshRow({ family_id: first.family_id, sid });
      const app = { sid, clientId: 'app' };
      expect(await store.tokens.rotateRefresh(first.token_digest, second, app, T0 - 5)).toBe('rotated');
      expect(await store.tokens.rotateRefresh(second.token_digest, third, app, T0 + 7)).toBe('rotated');
      expect(await store.sessions.listParticipants(sid)).toMatchObject([
        { client_id: 'app', first_at: T0 - 5, last_at: T0 + 7 },
      ]);
      expect(await store.tokens.findRefresh(third.token_digest)).toEqual(third);

      for (let round = 0; round < 3; round++) {
        const presented = refreshRow();
        await store.tokens.insertRefresh(presented);
        const successors = Array.from({ length: 8 }, () => refreshRow({ family_id: presented.family_id }));
        const outcomes = await Promise.all(
          successors.map((s, i) => store.tokens.rotateRefresh(presented.token_digest, s, undefined, T0 + i)),
        );
        expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'reused')).toHaveLength(7);
        for (const [i, s] of successors.entries()) {
          const stored = await store.tokens.findRefresh(s.token_digest);
          expect(stored).toEqual(outcomes[i] === 'rotated' ? s : undefined);
        }
      }
    });

    it('a family revocation racing a rotation never leaves a live successor (RFC 9700 §4.14.2)', async () => {
      for (let round = 0; round < 20; round++) {
        const presented = refreshRow();
        await store.tokens.insertRefresh(presented);
        const successor = refreshRow({ family_id: presented.family_id });
        const [outcome] = await Promise.all([
          store.tokens.rotateRefresh(presented.token_digest, successor, undefined, T0),
          store.tokens.revokeRefresh({ family_id: presented.family_id }, T0, 'refresh_reuse'),
        ]);
        const stored = await store.tokens.findRefresh(successor.token_digest);
        if (outcome === 'rotated') expect(stored?.revoked_at).toBe(T0);
        else expect([outcome, stored]).toEqual(['revoked', undefined]);
      }
    });

    it('revokeRefresh by family revokes every member once and deny-lists their live access tokens', async () => {
      const family = uid('fam');
      const a = refreshRow({ family_id: family, used_at: T0 });
      const b = refreshRow({ family_id: family });
      const expiredAt = refreshRow({ family_id: family, access_expires_at: T0 - 1 });
      const other = refreshRow();
      for (const r of [a, b, expiredAt, other]) await store.tokens.insertRefresh(r);
      expect(await store.tokens.revokeRefresh({ family_id: family }, T0, 'refresh_reuse')).toBe(3);
      expect(await store.tokens.revokeRefresh({ family_id: family }, T0 + 1, 'again')).toBe(0);
      expect(await store.tokens.findRefresh(a.token_digest)).toMatchObject({
        revoked_at: T0,
        revoke_reason: 'refresh_reuse',
      });
      expect(await store.tokens.isAccessTokenDenied(a.access_jti!)).toBe(true);
      expect(await store.tokens.isAccessTokenDenied(b.access_jti!)).toBe(true);
      // An access token that has already expired needs no deny-list entry.
      expect(await store.tokens.isAccessTokenDenied(expiredAt.access_jti!)).toBe(false);
      expect(await store.tokens.findRefresh(other.token_digest)).toEqual(other);
      expect(await store.tokens.isAccessTokenDenied(other.access_jti!)).toBe(false);
    });

    it('revokeRefresh by sid keeps offline tokens unless asked; by user; by user and client', async () => {
      const sid = uid('sid');
      const online = refreshRow({ sid });
      const offline = refreshRow({ sid, offline: true });
      await store.tokens.insertRefresh(online);
      await store.tokens.insertRefresh(offline);
      expect(await store.tokens.revokeRefresh({ sid, offline: false }, T0, 'logout:rp')).toBe(1);
      expect((await store.tokens.findRefresh(online.token_digest))?.revoked_at).toBe(T0);
      expect((await store.tokens.findRefresh(offline.token_digest))?.revoked_at).toBeNull();
      expect(await store.tokens.isAccessTokenDenied(online.access_jti!)).toBe(true);
      expect(await store.tokens.isAccessTokenDenied(offline.access_jti!)).toBe(false);
      expect(await store.tokens.revokeRefresh({ sid }, T0 + 1, 'logout:admin')).toBe(1);
      expect((await store.tokens.findRefresh(offline.token_digest))?.revoked_at).toBe(T0 + 1);
      expect(await store.tokens.isAccessTokenDenied(offline.access_jti!)).toBe(true);

      const user = uid('usr');
      const x = refreshRow({ user_id: user, client_id: 'x' });
      const y = refreshRow({ user_id: user, client_id: 'y', offline: true });
      const z = refreshRow({ user_id: user, client_id: 'z' });
      const someoneElse = refreshRow({ client_id: 'x' });
      for (const r of [x, y, z, someoneElse]) await store.tokens.insertRefresh(r);
      expect(await store.tokens.revokeRefresh({ user_id: user, client_id: 'x' }, T0, 'revoked')).toBe(1);
      expect((await store.tokens.findRefresh(y.token_digest))?.revoked_at).toBeNull();
      expect(await store.tokens.revokeRefresh({ user_id: user }, T0, 'password_changed')).toBe(2);
      for (const r of [x, y, z]) expect(await store.tokens.isAccessTokenDenied(r.access_jti!)).toBe(true);
      expect((await store.tokens.findRefresh(someoneElse.token_digest))?.revoked_at).toBeNull();
    });

    it('the access-token deny list is idempotent', async () => {
      const jti = uid('jti');
      expect(await store.tokens.isAccessTokenDenied(jti)).toBe(false);
      await store.tokens.denyAccessTokens([{ jti, expires_at: T0 + MIN }]);
      await store.tokens.denyAccessTokens([
        { jti, expires_at: T0 + MIN },
        { jti: `${jti}b`, expires_at: T0 },
      ]);
      await store.tokens.denyAccessTokens([]);
      expect(await store.tokens.isAccessTokenDenied(jti)).toBe(true);
      expect(await store.tokens.isAccessTokenDenied(`${jti}b`)).toBe(true);
    });

    it('findForAccessToken answers the session and the deny list in one statement', async () => {
      const session = sessionRow();
      await store.sessions.insert(session);
      const jti = uid('jti');
      const before = store.queryCount;
      expect(await store.sessions.findForAccessToken(session.sid, jti)).toEqual({ session, denied: false });
      expect(store.queryCount - before).toBe(1);
      await store.tokens.denyAccessTokens([{ jti: `${jti}-other`, expires_at: T0 + MIN }]);
      expect((await store.sessions.findForAccessToken(session.sid, jti))?.denied).toBe(false);
      await store.tokens.denyAccessTokens([{ jti, expires_at: T0 + MIN }]);
      expect(await store.sessions.findForAccessToken(session.sid, jti)).toEqual({ session, denied: true });
      expect(await store.sessions.findForAccessToken(uid('sid'), jti)).toBeUndefined();
    });

    it('purgeExpired drops dead refresh tokens, deny-list entries and day-old codes only', async () => {
      const { store: s } = await ownDatabase();
      const now = T0 + 2 * 86_400_000;
      const oldCode = codeRow({ expires_at: now - 86_400_001 });
      const recentCode = codeRow({ expires_at: now - 1 });
      const deadRt = refreshRow({ expires_at: now - 1 });
      const liveRt = refreshRow({ expires_at: now + 1 });
      await s.tokens.insertCode(oldCode);
      await s.tokens.insertCode(recentCode);
      await s.tokens.insertRefresh(deadRt);
      await s.tokens.insertRefresh(liveRt);
      await s.tokens.denyAccessTokens([
        { jti: 'dead', expires_at: now - 1 },
        { jti: 'live', expires_at: now + 1 },
      ]);
      await s.tokens.purgeExpired(now);
      expect(await s.tokens.findCode(oldCode.code_digest)).toBeUndefined();
      expect(await s.tokens.findCode(recentCode.code_digest)).toBeDefined();
      expect(await s.tokens.findRefresh(deadRt.token_digest)).toBeUndefined();
      expect(await s.tokens.findRefresh(liveRt.token_digest)).toBeDefined();
      expect(await s.tokens.isAccessTokenDenied('dead')).toBe(false);
      expect(await s.tokens.isAccessTokenDenied('live')).toBe(true);
    });
  });

  describe('second factors', () => {
    const totp = (userId: string, over: Partial<FactorRow> = {}): FactorRow => ({
      id: uid('fac'),
      user_id: userId,
      kind: 'totp',
      label: 'Authenticator app',
      secret: 'sealed-secret',
      last_step: 100,
      credential_id: null,
      public_key: null,
      sign_count: null,
      backup_eligible: null,
      backed_up: null,
      transports: null,
      created_at: T0,
      last_used_at: null,
      ...over,
    });

    it('a first factor comes with its recovery codes in one write; listing and counting', async () => {
      const user = uid('usr');
      expect(await store.factors.hasAny(user)).toBe(false);
      const f = totp(user);
      await store.factors.add(f, ['d1', 'd2', 'd3']);
      expect(await store.factors.hasAny(user)).toBe(true);
      expect(await store.factors.listByUser(user)).toEqual([f]);
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(3);
      // Fresh codes replace the old ones.
      await store.factors.add(totp(user, { created_at: T0 + 1 }), ['d4']);
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(1);
      expect(await store.factors.listByUser(user)).toHaveLength(2);
    });

    it('a failed insert leaves no recovery codes behind (no half-enrolled factor)', async () => {
      const user = uid('usr');
      const f = totp(user);
      await store.factors.add(f);
      await expect(store.factors.add({ ...f }, ['x1', 'x2'])).rejects.toThrow();
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(0);
      expect(await store.factors.listByUser(user)).toHaveLength(1);
    });

    it('a passkey counter moves forward once per value, by exactly one of racing callers; hasKind reads one kind', async () => {
      const user = uid('usr');
      const f = totp(user, {
        kind: 'passkey',
        label: 'Laptop',
        secret: null,
        last_step: null,
        credential_id: uid('cred'),
        public_key: 'pk',
        sign_count: 4,
        transports: 'internal',
        backup_eligible: false,
        backed_up: false,
      });
      expect(await store.factors.hasKind(user, 'passkey')).toBe(false);
      await store.factors.add(f);
      expect(await store.factors.hasKind(user, 'passkey')).toBe(true);
      expect(await store.factors.hasKind(user, 'totp')).toBe(false);
      expect((await store.factors.findByCredentialId(f.credential_id!))?.id).toBe(f.id);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => store.factors.acceptPasskeyUse(f.id, 4, 5, true, T0 + 5)),
      );
      expect(winners(results)).toBe(1);
      // An older or equal counter, or one verified against a counter that moved meanwhile: refused.
      expect(await store.factors.acceptPasskeyUse(f.id, 5, 5, true, T0 + 6)).toBe(false);
      expect(await store.factors.acceptPasskeyUse(f.id, 4, 6, true, T0 + 6)).toBe(false);
      expect(await store.factors.acceptPasskeyUse(f.id, 5, 0, true, T0 + 6)).toBe(false);
      expect(await store.factors.acceptPasskeyUse(f.id, 5, 9, false, T0 + 7)).toBe(true);
      const [row] = await store.factors.listByUser(user);
      expect(Number(row!.sign_count)).toBe(9);
      expect(row).toMatchObject({ backup_eligible: false, backed_up: false, last_used_at: T0 + 7 });
    });

    it('a TOTP step is accepted once, only later than the last, by exactly one of racing callers', async () => {
      const f = totp(uid('usr'));
      await store.factors.add(f);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => store.factors.acceptTotpStep(f.id, 101, T0 + 5)),
      );
      expect(winners(results)).toBe(1);
      expect(await store.factors.acceptTotpStep(f.id, 101, T0 + 6)).toBe(false);
      expect(await store.factors.acceptTotpStep(f.id, 100, T0 + 6)).toBe(false);
      expect(await store.factors.acceptTotpStep(f.id, 102, T0 + 7)).toBe(true);
      expect((await store.factors.listByUser(f.user_id))[0]).toMatchObject({
        last_step: 102,
        last_used_at: T0 + 7,
      });
    });

    it('a recovery code is spent once, by one of racing callers, and only by its user', async () => {
      const user = uid('usr');
      await store.factors.add(totp(user), ['r1', 'r2']);
      expect(await store.factors.useRecoveryCode(uid('usr'), 'r1', T0)).toBe(false);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.factors.useRecoveryCode(user, 'r1', T0)),
      );
      expect(winners(results)).toBe(1);
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(1);
    });

    it('removing the last factor removes the recovery codes; another user’s factor is not removed', async () => {
      const user = uid('usr');
      const a = totp(user);
      const b = totp(user, { created_at: T0 + 1 });
      await store.factors.add(a, ['c1', 'c2']);
      await store.factors.add(b);
      expect(await store.factors.remove(uid('usr'), a.id)).toBe(false);
      expect(await store.factors.remove(user, a.id)).toBe(true);
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(2);
      expect(await store.factors.remove(user, b.id)).toBe(true);
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(0);
      expect(await store.factors.remove(user, b.id)).toBe(false);
    });

    it('reset removes every factor and code of the user', async () => {
      const user = uid('usr');
      await store.factors.add(totp(user), ['e1']);
      await store.factors.add(totp(user, { created_at: T0 + 1 }));
      expect(await store.factors.removeAll(user)).toBe(2);
      expect(await store.factors.hasAny(user)).toBe(false);
      expect(await store.factors.countUnusedRecoveryCodes(user)).toBe(0);
    });

    it('sessions keep their amr through re-authentication', async () => {
      const s = sessionRow({ amr: 'pwd' });
      await store.sessions.insert(s);
      await store.sessions.reauthenticate(s.sid, {
        cookie_digest: uid('ck'),
        auth_time: T0 + 1,
        last_active_at: T0 + 1,
        idle_expires_at: T0 + MIN,
        amr: 'pwd otp mfa',
      });
      expect(await store.sessions.findBySid(s.sid)).toMatchObject({ amr: 'pwd otp mfa', auth_time: T0 + 1 });
    });
  });

  describe('login throttle', () => {
    it('get, put (insert then update) and clear', async () => {
      const key = `acct:${uid('u')}`;
      expect(await store.throttle.get(key)).toBeUndefined();
      await store.throttle.put({ key, failures: 1, window_started_at: T0, locked_until: 0 });
      await store.throttle.put({ key, failures: 6, window_started_at: T0, locked_until: T0 + 30_000 });
      expect(await store.throttle.get(key)).toEqual({
        key,
        failures: 6,
        window_started_at: T0,
        locked_until: T0 + 30_000,
      });
      await store.throttle.clear(key);
      expect(await store.throttle.get(key)).toBeUndefined();
    });

    it('countAttempt counts on both counters in one statement, and nothing while either is locked', async () => {
      const keys = { account: `acct:${uid('u')}`, ip: `ip:${uid('a')}` };
      const windows = { quietMs: 10 * MIN, windowMs: 5 * MIN };
      const before = store.queryCount;
      const first = await store.throttle.countAttempt(keys, T0, windows);
      expect(store.queryCount - before).toBe(1);
      expect(first).toEqual({
        account: { key: keys.account, failures: 1, window_started_at: T0, locked_until: 0 },
        ip: { key: keys.ip, failures: 1, window_started_at: T0, locked_until: 0 },
      });
      // The account's window moves to the last attempt; the address's stays where it began.
      const second = await store.throttle.countAttempt(keys, T0 + MIN, windows);
      expect(second?.account).toMatchObject({ failures: 2, window_started_at: T0 + MIN });
      expect(second?.ip).toMatchObject({ failures: 2, window_started_at: T0 });
      // Past the address's window it starts again at 1; the account's quiet period has not passed.
      const third = await store.throttle.countAttempt(keys, T0 + 7 * MIN, windows);
      expect(third?.account).toMatchObject({ failures: 3, window_started_at: T0 + 7 * MIN });
      expect(third?.ip).toMatchObject({ failures: 1, window_started_at: T0 + 7 * MIN });
      // Locked (either counter): nothing counted, on either.
      await store.throttle.lock(keys.ip, T0 + 8 * MIN);
      expect(await store.throttle.countAttempt(keys, T0 + 7 * MIN + 1, windows)).toBeUndefined();
      const rows = await store.throttle.getMany([keys.account, keys.ip]);
      expect(rows.map((r) => [r.key, r.failures]).sort()).toEqual(
        [
          [keys.account, 3],
          [keys.ip, 1],
        ].sort(),
      );
      // The lock ended: counted again. The account's quiet period runs from the end of its own lock.
      await store.throttle.lock(keys.account, T0 + 20 * MIN);
      expect(await store.throttle.countAttempt(keys, T0 + 19 * MIN, windows)).toBeUndefined();
      const after = await store.throttle.countAttempt(keys, T0 + 25 * MIN, windows);
      expect(after?.account).toMatchObject({ failures: 4, locked_until: T0 + 20 * MIN });
      const quiet = await store.throttle.countAttempt(keys, T0 + 36 * MIN, windows);
      expect(quiet?.account).toMatchObject({ failures: 1, window_started_at: T0 + 36 * MIN });
    });

    it('forgive drops the account counter and takes one attempt back from the address', async () => {
      const keys = { account: `acct:${uid('u')}`, ip: `ip:${uid('a')}` };
      const windows = { quietMs: 10 * MIN, windowMs: 5 * MIN };
      await store.throttle.countAttempt(keys, T0, windows);
      await store.throttle.countAttempt(keys, T0, windows);
      await store.throttle.forgive(keys.account, keys.ip);
      expect(await store.throttle.get(keys.account)).toBeUndefined();
      expect(await store.throttle.get(keys.ip)).toMatchObject({ failures: 1 });
      await store.throttle.forgive(keys.account, keys.ip);
      await store.throttle.forgive(keys.account, keys.ip);
      expect(await store.throttle.get(keys.ip)).toMatchObject({ failures: 0 });
    });
  });

  describe('logouts and the back-channel outbox', () => {
    it('sessions ended together: each table written set-based, each session with its own rows', async () => {
      const live = [sessionRow(), sessionRow(), sessionRow()];
      const gone = sessionRow({ ended_at: T0, end_reason: 'user', logout_id: 'lo_before' });
      for (const s of [...live, gone]) await store.sessions.insert(s);
      const ids = new Map([...live, gone].map((s) => [s.sid, uid('lo')]));
      const before = store.queryCount;
      const ended = await store.sessions.endMany(
        [...live, gone].map((s) => ({ sid: s.sid, logoutId: ids.get(s.sid)! })),
        T0 + 1,
        'admin',
      );
      expect(store.queryCount - before).toBe(1);
      expect(ended.sort()).toEqual(live.map((s) => s.sid).sort());
      for (const s of live) {
        expect(await store.sessions.findBySid(s.sid)).toMatchObject({
          ended_at: T0 + 1,
          end_reason: 'admin',
          logout_id: ids.get(s.sid),
        });
      }
      expect(await store.sessions.findBySid(gone.sid)).toMatchObject({
        end_reason: 'user',
        logout_id: 'lo_before',
      });
      expect(await store.sessions.endMany([], T0, 'admin')).toEqual([]);

      // Refresh tokens of the sessions (offline ones kept unless asked), their live access tokens deny-listed.
      const plain = live.map((s) => refreshRow({ sid: s.sid, access_expires_at: T0 + 10 * MIN }));
      const offline = refreshRow({ sid: live[0]!.sid, offline: true });
      const other = refreshRow({ sid: uid('sid') });
      for (const t of [...plain, offline, other]) await store.tokens.insertRefresh(t);
      const sids = live.map((s) => s.sid);
      expect(await store.tokens.revokeRefresh({ sids, offline: false }, T0 + 2, 'logout:admin')).toBe(3);
      for (const t of plain) {
        expect(await store.tokens.findRefresh(t.token_digest)).toMatchObject({ revoked_at: T0 + 2 });
        expect(await store.tokens.isAccessTokenDenied(t.access_jti!)).toBe(true);
      }
      expect((await store.tokens.findRefresh(offline.token_digest))?.revoked_at).toBeNull();
      expect((await store.tokens.findRefresh(other.token_digest))?.revoked_at).toBeNull();
      expect(await store.tokens.revokeRefresh({ sids }, T0 + 3, 'logout:admin')).toBe(1);
      expect(await store.tokens.revokeRefresh({ sids: [] }, T0 + 3, 'logout:admin')).toBe(0);

      // Their logout records, audit events and session events, one each, in one statement per table.
      const records = live.map((s) => logoutRow({ id: ids.get(s.sid)!, sid: s.sid }));
      await store.logouts.insertMany(records);
      for (const r of records) expect(await store.logouts.find(r.id)).toEqual(r);
      const audit = live.map((s) => ({
        at: T0,
        actor_type: 'admin',
        actor_id: null,
        actor_name: null,
        client_id: null,
        action: 'logout',
        target_type: 'session',
        target_id: s.sid,
        status: null,
        ip: null,
        user_agent: null,
        detail: JSON.stringify({ logout_id: ids.get(s.sid) }),
      }));
      await store.audit.appendMany(audit);
      for (const a of audit) {
        expect(await store.audit.list({ target: a.target_id, limit: 5 })).toEqual([
          expect.objectContaining({ detail: a.detail }),
        ]);
      }
      const wanted = live.map((s) => ({
        sid: s.sid,
        userId: s.user_id,
        reason: 'admin',
        logoutId: ids.get(s.sid)!,
      }));
      const events = await store.sessionEvents.appendAndAnnounceMany(wanted, T0);
      expect(events.map(({ id: _, ...e }) => e)).toEqual(wanted);
      expect(new Set(events.map((e) => e.id)).size).toBe(live.length);
      const logged = await store.sessionEvents.listAfter(0, sids);
      for (const e of events) {
        expect(logged.find((l) => l.id === e.id)).toMatchObject({ sid: e.sid, logout_id: e.logoutId });
      }
      expect(await store.sessionEvents.appendAndAnnounceMany([], T0)).toEqual([]);
    });

    it('inserts a logout with its participants and finds it by id, sid and participant', async () => {
      const lo = logoutRow();
      await store.logouts.insert(lo);
      await store.logouts.insertParticipants([
        {
          logout_id: lo.id,
          client_id: 'portal',
          channel: 'frontchannel',
          status: 'pending',
          detail: null,
          updated_at: T0,
        },
        {
          logout_id: lo.id,
          client_id: 'svc',
          channel: 'none',
          status: 'no_channel',
          detail: 'x',
          updated_at: T0,
        },
      ]);
      await store.logouts.insertParticipants([]);
      expect(await store.logouts.find(lo.id)).toEqual(lo);
      expect(await store.logouts.find(uid('missing'))).toBeUndefined();
      expect((await store.logouts.listParticipants(lo.id)).map((p) => p.client_id).sort()).toEqual([
        'portal',
        'svc',
      ]);
      const later = logoutRow({ sid: lo.sid, created_at: T0 + 1 });
      await store.logouts.insert(later);
      expect((await store.logouts.listBySid(lo.sid!)).map((l) => l.id)).toEqual([later.id, lo.id]);
      expect((await store.logouts.listBySid(lo.sid!, 1)).map((l) => l.id)).toEqual([later.id]);
      const client = uid('client');
      await store.logouts.insertParticipants([
        {
          logout_id: later.id,
          client_id: client,
          channel: 'frontchannel',
          status: 'pending',
          detail: null,
          updated_at: T0,
        },
      ]);
      expect((await store.logouts.listByParticipant(client)).map((l) => l.id)).toEqual([later.id]);
    });

    it('participant status only moves to a stronger state', async () => {
      const lo = logoutRow();
      await store.logouts.insert(lo);
      const part = (client_id: string, status = 'pending') => ({
        logout_id: lo.id,
        client_id,
        channel: 'frontchannel',
        status,
        detail: null,
        updated_at: T0,
      });
      await store.logouts.insertParticipants([part('a'), part('b'), part('c', 'not_sent')]);
      const set = (client: string, status: string, at = T0 + 1) =>
        store.logouts.setParticipantStatus(lo.id, client, 'frontchannel', status, `${status}!`, at);
      const statusOf = async (client: string) =>
        (await store.logouts.listParticipants(lo.id)).find((p) => p.client_id === client);

      expect(await set('a', 'timeout')).toBe(true);
      expect(await set('a', 'reached')).toBe(true);
      expect(await set('a', 'timeout')).toBe(false);
      expect(await set('a', 'pending')).toBe(false);
      expect(await set('a', 'acknowledged', T0 + 9)).toBe(true);
      expect(await set('a', 'failed')).toBe(false);
      expect(await set('a', 'reached')).toBe(false);
      expect(await statusOf('a')).toMatchObject({
        status: 'acknowledged',
        detail: 'acknowledged!',
        updated_at: T0 + 9,
      });

      expect(await set('b', 'failed')).toBe(true);
      expect(await set('b', 'acknowledged')).toBe(false);
      expect((await statusOf('b'))?.status).toBe('failed');
      // A participant nobody could reach stays so; an unknown participant or channel changes nothing.
      expect(await set('c', 'acknowledged')).toBe(false);
      expect(await set('nobody', 'acknowledged')).toBe(false);
      expect(await store.logouts.setParticipantStatus(lo.id, 'a', 'push', 'acknowledged', null, T0)).toBe(
        false,
      );
    });

    it('inserts many outbox rows (chunked) and lists them by logout and by id', async () => {
      const lo = logoutRow();
      await store.logouts.insert(lo);
      const rows = Array.from({ length: 120 }, (_, i) => outboxRow(lo.id, { client_id: `c${i}` }));
      await store.logouts.insertOutbox(rows);
      expect(await store.logouts.listOutbox(lo.id)).toHaveLength(120);
      const some = await store.logouts.listOutboxByIds([rows[0]!.id, rows[119]!.id]);
      expect(some.map((r) => r.id).sort()).toEqual([rows[0]!.id, rows[119]!.id].sort());
      expect(await store.logouts.listOutboxByIds([])).toEqual([]);
    });

    it('claimDue takes only due pending rows, leases them, and nextDueAt names the earliest', async () => {
      const { store: s } = await ownDatabase();
      expect(await s.logouts.nextDueAt()).toBeUndefined();
      const lo = logoutRow();
      await s.logouts.insert(lo);
      const due = outboxRow(lo.id, { next_attempt_at: T0 - 1 });
      const later = outboxRow(lo.id, { next_attempt_at: T0 + MIN });
      const done = outboxRow(lo.id, { status: 'delivered', next_attempt_at: T0 - 5 });
      await s.logouts.insertOutbox([due, later, done]);
      expect(await s.logouts.nextDueAt()).toBe(T0 - 1);
      const claimed = await s.logouts.claimDue(T0, 10, 'w1', 5000);
      expect(claimed.map((r) => r.id)).toEqual([due.id]);
      expect(claimed[0]).toMatchObject({ locked_by: 'w1', locked_until: T0 + 5000 });
      // Leased: nobody else gets it until the lease is over.
      expect(await s.logouts.claimDue(T0 + 1, 10, 'w2', 5000)).toEqual([]);
    });

    it('concurrent claimers (separate stores, like separate processes) never get the same row', async () => {
      const { url, store: a } = await ownDatabase();
      const b = await open(url);
      const c = await open(url);
      const lo = logoutRow();
      await a.logouts.insert(lo);
      const rows = Array.from({ length: 60 }, (_, i) => outboxRow(lo.id, { next_attempt_at: T0 - i }));
      await a.logouts.insertOutbox(rows);
      const seen = new Map<string, string>();
      for (let round = 0; round < 10 && seen.size < rows.length; round++) {
        const claimers = [a, b, c, a, b, c].map((s, i) => ({ s, worker: `w${round}_${i}` }));
        const results = await Promise.all(
          claimers.map(({ s, worker }) => s.logouts.claimDue(T0, 4, worker, 60_000)),
        );
        results.forEach((got, i) => {
          expect(got.length).toBeLessThanOrEqual(4);
          for (const r of got) {
            expect(
              seen.has(r.id),
              `row ${r.id} claimed by ${seen.get(r.id)} and ${claimers[i]!.worker}`,
            ).toBe(false);
            expect(r.locked_by).toBe(claimers[i]!.worker);
            seen.set(r.id, claimers[i]!.worker);
          }
        });
      }
      expect(seen.size).toBe(rows.length);
      // What the database says agrees with what each claimer was told.
      for (const r of await a.logouts.listOutbox(lo.id)) expect(r.locked_by).toBe(seen.get(r.id));
    });

    it('an expired lease makes a row claimable again; recordAttempt only counts with the lease', async () => {
      const { url, store: s } = await ownDatabase();
      const other = await open(url);
      const lo = logoutRow();
      await s.logouts.insert(lo);
      const row = outboxRow(lo.id);
      await s.logouts.insertOutbox([row]);
      const [first] = await s.logouts.claimDue(T0, 1, 'w1', 1000);
      expect(first?.id).toBe(row.id);
      expect(await other.logouts.claimDue(T0 + 1000, 1, 'w2', 1000)).toEqual([]);
      const [second] = await other.logouts.claimDue(T0 + 1001, 1, 'w2', 1000);
      expect(second).toMatchObject({ id: row.id, locked_by: 'w2', locked_until: T0 + 2001 });

      const attempt = (n: number) => ({
        attempt: n,
        started_at: T0 + n,
        duration_ms: 5,
        status_code: 503,
        outcome: 'retry',
        error: 'HTTP 503',
      });
      const next = {
        status: 'pending',
        next_attempt_at: T0 + 9999,
        completed_at: null,
        last_status_code: 503,
        last_error: 'HTTP 503',
      };
      // The worker that lost its lease must not overwrite the new holder's work.
      expect(await s.logouts.recordAttempt(first!, 'w1', attempt(1), next)).toBe(false);
      expect((await s.logouts.listOutbox(lo.id))[0]).toMatchObject({ attempts: 0, locked_by: 'w2' });
      expect(await other.logouts.recordAttempt(second!, 'w2', attempt(2), next)).toBe(true);
      expect((await s.logouts.listOutbox(lo.id))[0]).toMatchObject({
        attempts: 1,
        locked_by: null,
        locked_until: null,
        status: 'pending',
        next_attempt_at: T0 + 9999,
        last_status_code: 503,
      });
      // Retried after backoff: claimable at its next_attempt_at, then delivered for good.
      expect(await s.logouts.claimDue(T0 + 9998, 1, 'w3', 1000)).toEqual([]);
      const [third] = await s.logouts.claimDue(T0 + 9999, 1, 'w3', 1000);
      expect(
        await s.logouts.recordAttempt(third!, 'w3', attempt(3), {
          status: 'delivered',
          next_attempt_at: T0 + 9999,
          completed_at: T0 + 10_000,
          last_status_code: 200,
          last_error: null,
        }),
      ).toBe(true);
      expect((await s.logouts.listOutbox(lo.id))[0]).toMatchObject({ attempts: 2, status: 'delivered' });
      expect(await s.logouts.recordAttempt(third!, 'w3', attempt(4), next)).toBe(false);
      expect(await s.logouts.claimDue(T0 + 10 ** 9, 10, 'w4', 1000)).toEqual([]);
      expect(await s.logouts.nextDueAt()).toBeUndefined();
      const attempts = await s.logouts.listAttempts([row.id]);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
      expect(attempts.map((a) => a.id)).toEqual([...attempts.map((a) => a.id)].sort((x, y) => x - y));
      expect(await s.logouts.listAttempts([])).toEqual([]);
    });

    it('recordAttempts records a burst in one transaction, each row only with its own lease', async () => {
      const { store: s } = await ownDatabase();
      const lo = logoutRow();
      await s.logouts.insert(lo);
      const rows = [outboxRow(lo.id), outboxRow(lo.id), outboxRow(lo.id)];
      await s.logouts.insertOutbox(rows);
      const mine = await s.logouts.claimDue(T0, 2, 'w1', 1000);
      expect(mine).toHaveLength(2);
      const [theirs] = await s.logouts.claimDue(T0, 1, 'w2', 1000);
      const entry = (row: (typeof mine)[number], n: number) => ({
        row,
        attempt: {
          attempt: 1,
          started_at: T0 + n,
          duration_ms: 3,
          status_code: 200,
          outcome: 'delivered',
          error: null,
        },
        next: {
          status: 'delivered',
          next_attempt_at: row.next_attempt_at,
          completed_at: T0 + 10,
          last_status_code: 200,
          last_error: null,
        },
      });
      // w1 also tries to record the row w2 holds: that one entry is refused, the others go through.
      const updated = await s.transaction((tx) =>
        tx.logouts.recordAttempts('w1', [entry(mine[0]!, 1), entry(theirs!, 2), entry(mine[1]!, 3)]),
      );
      expect(updated).toEqual([true, false, true]);
      const after = new Map((await s.logouts.listOutbox(lo.id)).map((r) => [r.id, r]));
      expect(after.get(mine[0]!.id)).toMatchObject({ status: 'delivered', attempts: 1, locked_by: null });
      expect(after.get(mine[1]!.id)).toMatchObject({ status: 'delivered', attempts: 1, locked_by: null });
      expect(after.get(theirs!.id)).toMatchObject({ status: 'pending', attempts: 0, locked_by: 'w2' });
      // Every attempt is in the history, in the order given, including the one whose lease was lost.
      const history = await s.logouts.listAttempts(rows.map((r) => r.id));
      expect(history.map((a) => a.started_at)).toEqual([T0 + 1, T0 + 2, T0 + 3]);
      expect(await s.transaction((tx) => tx.logouts.recordAttempts('w1', []))).toEqual([]);
    });
  });

  describe('session events', () => {
    it('append returns increasing ids; listAfter filters by session and position', async () => {
      const sidA = uid('sid');
      const sidB = uid('sid');
      const ids: number[] = [];
      for (const sid of [sidA, sidB, sidA]) {
        ids.push(
          await store.sessionEvents.append({
            sid,
            user_id: 'u',
            reason: 'rp',
            logout_id: null,
            created_at: T0,
          }),
        );
      }
      expect(ids[1]!).toBeGreaterThan(ids[0]!);
      expect(ids[2]!).toBeGreaterThan(ids[1]!);
      expect(await store.sessionEvents.lastId()).toBeGreaterThanOrEqual(ids[2]!);
      const a = await store.sessionEvents.listAfter(0, [sidA]);
      expect(a.map((e) => e.id)).toEqual([ids[0], ids[2]]);
      expect(a[0]).toEqual({
        id: ids[0],
        sid: sidA,
        user_id: 'u',
        reason: 'rp',
        logout_id: null,
        created_at: T0,
      });
      expect((await store.sessionEvents.listAfter(ids[0]!, [sidA, sidB])).map((e) => e.id)).toEqual([
        ids[1],
        ids[2],
      ]);
      expect((await store.sessionEvents.listAfter(0, [sidA, sidB], 1)).map((e) => e.id)).toEqual([ids[0]]);
      expect(await store.sessionEvents.listAfter(0, [])).toEqual([]);
      expect((await store.sessionEvents.listAllAfter(ids[0]!)).map((e) => e.id)).toEqual(
        expect.arrayContaining([ids[1], ids[2]]),
      );
    });

    it('concurrent appends get distinct ids', async () => {
      const sid = uid('sid');
      const ids = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.sessionEvents.append({
            sid,
            user_id: 'u',
            reason: 'expired',
            logout_id: 'lo',
            created_at: T0,
          }),
        ),
      );
      expect(new Set(ids).size).toBe(10);
      expect((await store.sessionEvents.listAfter(0, [sid])).map((e) => e.id)).toEqual(
        [...ids].sort((x, y) => x - y),
      );
    });
  });

  describe('federation', () => {
    it('takeRequest deletes and returns a trip in one statement, once; an expired one is gone and not returned', async () => {
      const trip = {
        state_digest: uid('st'),
        connection_id: 'up',
        interaction_id: uid('int'),
        browser_digest: 'b',
        nonce: 'n',
        code_verifier: 'v',
        created_at: T0,
        expires_at: T0 + MIN,
      };
      await store.federation.insertRequest(trip);
      const before = store.queryCount;
      expect(await store.federation.takeRequest(trip.state_digest, T0 + 1)).toEqual(trip);
      expect(store.queryCount - before).toBe(1);
      expect(await store.federation.takeRequest(trip.state_digest, T0 + 1)).toBeUndefined();
      const old = { ...trip, state_digest: uid('st') };
      await store.federation.insertRequest(old);
      expect(await store.federation.takeRequest(old.state_digest, T0 + MIN)).toBeUndefined();
      await store.federation.insertRequest(old);
      expect(await store.federation.takeRequest(old.state_digest, T0)).toEqual(old);
    });

    it('touchLinkOfActiveUser records the time on a link of a user who may sign in, and only then', async () => {
      const active = userRow();
      const disabled = userRow({ disabled: true });
      for (const u of [active, disabled]) {
        await store.users.insert(u);
        await store.federation.insertLink({
          connection_id: 'up',
          upstream_iss: 'https://up.example',
          upstream_sub: u.id,
          user_id: u.id,
          created_at: T0,
          last_login_at: T0,
        });
      }
      const before = store.queryCount;
      expect(
        await store.federation.touchLinkOfActiveUser('up', 'https://up.example', active.id, T0 + 5),
      ).toEqual({
        connection_id: 'up',
        upstream_iss: 'https://up.example',
        upstream_sub: active.id,
        user_id: active.id,
        created_at: T0,
        last_login_at: T0 + 5,
      });
      expect(store.queryCount - before).toBe(1);
      expect(
        await store.federation.touchLinkOfActiveUser('up', 'https://up.example', disabled.id, T0 + 5),
      ).toBeUndefined();
      expect(await store.federation.findLink('up', 'https://up.example', disabled.id)).toMatchObject({
        last_login_at: T0,
      });
      expect(
        await store.federation.touchLinkOfActiveUser('up', 'https://up.example', uid('x'), T0),
      ).toBeUndefined();
    });

    it('liveSessionsBoundTo reads the bound live sessions whole; insertUpstreamLogouts writes many at once', async () => {
      const sub = uid('sub');
      const bound = [sessionRow({ remember_me: true }), sessionRow(), sessionRow()];
      const ended = sessionRow({ ended_at: T0, end_reason: 'user' });
      for (const [i, s] of [...bound, ended].entries()) {
        await store.sessions.insert(s);
        await store.federation.bindSession({
          sid: s.sid,
          connection_id: 'up',
          upstream_iss: 'https://up.example',
          upstream_sub: sub,
          upstream_sid: i === 0 ? 'usid' : null,
          id_token: null,
          id_token_expires_at: null,
          refresh_token: null,
          end_session_endpoint: null,
          created_at: T0,
        });
      }
      const bySub = await store.federation.liveSessionsBoundTo('up', 'https://up.example', { sub }, T0);
      expect(bySub.sort((a, b) => a.sid.localeCompare(b.sid))).toEqual(
        [...bound].sort((a, b) => a.sid.localeCompare(b.sid)),
      );
      expect(
        await store.federation.liveSessionsBoundTo('up', 'https://up.example', { sid: 'usid' }, T0),
      ).toEqual([bound[0]]);
      expect(await store.federation.liveSessionsBoundTo('up', 'https://other.example', { sub }, T0)).toEqual(
        [],
      );

      const rows = bound.map((s) => ({
        logout_id: uid('lo'),
        sid: s.sid,
        connection_id: 'up',
        status: 'not_attempted',
        detail: 'the sign-out came from Up',
        state_digest: null,
        created_at: T0,
        updated_at: T0,
      }));
      await store.federation.insertUpstreamLogouts(rows);
      // One already there is kept as it is.
      await store.federation.insertUpstreamLogouts([{ ...rows[0]!, status: 'pending' }]);
      for (const r of rows) expect(await store.federation.findUpstreamLogout(r.logout_id)).toEqual(r);
      await store.federation.insertUpstreamLogouts([]);
    });
  });

  describe('console sessions', () => {
    it('purgeExpired drops only expired console sign-ins', async () => {
      const row = (id: string, expires_at: number) => ({
        id_digest: id,
        kind: 'session',
        user_id: 'u',
        payload: '{}',
        csrf: 'c',
        created_at: T0 - MIN,
        expires_at,
      });
      const dead = uid('cs');
      const live = uid('cs');
      await store.consoleSessions.insert(row(dead, T0 - 1));
      await store.consoleSessions.insert(row(live, T0 + MIN));
      await store.consoleSessions.purgeExpired(T0);
      expect(await store.consoleSessions.take(dead)).toBe(false);
      expect(await store.consoleSessions.find(live, 'session', T0)).toMatchObject({ id_digest: live });
    });
  });

  describe('accounts: personal data', () => {
    it('personalData lists consents, roles and links; forgetUser deletes them and blanks the sessions', async () => {
      const u = userRow({ email: 'forget@example.com', name: 'Forget Me' });
      const other = userRow();
      await store.users.insert(u);
      await store.users.insert(other);
      await store.consents.grant(u.id, 'app', ['openid', 'email'], T0);
      await store.consents.grant(other.id, 'app', ['openid'], T0);
      await store.roles.grant(u.id, 'admin', 'cli', T0);
      await store.federation.insertLink({
        connection_id: 'up',
        upstream_iss: 'https://up.example',
        upstream_sub: uid('sub'),
        user_id: u.id,
        created_at: T0,
        last_login_at: T0,
      });
      const s = sessionRow({ user_id: u.id });
      await store.sessions.insert(s);
      await store.accounts.insertToken({
        digest: uid('dg'),
        kind: 'reset',
        user_id: u.id,
        email: 'forget@example.com',
        created_at: T0,
        expires_at: T0 + MIN,
        used_at: null,
      });

      await store.factors.add(
        {
          id: uid('fac'),
          user_id: u.id,
          kind: 'totp',
          label: 'Authenticator app',
          secret: 'sealed',
          last_step: null,
          credential_id: null,
          public_key: null,
          sign_count: null,
          backup_eligible: null,
          backed_up: null,
          transports: null,
          created_at: T0,
          last_used_at: null,
        },
        [uid('rc')],
      );

      const data = await store.accounts.personalData(u.id);
      expect(data.consents).toEqual([{ client_id: 'app', scope: 'openid email', granted_at: T0 }]);
      expect(data.roles).toEqual(['admin']);
      expect(data.links).toEqual([
        { connection_id: 'up', upstream_iss: 'https://up.example', created_at: T0, last_login_at: T0 },
      ]);

      expect(await store.accounts.forgetUser(u.id)).toBe(true);
      expect(await store.users.findById(u.id)).toBeUndefined();
      expect(await store.accounts.personalData(u.id)).toEqual({ consents: [], roles: [], links: [] });
      expect(await store.factors.hasAny(u.id)).toBe(false);
      expect(await store.factors.countUnusedRecoveryCodes(u.id)).toBe(0);
      const kept = await store.sessions.findBySid(s.sid);
      expect(kept).toMatchObject({ sid: s.sid, user_id: u.id, ip: null, user_agent: null });
      // Another user's data is untouched; a second call finds nobody.
      expect(await store.consents.find(other.id, 'app')).toEqual(['openid']);
      expect(await store.users.findById(other.id)).toEqual(other);
      expect(await store.accounts.forgetUser(u.id)).toBe(false);
    });
  });

  describe('transactions', () => {
    it('commit together or not at all; nested calls join the outer transaction', async () => {
      const u = userRow();
      await expect(
        store.transaction(async (tx) => {
          await tx.users.insert(u);
          await tx.transaction(async (inner) =>
            inner.throttle.put({ key: u.id, failures: 1, window_started_at: T0, locked_until: 0 }),
          );
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await store.users.findById(u.id)).toBeUndefined();
      expect(await store.throttle.get(u.id)).toBeUndefined();
      await store.transaction(async (tx) => {
        await tx.users.insert(u);
        await tx.transaction(async (inner) =>
          inner.throttle.put({ key: u.id, failures: 1, window_started_at: T0, locked_until: 0 }),
        );
      });
      expect(await store.users.findById(u.id)).toEqual(u);
      expect(await store.throttle.get(u.id)).toBeDefined();
    });
  });
});
