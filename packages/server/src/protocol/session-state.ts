import { hash } from 'node:crypto';
import { randomToken } from '../util/crypto.js';

/**
 * Session Management 1.0 §3: session_state = sha256(client_id " " origin " " browser_state " " salt) "." salt.
 * The browser state is that of the session's account (`accountBrowserState`): the script-readable cookie lists
 * one per account of the browser, each changing only when its own account signs in or out.
 */
export function sessionState(
  clientId: string,
  redirectUri: string,
  browserState: string,
  salt = randomToken(8),
) {
  const origin = new URL(redirectUri).origin;
  return `${hash('sha256', `${clientId} ${origin} ${browserState} ${salt}`, 'hex')}.${salt}`;
}
