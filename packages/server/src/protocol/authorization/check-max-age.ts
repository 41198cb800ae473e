import type { Client } from '../../domain/clients.js';
import { invalidRequest, type OAuthError } from '../errors.js';

/**
 * OIDC Core §3.1.2.1 and Registration §2 `default_max_age`: seconds since the last real authentication that
 * the app accepts. The request's value wins over the client's default; it must be a non-negative integer.
 */
export function checkMaxAge(
  param: string | undefined,
  client: Client,
): { maxAge?: number | undefined; error?: OAuthError } {
  if (param === undefined) return { maxAge: client.metadata.default_max_age };
  if (!/^\d{1,10}$/.test(param)) return { error: invalidRequest('max_age must be a non-negative integer') };
  return { maxAge: Number(param) };
}
