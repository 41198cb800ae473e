import { describe, expect, it } from 'vitest';
import { StreamLimit } from '../../../src/domain/stream-limit.js';

describe('StreamLimit', () => {
  it('refuses the stream past the per-user limit, and frees a place when one closes', () => {
    const limit = new StreamLimit({ perUser: 2, perIp: 10 });
    const a = limit.tryOpen('alice', '192.0.2.1');
    const b = limit.tryOpen('alice', '192.0.2.2');
    expect(a.ok && b.ok).toBe(true);
    expect(limit.tryOpen('alice', '192.0.2.3')).toEqual({ ok: false, limit: 'user', max: 2 });
    expect(limit.tryOpen('bob', '192.0.2.3').ok).toBe(true);
    if (a.ok) a.close();
    expect(limit.tryOpen('alice', '192.0.2.3').ok).toBe(true);
  });

  it('refuses the stream past the per-address limit, whoever the user', () => {
    const limit = new StreamLimit({ perUser: 10, perIp: 2 });
    expect(limit.tryOpen('alice', '192.0.2.1').ok).toBe(true);
    expect(limit.tryOpen('bob', '192.0.2.1').ok).toBe(true);
    expect(limit.tryOpen('carol', '192.0.2.1')).toEqual({ ok: false, limit: 'ip', max: 2 });
    expect(limit.tryOpen('carol', '192.0.2.9').ok).toBe(true);
  });

  it('a refused stream counts nothing; closing twice frees one place only', () => {
    const limit = new StreamLimit({ perUser: 1, perIp: 5 });
    const a = limit.tryOpen('alice', '192.0.2.1');
    expect(limit.tryOpen('alice', '192.0.2.1').ok).toBe(false);
    expect(limit.count('ip:192.0.2.1')).toBe(1);
    if (a.ok) {
      a.close();
      a.close();
    }
    expect(limit.count('user:alice')).toBe(0);
    expect(limit.count('ip:192.0.2.1')).toBe(0);
    const b = limit.tryOpen('alice', '192.0.2.1');
    expect(b.ok).toBe(true);
    expect(limit.tryOpen('alice', '192.0.2.1').ok).toBe(false);
  });
});
