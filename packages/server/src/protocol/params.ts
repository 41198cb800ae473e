import { invalidRequest } from './errors.js';

/** Longest value accepted for any single protocol parameter (state, nonce and hints included). */
export const MAX_PARAM_LENGTH = 4096;

/**
 * Read protocol parameters from a parsed query or form. RFC 6749 §3.1: parameters must not be repeated, so a
 * repeated one is `invalid_request`; so is a value longer than MAX_PARAM_LENGTH or holding NUL. Empty values count as absent
 * (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted").
 * Unknown parameters are ignored.
 */
export function readParams<const K extends string>(
  source: unknown,
  names: readonly K[],
  limits: Partial<Record<K, number>> = {},
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  if (!source || typeof source !== 'object') return out;
  const record = source as Record<string, unknown>;
  for (const name of names) {
    if (!Object.hasOwn(record, name)) continue;
    const value = record[name];
    if (Array.isArray(value)) throw invalidRequest(`parameter ${name} must not be repeated`);
    if (typeof value !== 'string') throw invalidRequest(`parameter ${name} must be a string`);
    if (value.length > (limits[name] ?? MAX_PARAM_LENGTH))
      throw invalidRequest(`parameter ${name} is too long`);
    // No protocol value contains NUL (RFC 6749 Appendix A), and PostgreSQL text cannot even store one.
    if (value.includes('\u0000')) throw invalidRequest(`parameter ${name} must not contain a NUL character`);
    if (value !== '') out[name] = value;
  }
  return out;
}

/** Split a space-delimited scope into unique tokens, order kept. */
export function splitScope(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}
