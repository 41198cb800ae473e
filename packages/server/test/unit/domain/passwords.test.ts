import { describe, expect, it } from 'vitest';
import {
  belowOwaspMinimum,
  hashParameters,
  hashPassword,
  needsRehash,
  passwordHashPolicy,
  verifyPassword,
  type PasswordHashPolicy,
} from '../../../src/domain/passwords.js';
import { parseConfig } from '../../../src/config/load.js';

// Cheap costs: the rules do not depend on them.
const scrypt10: PasswordHashPolicy = { algorithm: 'scrypt', logN: 10 };
const scrypt12: PasswordHashPolicy = { algorithm: 'scrypt', logN: 12 };
const argon: PasswordHashPolicy = { algorithm: 'argon2id', memoryKib: 8192, timeCost: 1, parallelism: 1 };
const argonMore: PasswordHashPolicy = { ...argon, memoryKib: 16384 };

describe('password hashing: scrypt or Argon2id per deployment, rehash on sign-in', () => {
  it('hashes with the configured algorithm and cost, in the documented forms', async () => {
    const s = await hashPassword('correct horse', scrypt10);
    expect(s).toMatch(/^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(hashParameters(s)).toEqual(scrypt10);
    const a = await hashPassword('correct horse', argon);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$[^$]+\$[^$]+$/);
    expect(hashParameters(a)).toEqual(argon);
  });

  it('verifies a password against a hash of either algorithm, whatever the current policy', async () => {
    const s = await hashPassword('pässword', scrypt10);
    const a = await hashPassword('pässword', argon);
    for (const policy of [scrypt10, argon]) {
      expect((await verifyPassword('pässword', s, policy)).ok).toBe(true);
      expect((await verifyPassword('pässword', a, policy)).ok).toBe(true);
      expect((await verifyPassword('password', s, policy)).ok).toBe(false);
      expect((await verifyPassword('password', a, policy)).ok).toBe(false);
    }
    // The same NFKC normalisation for both: a composed and a decomposed "ä" are the same password.
    expect((await verifyPassword('pa\u0308ssword', a, argon)).ok).toBe(true);
    expect((await verifyPassword('pa\u0308ssword', s, argon)).ok).toBe(true);
  });

  it('an unknown or damaged hash never verifies', async () => {
    expect(await verifyPassword('x', 'scrypt$not-a-real-hash', scrypt10)).toEqual({
      ok: false,
      rehash: false,
    });
    expect(await verifyPassword('x', '$argon2id$v=19$m=8192,t=1,p=1$AAAA$AAAA', argon)).toEqual({
      ok: false,
      rehash: false,
    });
    expect(await verifyPassword('x', '$2b$10$bcrypt', argon)).toEqual({ ok: false, rehash: false });
  });

  it('asks for a rehash on another algorithm or a higher cost, never for a lower one', async () => {
    const s10 = await hashPassword('pw', scrypt10);
    const a = await hashPassword('pw', argon);
    expect(needsRehash(s10, scrypt10)).toBe(false);
    expect(needsRehash(s10, scrypt12)).toBe(true);
    expect(needsRehash(await hashPassword('pw', scrypt12), scrypt10)).toBe(false);
    expect(needsRehash(s10, argon)).toBe(true);
    expect(needsRehash(a, scrypt10)).toBe(true);
    expect(needsRehash(a, argon)).toBe(false);
    expect(needsRehash(a, argonMore)).toBe(true);
    expect(needsRehash(a, { ...argon, timeCost: 2 })).toBe(true);
    // Only after the password was proven: a wrong password never triggers a rewrite.
    expect(await verifyPassword('pw', s10, argon)).toEqual({ ok: true, rehash: true });
    expect(await verifyPassword('wrong', s10, argon)).toEqual({ ok: false, rehash: false });
  });

  it("reads the policy from the login config: Argon2id at OWASP's minimum by default, scrypt 2^16 when chosen", () => {
    // OWASP Password Storage Cheat Sheet: Argon2id with 19 MiB, 2 passes, 1 lane first; scrypt only without it.
    const base = { issuer: 'https://id.example.com', database: 'sqlite::memory:' };
    expect(passwordHashPolicy(parseConfig(base).login)).toEqual({
      algorithm: 'argon2id',
      memoryKib: 19456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(passwordHashPolicy(parseConfig({ ...base, login: { password_hash: 'scrypt' } }).login)).toEqual({
      algorithm: 'scrypt',
      logN: 16,
    });
  });

  it("names a policy below OWASP's minimum for its algorithm, and only such a policy", () => {
    const a = (memoryKib: number, timeCost: number): PasswordHashPolicy => ({
      algorithm: 'argon2id',
      memoryKib,
      timeCost,
      parallelism: 1,
    });
    // OWASP's equal-strength pairs, and more, meet it.
    for (const [m, t] of [
      [47104, 1],
      [19456, 2],
      [12288, 3],
      [9216, 4],
      [7168, 5],
      [65536, 3],
    ] as const)
      expect(belowOwaspMinimum(a(m, t))).toBeUndefined();
    // One step short of a pair does not.
    for (const [m, t] of [
      [47103, 1],
      [19455, 2],
      [8192, 1],
      [8192, 4],
    ] as const)
      expect(belowOwaspMinimum(a(m, t))).toMatch(/below OWASP's minimum.*argon2_memory_kib/);
    expect(belowOwaspMinimum({ algorithm: 'scrypt', logN: 17 })).toBeUndefined();
    expect(belowOwaspMinimum({ algorithm: 'scrypt', logN: 16 })).toMatch(
      /scrypt 2\^16 is below OWASP's minimum.*scrypt_log_n to 17/,
    );
    // The default policy meets it.
    const base = { issuer: 'https://id.example.com', database: 'sqlite::memory:' };
    expect(belowOwaspMinimum(passwordHashPolicy(parseConfig(base).login))).toBeUndefined();
  });
});
