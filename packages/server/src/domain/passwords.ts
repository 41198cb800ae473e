import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Config } from '../config/schema.js';

/**
 * User passwords, hashed with scrypt (RFC 7914) in the PHC-like form `scrypt$<logN>$<r>$<p>$<salt>$<hash>`, or
 * with Argon2id (RFC 9106) in the standard PHC form `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`.
 * Each deployment chooses the algorithm and cost of new hashes (`login.password_hash` and the cost settings);
 * a stored hash of another algorithm or of a lower cost is replaced at the next successful sign-in.
 *
 * Both run on libuv's thread pool (node:crypto's scrypt, @node-rs/argon2's async task), never on the event loop.
 * Only user passwords go through here: client secrets are high-entropy and stored as SHA-256 digests, keeping
 * a KDF off the token endpoint's hot path.
 */

/** How new password hashes are made: the deployment's choice (config `login`). */
export type PasswordHashPolicy =
  | { algorithm: 'scrypt'; logN: number }
  | {
      algorithm: 'argon2id';
      /** Memory in KiB (OWASP's 2025 minimum: 19456 with 2 passes, or 47104 with 1). */
      memoryKib: number;
      /** Passes over the memory. */
      timeCost: number;
      /** Lanes. */
      parallelism: number;
    };

/** The deployment's policy from its `login` config. */
export function passwordHashPolicy(
  login: Pick<
    Config['login'],
    'password_hash' | 'scrypt_log_n' | 'argon2_memory_kib' | 'argon2_time_cost' | 'argon2_parallelism'
  >,
): PasswordHashPolicy {
  return login.password_hash === 'argon2id'
    ? {
        algorithm: 'argon2id',
        memoryKib: login.argon2_memory_kib,
        timeCost: login.argon2_time_cost,
        parallelism: login.argon2_parallelism,
      }
    : { algorithm: 'scrypt', logN: login.scrypt_log_n };
}

const R = 8;
const P = 1;
const KEYLEN = 32;

/**
 * OWASP Password Storage Cheat Sheet: Argon2id settings of equal strength, as [memory KiB, passes] with one lane;
 * a setting at or above any pair meets the minimum. scrypt's minimum is N = 2^17 with r = 8, p = 1 (ours).
 */
const OWASP_ARGON2ID: readonly (readonly [number, number])[] = [
  [47_104, 1],
  [19_456, 2],
  [12_288, 3],
  [9_216, 4],
  [7_168, 5],
];
const OWASP_SCRYPT_LOG_N = 17;

/**
 * Where a policy falls short of OWASP's minimum for its algorithm, in words for the operator, or undefined when it
 * meets it. Said once at start: a deployment may choose less on purpose (a test, a small device), so it is a
 * warning, not a refusal.
 */
export function belowOwaspMinimum(policy: PasswordHashPolicy): string | undefined {
  if (policy.algorithm === 'scrypt') {
    return policy.logN < OWASP_SCRYPT_LOG_N
      ? `scrypt 2^${policy.logN} is below OWASP's minimum for scrypt (2^${OWASP_SCRYPT_LOG_N}): set login.scrypt_log_n to ${OWASP_SCRYPT_LOG_N}, or login.password_hash to argon2id`
      : undefined;
  }
  const meets = OWASP_ARGON2ID.some(
    ([memory, passes]) => policy.memoryKib >= memory && policy.timeCost >= passes,
  );
  return meets
    ? undefined
    : `Argon2id with ${policy.memoryKib} KiB and ${policy.timeCost} pass(es) is below OWASP's minimum (19456 KiB with 2 passes, or an equivalent pair): raise login.argon2_memory_kib or login.argon2_time_cost`;
}

function scryptAsync(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEYLEN,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string, policy: PasswordHashPolicy): Promise<string> {
  if (policy.algorithm === 'argon2id') {
    // Argon2id is the library's default algorithm (its `Algorithm` is a const enum, which this build's
    // verbatimModuleSyntax cannot import); the unit test checks the `$argon2id$` form.
    return argon2Hash(password.normalize('NFKC'), {
      memoryCost: policy.memoryKib,
      timeCost: policy.timeCost,
      parallelism: policy.parallelism,
      outputLen: KEYLEN,
    });
  }
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, policy.logN, R, P);
  return `scrypt$${policy.logN}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** What a stored hash says about how it was made; undefined for a form this code does not know. */
export function hashParameters(stored: string): PasswordHashPolicy | undefined {
  const scryptParts = /^scrypt\$(\d+)\$\d+\$\d+\$[^$]+\$[^$]+$/.exec(stored);
  if (scryptParts) return { algorithm: 'scrypt', logN: Number(scryptParts[1]) };
  const argon = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+$/.exec(stored);
  if (argon) {
    return {
      algorithm: 'argon2id',
      memoryKib: Number(argon[1]),
      timeCost: Number(argon[2]),
      parallelism: Number(argon[3]),
    };
  }
  return undefined;
}

/**
 * A stored hash is replaced at the next successful sign-in when the deployment now asks for another algorithm,
 * or for more cost than the hash was made with. A cost lowered on purpose never rewrites stronger hashes.
 */
export function needsRehash(stored: string, policy: PasswordHashPolicy): boolean {
  const made = hashParameters(stored);
  if (!made || made.algorithm !== policy.algorithm) return true;
  if (made.algorithm === 'scrypt' && policy.algorithm === 'scrypt') return made.logN < policy.logN;
  if (made.algorithm === 'argon2id' && policy.algorithm === 'argon2id') {
    return (
      made.memoryKib < policy.memoryKib ||
      made.timeCost < policy.timeCost ||
      made.parallelism < policy.parallelism
    );
  }
  return true;
}

/** Check a password against a hash of either algorithm; `rehash` says the hash should be replaced now. */
export async function verifyPassword(
  password: string,
  stored: string,
  policy: PasswordHashPolicy,
): Promise<{ ok: boolean; rehash: boolean }> {
  const made = hashParameters(stored);
  let ok = false;
  if (made?.algorithm === 'argon2id') {
    ok = await argon2Verify(stored, password.normalize('NFKC')).catch(() => false);
  } else if (made?.algorithm === 'scrypt') {
    const [, , r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
    const expected = Buffer.from(hash, 'base64url');
    const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), made.logN, Number(r), Number(p));
    ok = key.length === expected.length && timingSafeEqual(key, expected);
  }
  return { ok, rehash: ok && needsRehash(stored, policy) };
}

/** A hash that never verifies, used to spend the same time on unknown usernames (no user enumeration). */
const dummies = new Map<string, Promise<string>>();
export function dummyHash(policy: PasswordHashPolicy): Promise<string> {
  const key = JSON.stringify(policy);
  let dummy = dummies.get(key);
  if (!dummy) {
    dummy = hashPassword('not-a-password', policy);
    dummies.set(key, dummy);
  }
  return dummy;
}
