/** Issue 19: the rules about a browser's account list (cookie encoding, sign-in order, the limit). */
import { describe, expect, it } from 'vitest';
import {
  addAccount,
  decodeAccountList,
  encodeAccountList,
  makeCurrent,
  mergeAccountCookies,
  MAX_ACCOUNT_COOKIE_CHARS,
} from '../../../src/domain/browser-accounts.js';
import { randomToken } from '../../../src/util/crypto.js';

const secrets = Array.from({ length: 12 }, () => randomToken(32));
const [a, b, c, d] = secrets as [string, string, string, string];

describe('the account cookie encoding', () => {
  it('round-trips a list in order; the secrets are what randomToken(32) makes', () => {
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeAccountList(encodeAccountList([b, a, c]), 10)).toEqual([b, a, c]);
  });

  it('a single pre-multi-account cookie (one secret) reads as a list of one', () => {
    expect(decodeAccountList(a, 10)).toEqual([a]);
  });

  it('drops malformed entries and repeats, keeps the rest in order', () => {
    const value = [a, 'short', `${b}!`, b, a, '', 'x'.repeat(44), c].join('.');
    expect(decodeAccountList(value, 10)).toEqual([a, b, c]);
  });

  it('keeps at most `max` entries, the first ones (current first)', () => {
    expect(decodeAccountList(encodeAccountList(secrets), 3)).toEqual(secrets.slice(0, 3));
  });

  it('ignores an oversized cookie whole, rather than trusting part of it', () => {
    const big = encodeAccountList([...secrets, ...secrets.map(() => randomToken(32))]);
    expect(big.length).toBeGreaterThan(MAX_ACCOUNT_COOKIE_CHARS);
    expect(decodeAccountList(big, 10)).toEqual([]);
    expect(decodeAccountList(`${a}.${'A'.repeat(MAX_ACCOUNT_COOKIE_CHARS)}`, 10)).toEqual([]);
  });

  it('nothing, or an empty value, is no accounts', () => {
    expect(decodeAccountList(undefined, 10)).toEqual([]);
    expect(decodeAccountList('', 10)).toEqual([]);
    expect(decodeAccountList('...', 10)).toEqual([]);
  });

  it('merging the two cookies: the session cookie gives the order, the kept cookie adds what it lacks', () => {
    expect(mergeAccountCookies(encodeAccountList([b, a]), encodeAccountList([a, c]), 10)).toEqual([b, a, c]);
    // After the browser restarted only the kept accounts are there.
    expect(mergeAccountCookies(undefined, encodeAccountList([c, a]), 10)).toEqual([c, a]);
    expect(mergeAccountCookies(encodeAccountList([a, b]), encodeAccountList([c, d]), 3)).toEqual([a, b, c]);
  });
});

describe('the session selection rules', () => {
  const entry = (secret: string, userId: string) => ({ secret, userId });

  it('a sign-in as another user adds the account and makes it current', () => {
    const { accounts, evicted } = addAccount([entry(a, 'alice')], entry(b, 'bob'), 10);
    expect(accounts).toEqual([entry(b, 'bob'), entry(a, 'alice')]);
    expect(evicted).toEqual([]);
  });

  it('one account per user: signing in again replaces that user’s old entry (its old secret) and moves it first', () => {
    const before = [entry(b, 'bob'), entry(a, 'alice'), entry(c, 'carol')];
    const { accounts, evicted } = addAccount(before, entry(d, 'alice'), 10);
    expect(accounts).toEqual([entry(d, 'alice'), entry(b, 'bob'), entry(c, 'carol')]);
    expect(evicted).toEqual([]);
  });

  it('past the limit the least recently current accounts are evicted', () => {
    const before = [entry(a, 'alice'), entry(b, 'bob')];
    const { accounts, evicted } = addAccount(before, entry(c, 'carol'), 2);
    expect(accounts).toEqual([entry(c, 'carol'), entry(a, 'alice')]);
    expect(evicted).toEqual([entry(b, 'bob')]);
  });

  it('choosing an account makes it current; the others keep their order; an unknown choice changes nothing', () => {
    const list = [entry(a, 'alice'), entry(b, 'bob'), entry(c, 'carol')];
    expect(makeCurrent(list, c)).toEqual([entry(c, 'carol'), entry(a, 'alice'), entry(b, 'bob')]);
    expect(makeCurrent(list, d)).toEqual(list);
  });
});
