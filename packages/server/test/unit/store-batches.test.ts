import { describe, expect, it } from 'vitest';
import { inBatches } from '../../src/store/batches.js';

describe('inBatches (multi-row statements under the bind-parameter limit)', () => {
  it('keeps every row, in order, in slices of at most 8000 parameters', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      a: i,
      b: i,
      c: i,
      d: i,
      e: i,
      f: i,
      g: i,
      h: i,
      i,
      j: i,
    }));
    const batches = inBatches(rows);
    expect(batches.map((b) => b.length)).toEqual([800, 200]);
    expect(batches.flat()).toEqual(rows);
  });

  it('takes the parameters per row when told, and gives nothing for nothing', () => {
    expect(inBatches(['x', 'y', 'z'], 4000).map((b) => b.length)).toEqual([2, 1]);
    expect(inBatches([])).toEqual([]);
  });
});
