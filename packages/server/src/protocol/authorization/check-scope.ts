import type { Client } from '../../domain/clients.js';
import { splitScope } from '../params.js';

/** RFC 6749 §3.3: scopes the client may not have are dropped; the server may grant less than was asked. */
export function grantableScope(param: string | undefined, client: Client): string[] {
  return splitScope(param).filter((s) => client.allowedScopes.has(s));
}
