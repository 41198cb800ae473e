import { describe, expect, it } from 'vitest';
import {
  MAX_PENDING_SIGN_INS,
  isPendingSignIn,
  pendingSignIns,
  withPendingSignIn,
  withoutPendingSignIn,
} from '../../src/protocol/pending-sign-ins.js';
import { randomToken } from '../../src/util/crypto.js';

const ids = Array.from({ length: MAX_PENDING_SIGN_INS + 2 }, () => randomToken(24));

describe('the browser’s pending sign-in pages (interaction cookie)', () => {
  it('keeps several pages, newest first, and drops the oldest past the bound', () => {
    let cookie: string | undefined;
    for (const id of ids) cookie = withPendingSignIn(cookie, id);
    const kept = pendingSignIns(cookie);
    expect(kept).toHaveLength(MAX_PENDING_SIGN_INS);
    expect(kept[0]).toBe(ids.at(-1));
    expect(isPendingSignIn(cookie, ids[0]!)).toBe(false);
    expect(isPendingSignIn(cookie, ids.at(-1)!)).toBe(true);
  });

  it('opening a page twice keeps one entry; closing one leaves the others', () => {
    const a = ids[0]!;
    const b = ids[1]!;
    const cookie = withPendingSignIn(withPendingSignIn(withPendingSignIn(undefined, a), b), a);
    expect(pendingSignIns(cookie)).toEqual([a, b]);
    expect(pendingSignIns(withoutPendingSignIn(cookie, a))).toEqual([b]);
    expect(withoutPendingSignIn(withoutPendingSignIn(cookie, a), b)).toBeUndefined();
  });

  it('ignores what is not ours: forged, malformed or oversized values', () => {
    expect(pendingSignIns(undefined)).toEqual([]);
    expect(pendingSignIns('x'.repeat(5000))).toEqual([]);
    expect(pendingSignIns(`../../etc.${ids[0]}.<script>`)).toEqual([ids[0]]);
    expect(isPendingSignIn(`${ids[0]}`, `${ids[0]}x`)).toBe(false);
    expect(isPendingSignIn('', '')).toBe(false);
  });
});
