import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { connect, type Connection } from '../../../src/store/connect.js';
import { migrateToLatest } from '../../../src/store/migrations.js';
import { RefreshTokensRepo, type RefreshTokenRow } from '../../../src/store/repos/refresh-tokens.js';
import { refreshTokenRow } from '../../support/rows.js';
import { directFor } from '../../../src/store/sqlite-direct.js';

const now = Date.now();
const token = (digest: string): RefreshTokenRow => refreshTokenRow(digest, now);

/** Resolves when told to; a Kysely transaction waits on it while it holds the connection. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('SQLite: hot statements run on the handle directly, never inside another caller’s transaction', () => {
  let dir: string;
  let conn: Connection;
  let tokens: RefreshTokensRepo;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'adieu-direct-'));
    conn = await connect(`sqlite:${join(dir, 'adieu.db')}`);
    // Migrations run on an untyped handle, as store.ts and the CLI give them.
    await migrateToLatest(conn.db as Kysely<unknown>, 'sqlite');
    tokens = new RefreshTokensRepo(conn.db, 'sqlite');
  });
  afterEach(async () => {
    await conn.db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is used for the store’s connection and its transactions, and counts every statement', async () => {
    expect(directFor(conn.db)).toBeDefined();
    const before = conn.stats.queries;
    const seen: string[] = [];
    conn.stats.onQuery = (sql) => seen.push(sql);
    await tokens.insertRefresh(token('a'));
    expect(await tokens.findRefresh('a')).toMatchObject({ token_digest: 'a', offline: true });
    expect(conn.stats.queries - before).toBe(2);
    expect(seen[0]).toMatch(/^insert into "refresh_tokens"/);
    await conn.db.transaction().execute(async (trx) => expect(directFor(trx)).toBe(directFor(conn.db)));
  });

  it('waits while a Kysely transaction is open, so a rollback there does not undo a write made meanwhile', async () => {
    const g = gate();
    let outsideDone = false;
    const rolledBack = conn.db
      .transaction()
      .execute(async (trx) => {
        await new RefreshTokensRepo(trx, 'sqlite').insertRefresh(token('inside'));
        await g.opened;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    // Let the transaction begin and write before the outside write is asked for.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const outside = tokens.insertRefresh(token('outside')).then(() => (outsideDone = true));
    // The outside read must not see the uncommitted row either.
    const read = tokens.findRefresh('inside');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(outsideDone).toBe(false);
    g.open();
    expect(await rolledBack).toBe('roll back');
    await outside;
    expect(await read).toBeUndefined();
    expect(await tokens.findRefresh('outside')).toBeDefined();
    expect(await tokens.findRefresh('inside')).toBeUndefined();
  });

  it('a rotation is all or nothing, and joins the caller’s transaction when asked inside one', async () => {
    await tokens.insertRefresh(token('first'));
    const before = conn.stats.queries;
    expect(await tokens.rotateRefresh('first', token('second'), undefined, now)).toBe('rotated');
    // begin, update, insert, commit: counted as when Kysely ran the transaction.
    expect(conn.stats.queries - before).toBe(4);
    expect((await tokens.findRefresh('first'))?.used_at).toBe(now);
    expect(await tokens.findRefresh('second')).toBeDefined();
    // Presented again: nothing is written (no successor), and it is reuse.
    expect(await tokens.rotateRefresh('first', token('third'), undefined, now)).toBe('reused');
    expect(await tokens.findRefresh('third')).toBeUndefined();
    // Inside a transaction that then rolls back, the rotation is rolled back with it.
    await conn.db
      .transaction()
      .execute(async (trx) => {
        const inner = new RefreshTokensRepo(trx, 'sqlite');
        expect(await inner.rotateRefresh('second', token('fourth'), undefined, now)).toBe('rotated');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect((await tokens.findRefresh('second'))?.used_at).toBeNull();
    expect(await tokens.findRefresh('fourth')).toBeUndefined();
  });

  it('a failing statement rejects, and its transaction writes nothing', async () => {
    await tokens.insertRefresh(token('dup'));
    await expect(tokens.insertRefresh(token('dup'))).rejects.toThrow(/UNIQUE/);
    await tokens.insertRefresh(token('p'));
    // The successor collides with an existing token: the presented one must stay unused.
    await expect(tokens.rotateRefresh('p', token('dup'), undefined, now)).rejects.toThrow(/UNIQUE/);
    expect((await tokens.findRefresh('p'))?.used_at).toBeNull();
  });
});
