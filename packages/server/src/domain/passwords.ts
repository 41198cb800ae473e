import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * User passwords, hashed with scrypt (RFC 7914) in the PHC-like form `scrypt$<logN>$<r>$<p>$<salt>$<hash>`.
 * Only user passwords go through here: client secrets are high-entropy and stored as SHA-256 digests, keeping
 * a KDF off the token endpoint's hot path.
 */

const R = 8;
const P = 1;
const KEYLEN = 32;

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

export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, logN, R, P);
  return `scrypt$${logN}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Check a password; `rehash` says the stored hash is weaker than today's setting. */
export async function verifyPassword(
  password: string,
  stored: string,
  currentLogN: number,
): Promise<{ ok: boolean; rehash: boolean }> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return { ok: false, rehash: false };
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const logN = Number(n);
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), logN, Number(r), Number(p));
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  return { ok, rehash: ok && logN < currentLogN };
}

/** A hash that never verifies, used to spend the same time on unknown usernames (no user enumeration). */
let dummy: Promise<string> | undefined;
export function dummyHash(logN: number): Promise<string> {
  dummy ??= hashPassword('not-a-password', logN);
  return dummy;
}
