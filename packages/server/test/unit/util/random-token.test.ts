import { describe, expect, it } from 'vitest';
import { randomToken } from '../../../src/util/crypto.js';

describe('randomToken: CSPRNG bytes from a pool, each handed out once', () => {
  it('gives the asked number of bytes as base64url, also across pool refills and beyond the pool size', () => {
    for (const bytes of [8, 16, 24, 32, 4095, 4096, 5000]) {
      const t = randomToken(bytes);
      expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(bytes);
    }
  });

  it('never repeats a token, so no byte of the pool is handed out twice (10,000 tokens span many refills)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(randomToken(i % 2 ? 16 : 32));
    expect(seen.size).toBe(10_000);
  });

  it('does not hand out the same bytes as overlapping slices (consecutive tokens share no 16-byte run)', () => {
    const a = Buffer.from(randomToken(4000), 'base64url');
    const b = Buffer.from(randomToken(4000), 'base64url');
    expect(a.subarray(0, 16).equals(b.subarray(0, 16))).toBe(false);
    expect(b.includes(a.subarray(3984))).toBe(false);
  });
});
