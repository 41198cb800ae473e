import { createHash } from 'node:crypto';
import { randomToken } from '../util/crypto.js';

/**
 * Session Management 1.0 §3: session_state = sha256(client_id " " origin " " browser_state " " salt) "." salt.
 * The browser state is a random value in a script-readable cookie that changes at every login and logout; it
 * identifies nothing by itself.
 */
export function sessionState(
  clientId: string,
  redirectUri: string,
  browserState: string,
  salt = randomToken(8),
) {
  const origin = new URL(redirectUri).origin;
  const hash = createHash('sha256').update(`${clientId} ${origin} ${browserState} ${salt}`).digest('hex');
  return `${hash}.${salt}`;
}

/** Browser state for a browser without an SSO session: constant, so "changed" is detected on login. */
export const NO_SESSION_BROWSER_STATE = 'none';
