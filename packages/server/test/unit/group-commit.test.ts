import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/util/group-commit.js';

describe('GroupCommit', () => {
  it('writes a burst in one commit and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, string>(async (items) => {
      batches.push(items);
      return items.map((n) => `r${n}`);
    });
    const results = await Promise.all([1, 2, 3].map((n) => g.add(n)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('items that arrive while a batch is being written go into the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstWritten = new Promise<void>((r) => (release = r));
    const g = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await firstWritten;
      return items;
    });
    const first = g.add(1);
    await new Promise((r) => setImmediate(r));
    const later = [g.add(2), g.add(3)];
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('a failed commit rejects every item of its batch, and the next batch still runs', async () => {
    let calls = 0;
    const g = new GroupCommit<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('database away');
      return items;
    });
    const failed = await Promise.allSettled([g.add(1), g.add(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await g.add(3)).toBe(3);
  });
});
