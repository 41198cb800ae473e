import { hash, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Random bytes from the CSPRNG, drawn 4 KiB at a time and handed out in order, each byte once: one call into
 * OpenSSL per hundred-odd tokens instead of one per token (each call is a crypto job of ~5 µs, and a sign-in or
 * token request makes several). Node's own randomUUID keeps a cache the same way.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** A random URL-safe token; 32 bytes (256 bits) unless told otherwise. */
export function randomToken(bytes = 32): string {
  if (bytes > pool.length) return randomFillSync(Buffer.alloc(bytes)).toString('base64url');
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const token = pool.toString('base64url', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

/**
 * SHA-256 of a high-entropy secret, base64url. Stored instead of the secret itself (cookies, codes, tokens).
 * `hash` is the one-shot form: no Hash stream object per call, which a token request makes several of.
 */
export function digest(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** Compare two strings without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
