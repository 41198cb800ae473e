import { createHash } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, base64url } from 'jose';

/** Thrown when a signing key cannot be decrypted (no key configured, or not the one it was sealed with). */
export class KeyEncryptionError extends Error {
  override name = 'KeyEncryptionError';
}

interface Kek {
  kid: string;
  key: Uint8Array;
}

/**
 * Private signing keys at rest: sealed as a JWE (`dir` + A256GCM, the key-encryption key named by `kid`) when a
 * key-encryption key is configured, stored as plain JWK JSON otherwise. Reading accepts both, so encryption can
 * be turned on for an existing database and `adieu keys rotate-encryption-key` seals what is left.
 *
 * The current key comes from `ADIEU_KEY_ENCRYPTION_KEY`; keys being rotated out from
 * `ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS` (comma-separated). Each is 32 random bytes, base64 or base64url
 * (`openssl rand -base64 32`).
 */
export class KeyEncryption {
  private constructor(
    private readonly current: Kek | undefined,
    private readonly previous: readonly Kek[],
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): KeyEncryption {
    const current = env.ADIEU_KEY_ENCRYPTION_KEY
      ? kek(env.ADIEU_KEY_ENCRYPTION_KEY, 'ADIEU_KEY_ENCRYPTION_KEY')
      : undefined;
    const previous = (env.ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => kek(s, 'ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS'));
    return new KeyEncryption(current, previous);
  }

  get enabled(): boolean {
    return this.current !== undefined;
  }

  /** The id of the current key-encryption key (a digest, never the key). */
  get currentKid(): string | undefined {
    return this.current?.kid;
  }

  /**
   * Seal a private JWK (JSON text) with the current key; unchanged when none is configured. Other secrets at rest
   * (TOTP secrets) use it too, as JSON objects with their own `cty`.
   */
  async seal(jwkJson: string, cty = 'jwk+json'): Promise<string> {
    if (!this.current) return jwkJson;
    return new CompactEncrypt(new TextEncoder().encode(jwkJson))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: this.current.kid, cty })
      .encrypt(this.current.key);
  }

  /** The private JWK JSON of a stored value, sealed or not. */
  async open(stored: string): Promise<string> {
    if (stored.startsWith('{')) return stored;
    const kid = sealedKid(stored);
    const k = [this.current, ...this.previous].find((x) => x?.kid === kid);
    if (!k) {
      throw new KeyEncryptionError(
        `a signing key is encrypted with key-encryption key ${kid ?? '?'}, which is not configured: ` +
          'set ADIEU_KEY_ENCRYPTION_KEY (or list the old key in ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS)',
      );
    }
    const { plaintext } = await compactDecrypt(stored, k.key);
    return new TextDecoder().decode(plaintext);
  }

  /** Is this stored value sealed with the current key (nothing to do on rotation)? */
  isCurrent(stored: string): boolean {
    return this.current ? sealedKid(stored) === this.current.kid : stored.startsWith('{');
  }
}

/** The `kid` in a JWE's protected header, without decrypting. */
export function sealedKid(stored: string): string | undefined {
  if (stored.startsWith('{')) return undefined;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(stored.split('.')[0]!))) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

function kek(text: string, name: string): Kek {
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) {
    throw new KeyEncryptionError(`${name} must be 32 random bytes in base64 (openssl rand -base64 32)`);
  }
  // The kid names the key without revealing it: the first 16 characters of its SHA-256, base64url.
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 16);
  return { kid, key: new Uint8Array(key) };
}
