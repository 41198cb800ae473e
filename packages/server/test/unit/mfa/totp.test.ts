import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from 'otpauth';
import { newTotpSecret, normalizeTotpCode, totpCodeAt, totpStep, totpUri } from '../../../src/mfa/totp.js';
import {
  newRecoveryCodes,
  normalizeRecoveryCode,
  recoveryCodeDigest,
} from '../../../src/mfa/recovery-codes.js';

/** RFC 6238 computed apart from the library's code generation: HMAC-SHA1 of the step, dynamic truncation. */
function rfc6238(secretBase32: string, ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const mac = createHmac('sha1', Secret.fromBase32(secretBase32).bytes).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

describe('TOTP (mfa/totp.ts)', () => {
  const secret = newTotpSecret();
  const t = 1_800_000_015_000;

  it('codes are RFC 6238 (SHA-1, 30 s, 6 digits)', () => {
    expect(totpCodeAt(secret, t)).toBe(rfc6238(secret, t));
    // RFC 6238 Appendix B, the SHA-1 vector at T = 59 s.
    const rfcSecret = Secret.fromUTF8('12345678901234567890').base32;
    expect(totpCodeAt(rfcSecret, 59_000)).toBe('287082');
  });

  it('accepts ±1 step and says which step the code was for', () => {
    const step = Math.floor(t / 30_000);
    expect(totpStep(secret, rfc6238(secret, t), t)).toBe(step);
    expect(totpStep(secret, rfc6238(secret, t - 30_000), t)).toBe(step - 1);
    expect(totpStep(secret, rfc6238(secret, t + 30_000), t)).toBe(step + 1);
    expect(totpStep(secret, rfc6238(secret, t - 60_000), t)).toBeUndefined();
  });

  it('a secret has 160 bits; the otpauth URI names issuer and account', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(secret, 'id.example.com', 'alice@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('id.example.com');
    expect(decodeURIComponent(uri.pathname)).toContain('alice@example.com');
  });

  it('typed codes: spaces allowed, anything but 6 digits refused', () => {
    expect(normalizeTotpCode(' 123 456 ')).toBe('123456');
    expect(normalizeTotpCode('12345')).toBeUndefined();
    expect(normalizeTotpCode('12345a')).toBeUndefined();
    expect(normalizeTotpCode("'; drop table")).toBeUndefined();
  });
});

describe('recovery codes (mfa/recovery-codes.ts)', () => {
  it('ten distinct codes; case, spaces and dashes do not matter; only a digest is stored', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const c = codes[0]!;
    expect(normalizeRecoveryCode(c.toUpperCase().replace('-', ' '))).toBe(c.replace('-', ''));
    expect(recoveryCodeDigest(c.toUpperCase())).toBe(recoveryCodeDigest(c));
    expect(recoveryCodeDigest(c)).not.toContain(c.replace('-', ''));
    expect(normalizeRecoveryCode('short')).toBeUndefined();
  });
});
