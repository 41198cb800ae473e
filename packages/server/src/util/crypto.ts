import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random URL-safe token; 32 bytes (256 bits) unless told otherwise. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a high-entropy secret, base64url. Stored instead of the secret itself (cookies, codes, tokens). */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Compare two strings without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
