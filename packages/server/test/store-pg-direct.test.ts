/**
 * Issue 18: on PostgreSQL the hot paths' single statements run on a pooled client past Kysely's executor
 * (store/pg-direct.ts). They must behave as through Kysely: same rows and counts, every statement counted and
 * logged, errors thrown with their SQLSTATE and logged, the client back in the pool and usable afterwards, and
 * inside a transaction the statement is the transaction's.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Kysely, LogEvent } from 'kysely';
import { connect, type Connection } from '../src/store/connect.js';
import { migrateToLatest } from '../src/store/migrations.js';
import { PgDirect, pgDirectFor } from '../src/store/pg-direct.js';
import { Store } from '../src/store/store.js';
import { RefreshTokensRepo, type RefreshTokenRow } from '../src/store/repos/refresh-tokens.js';
import { refreshTokenRow } from './support/rows.js';
import { testDatabase } from '../src/testing/index.js';
import { hasPostgres } from '../../../test/support/env.js';

const postgres = hasPostgres();
const now = Date.now();
const token = (digest: string): RefreshTokenRow => refreshTokenRow(digest, now);

describe.skipIf(!postgres)(
  'PostgreSQL: hot statements run on a pooled client, as Kysely would run them',
  () => {
    let conn: Connection;
    let cleanup: () => Promise<void>;
    let tokens: RefreshTokensRepo;

    beforeAll(async () => {
      const db = testDatabase('postgres');
      cleanup = db.cleanup;
      conn = await connect(db.url);
      // Migrations run on an untyped handle, as store.ts and the CLI give them.
      await migrateToLatest(conn.db as Kysely<unknown>, 'postgres');
      tokens = new RefreshTokensRepo(conn.db, 'postgres');
    });
    afterAll(async () => {
      await conn?.db.destroy();
      await cleanup?.();
    });

    it('is used for the store’s connection, counts and logs every statement, and reports rows changed', async () => {
      expect(pgDirectFor(conn.db)).toBeDefined();
      // A transaction or a pinned connection holds its own client: its statements must run there, through Kysely.
      await conn.db.transaction().execute(async (trx) => expect(pgDirectFor(trx)).toBeUndefined());
      await conn.db.connection().execute(async (pinned) => expect(pgDirectFor(pinned)).toBeUndefined());
      const events: LogEvent[] = [];
      conn.stats.onEvent = (e) => events.push(e);
      const before = conn.stats.queries;
      await tokens.insertRefresh(token('a'));
      expect(await tokens.findRefresh('a')).toMatchObject({
        token_digest: 'a',
        offline: true,
        used_at: null,
      });
      expect(await tokens.markRefreshUsed('a', now)).toBe(true);
      // Already used: the update changes no row, and says so.
      expect(await tokens.markRefreshUsed('a', now)).toBe(false);
      expect(await tokens.findRefresh('missing')).toBeUndefined();
      conn.stats.onEvent = undefined;
      expect(conn.stats.queries - before).toBe(5);
      expect(events.map((e) => e.level)).toEqual(['query', 'query', 'query', 'query', 'query']);
      expect(events[0]!.query.sql).toMatch(/^insert into "refresh_tokens"/);
      expect(events.every((e) => e.queryDurationMillis >= 0)).toBe(true);
    });

    it('the store the provider opens sends its hot statements through it', async () => {
      const database = testDatabase('postgres');
      const store = await Store.open(database.url);
      const run = vi.spyOn(PgDirect.prototype, 'execute');
      try {
        await store.tokens.insertRefresh(token('via-store'));
        expect(await store.tokens.findRefreshWithSession('via-store')).toMatchObject({ session: undefined });
        expect(run).toHaveBeenCalledTimes(2);
      } finally {
        run.mockRestore();
        await store.close();
        await database.cleanup();
      }
    });

    it('a failing statement rejects with its SQLSTATE, is logged as an error, and gives its client back usable', async () => {
      const pool = conn.pool!;
      await tokens.insertRefresh(token('dup'));
      const clients = pool.totalCount;
      const errors: LogEvent[] = [];
      conn.stats.onEvent = (e) => e.level === 'error' && errors.push(e);
      for (let i = 0; i < 3; i++) {
        await expect(tokens.insertRefresh(token('dup'))).rejects.toMatchObject({ code: '23505' });
      }
      conn.stats.onEvent = undefined;
      expect(errors).toHaveLength(3);
      // Its stack names who asked (pg adds the awaiting callers, as Kysely's driver would), not only pg's reader.
      const failed = await tokens.insertRefresh(token('dup')).catch((e: Error) => e);
      expect((failed as Error).stack).toMatch(/RefreshTokensRepo\.insertRefresh/);
      // The same clients serve on: none was closed for a constraint violation, none is left checked out.
      expect(pool.totalCount).toBe(clients);
      expect(pool.idleCount).toBe(pool.totalCount);
      expect(await tokens.findRefresh('dup')).toBeDefined();
    });

    it('inside a transaction the statement is the transaction’s: it sees its writes and rolls back with it', async () => {
      const outcome = await conn.db
        .transaction()
        .execute(async (trx) => {
          const inner = new RefreshTokensRepo(trx, 'postgres');
          await inner.insertRefresh(token('inside'));
          const seenInside = await inner.findRefresh('inside');
          const seenOutside = await tokens.findRefresh('inside');
          throw Object.assign(new Error('roll back'), { seenInside, seenOutside });
        })
        .catch((e: { seenInside?: RefreshTokenRow; seenOutside?: RefreshTokenRow }) => e);
      expect(outcome.seenInside).toMatchObject({ token_digest: 'inside' });
      expect(outcome.seenOutside).toBeUndefined();
      expect(await tokens.findRefresh('inside')).toBeUndefined();
    });

    it('statements at once each take their own client, and all come back', async () => {
      const pool = conn.pool!;
      const digests = Array.from({ length: 30 }, (_, i) => `many-${i}`);
      await Promise.all(digests.map((d) => tokens.insertRefresh(token(d))));
      const found = await Promise.all(digests.map((d) => tokens.findRefresh(d)));
      expect(found.map((r) => r?.token_digest)).toEqual(digests);
      expect(pool.waitingCount).toBe(0);
      expect(pool.idleCount).toBe(pool.totalCount);
    });
  },
);
