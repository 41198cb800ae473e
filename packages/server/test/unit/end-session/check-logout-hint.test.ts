/** Issue 19: which of the browser's accounts an end_session request names (check-logout-hint.ts). */
import { describe, expect, it } from 'vitest';
import { accountNamedByHints } from '../../../src/protocol/end-session/check-logout-hint.js';

const alice = { session: { sid: 's-alice', user_id: 'u-alice' }, loginHint: 'h-alice' };
const bob = { session: { sid: 's-bob', user_id: 'u-bob' }, loginHint: 'h-bob' };
const both = [bob, alice];

describe('accountNamedByHints', () => {
  it('a valid id_token_hint names the account of its session', () => {
    expect(accountNamedByHints(both, { idTokenHint: { sub: 'u-alice', sid: 's-alice' } })).toEqual({
      kind: 'named',
      account: alice,
    });
  });

  it('an id_token_hint of a session not in this browser names nobody (not the same user’s other session)', () => {
    expect(accountNamedByHints(both, { idTokenHint: { sub: 'u-alice', sid: 's-elsewhere' } })).toEqual({
      kind: 'unmatched',
    });
  });

  it('an id_token_hint without sid names its subject’s account', () => {
    expect(accountNamedByHints(both, { idTokenHint: { sub: 'u-bob' } })).toEqual({
      kind: 'named',
      account: bob,
    });
  });

  it('logout_hint with client_id names the account whose ID tokens carry that login_hint', () => {
    expect(accountNamedByHints(both, { logoutHint: 'h-bob', clientId: 'app' })).toEqual({
      kind: 'named',
      account: bob,
    });
  });

  it('logout_hint without client_id is no proof; one that matches nothing names nobody', () => {
    expect(accountNamedByHints(both, { logoutHint: 'h-bob' })).toEqual({ kind: 'unnamed' });
    expect(accountNamedByHints(both, { logoutHint: 'bob', clientId: 'app' })).toEqual({ kind: 'unmatched' });
  });

  it('id_token_hint wins over logout_hint', () => {
    expect(
      accountNamedByHints(both, {
        idTokenHint: { sub: 'u-alice', sid: 's-alice' },
        logoutHint: 'h-bob',
        clientId: 'a',
      }),
    ).toEqual({ kind: 'named', account: alice });
  });

  it('no hints: unnamed', () => {
    expect(accountNamedByHints(both, {})).toEqual({ kind: 'unnamed' });
  });
});
