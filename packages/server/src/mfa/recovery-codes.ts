import { randomInt } from 'node:crypto';
import { digest } from '../util/crypto.js';

/** How many recovery codes a user gets with their first factor. */
export const RECOVERY_CODE_COUNT = 10;

/** Letters and digits that cannot be misread for each other (no 0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten fresh codes, `xxxxx-xxxxx` (about 49 bits each: high entropy, so a plain digest is enough at rest). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]!).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A typed code in canonical form (case, spaces and dashes ignored); undefined when it cannot be one. */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const code = typed.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z0-9]{10}$/.test(code) ? code : undefined;
}

/** What is stored of a recovery code. */
export function recoveryCodeDigest(code: string): string {
  return digest(`recovery:${normalizeRecoveryCode(code) ?? code}`);
}
