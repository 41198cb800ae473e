import { describe, expect, it } from 'vitest';
import { hintProvesIntent } from '../../../src/protocol/end-session/proof-of-intent.js';

const session = { sid: 's1', user_id: 'u1' };

describe('a valid hint proves intent only for its own session', () => {
  it('same sid: proof', () => expect(hintProvesIntent({ sub: 'u1', sid: 's1' }, session)).toBe(true));
  it('another sid of the same user: no proof', () =>
    expect(hintProvesIntent({ sub: 'u1', sid: 's0' }, session)).toBe(false));
  it('no sid in the hint: the same user is proof', () => {
    expect(hintProvesIntent({ sub: 'u1' }, session)).toBe(true);
    expect(hintProvesIntent({ sub: 'u2' }, session)).toBe(false);
  });
  it('no hint: no proof', () => expect(hintProvesIntent(undefined, session)).toBe(false));
});
