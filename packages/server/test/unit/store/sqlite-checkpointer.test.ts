import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.js';
import type { SqliteCheckpointer } from '../../../src/store/sqlite-checkpointer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `ok()` holds (the worker reports on its own schedule); fail after 10 s. */
async function eventually(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await sleep(20);
  if (!ok()) throw new Error(`never happened: ${what}`);
}

/** One commit per call: a throttle row, the smallest write the store has. */
async function commits(store: Store, n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.throttle.put({ key: `${prefix}${i}`, failures: 1, window_started_at: 0, locked_until: 0 });
  }
}

describe('SQLite: WAL checkpoints on a worker thread, not in a commit on the event loop', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'adieu-checkpointer-'));
    file = join(dir, 'adieu.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (backgroundCheckpoints: boolean | { walLimitPages: number }) =>
    Store.open(`sqlite:${file}`, { migrate: true, backgroundCheckpoints });
  const checkpointer = (store: Store): SqliteCheckpointer => store.connection.checkpointer!;

  it('turns the main connection’s own checkpoints off and copies the WAL from the worker', async () => {
    const store = await open(true);
    try {
      expect(checkpointer(store).mainCheckpoints).toBe(false);
      await commits(store, 20, 'a');
      await eventually(() => checkpointer(store).stats.checkpointedPages > 0, 'the worker copied WAL frames');
      expect(checkpointer(store).stats.failures).toBe(0);
    } finally {
      await store.close();
    }
    // The worker's connection closed first, so the main one was the last and removed the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a CLI-style open keeps SQLite’s own checkpoints and starts no worker', async () => {
    const store = await open(false);
    try {
      expect(store.connection.checkpointer).toBeUndefined();
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      expect(rows[0]?.wal_autocheckpoint).toBe(1000);
    } finally {
      await store.close();
    }
  });

  it('hands checkpoints back to SQLite while the WAL is over its limit, and takes them again once it restarted', async () => {
    const store = await open({ walLimitPages: 8 });
    const c = checkpointer(store);
    try {
      await commits(store, 30, 'b');
      await eventually(
        () => c.stats.handedBack === 1 && c.mainCheckpoints,
        'the main connection checkpoints again',
      );
      // A quiet moment lets a checkpoint finish; the next commit restarts the WAL, and the worker takes over.
      await sleep(300);
      await commits(store, 1, 'c');
      await eventually(() => !c.mainCheckpoints, 'the worker alone checkpoints again');
    } finally {
      await store.close();
    }
  });

  it('goes back to SQLite’s own checkpoints if the worker dies', async () => {
    const store = await open(true);
    try {
      expect(checkpointer(store).mainCheckpoints).toBe(false);
      await checkpointer(store).kill();
      expect(checkpointer(store).mainCheckpoints).toBe(true);
      await commits(store, 5, 'd');
    } finally {
      await store.close();
    }
  });
});
