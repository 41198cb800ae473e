/** Issue 19: which of the browser's accounts an authorization request is for (protocol/select-account.ts). */
import { describe, expect, it } from 'vitest';
import { hintMatches, selectAccount } from '../../../src/protocol/select-account.js';

const alice = { userId: 'u-alice', loginHint: 'opaque-alice', names: ['alice', 'Alice@Example.com'] };
const bob = { userId: 'u-bob', loginHint: 'opaque-bob', names: ['bob'] };
const both = [bob, alice];
const req = (prompt: string[] = [], extra: { loginHint?: string; hintedSubject?: string } = {}) => ({
  prompt: new Set(prompt),
  ...extra,
});

describe('selectAccount', () => {
  it('no accounts: the login page, or login_required for prompt=none', () => {
    expect(selectAccount([], req())).toEqual({ kind: 'sign_in' });
    expect(selectAccount([], req(['none']))).toEqual({ kind: 'error', error: 'login_required' });
  });

  it('one account and no hint: that account, silently', () => {
    expect(selectAccount([alice], req())).toEqual({ kind: 'use', account: alice });
    expect(selectAccount([alice], req(['none']))).toEqual({ kind: 'use', account: alice });
  });

  it('several accounts and no hint: the picker, or account_selection_required for prompt=none (OIDC Core §3.1.2.6)', () => {
    expect(selectAccount(both, req())).toEqual({ kind: 'pick' });
    expect(selectAccount(both, req(['none']))).toEqual({
      kind: 'error',
      error: 'account_selection_required',
    });
  });

  it('prompt=select_account shows the picker even for one account; with none it is the login page', () => {
    expect(selectAccount([alice], req(['select_account']))).toEqual({ kind: 'pick' });
    expect(selectAccount([], req(['select_account']))).toEqual({ kind: 'sign_in' });
  });

  it('prompt=login always signs in, whatever the hints', () => {
    expect(selectAccount(both, req(['login'], { loginHint: 'alice' }))).toEqual({ kind: 'sign_in' });
  });

  it('id_token_hint selects its subject’s account; naming nobody here means signing in, never another account', () => {
    expect(selectAccount(both, req(['none'], { hintedSubject: 'u-alice' }))).toEqual({
      kind: 'use',
      account: alice,
    });
    expect(selectAccount(both, req([], { hintedSubject: 'u-carol' }))).toEqual({ kind: 'sign_in' });
    expect(selectAccount(both, req(['none'], { hintedSubject: 'u-carol' }))).toEqual({
      kind: 'error',
      error: 'login_required',
    });
  });

  it('login_hint selects by the opaque hint, the username or the email (any case)', () => {
    expect(selectAccount(both, req(['none'], { loginHint: 'opaque-alice' }))).toEqual({
      kind: 'use',
      account: alice,
    });
    expect(selectAccount(both, req(['none'], { loginHint: 'bob' }))).toEqual({ kind: 'use', account: bob });
    expect(selectAccount(both, req([], { loginHint: 'alice@example.COM' }))).toEqual({
      kind: 'use',
      account: alice,
    });
  });

  it('a login_hint that matches no account: the login page (prompt=none: login_required), never another account', () => {
    expect(selectAccount(both, req([], { loginHint: 'carol' }))).toEqual({ kind: 'sign_in' });
    expect(selectAccount([alice], req(['none'], { loginHint: 'carol' }))).toEqual({
      kind: 'error',
      error: 'login_required',
    });
  });

  it('hintMatches never matches on a prefix or a different name', () => {
    expect(hintMatches(alice, 'ali')).toBe(false);
    expect(hintMatches(alice, 'opaque-alice ')).toBe(false);
    expect(hintMatches({ userId: 'x', loginHint: 'h' }, 'x')).toBe(false);
  });
});
