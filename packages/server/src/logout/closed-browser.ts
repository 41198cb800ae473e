import type { SessionRow } from '../domain/sessions.js';
import type { EndedLogout, LogoutOptions } from './logout-service.js';

export interface ClosedBrowserDeps {
  /** Live sessions of this browser that were not kept ("keep me signed in" off). */
  listNonPersistent(browserId: string): Promise<SessionRow[]>;
  endSessions(sessions: readonly SessionRow[], opts: LogoutOptions): Promise<EndedLogout[]>;
}

/**
 * A logout trigger (issue 12 §1): the browser came back carrying its long-lived browser cookie but not the
 * session cookie. A session cookie without "keep me signed in" dies when the browser closes, so every such
 * session of this browser is over from the user's point of view; end them through the one logout path, so
 * their apps (whose cookies may well have survived) are told, reason `browser_closed`.
 *
 * Sessions kept with "keep me signed in" are left alone: their cookie was meant to survive, and its absence
 * means something else (cleared cookies), which the idle timeout handles. Works for any number of sessions per
 * browser (several accounts per browser).
 */
export async function endClosedBrowserSessions(
  deps: ClosedBrowserDeps,
  browserId: string,
): Promise<EndedLogout[]> {
  const sessions = await deps.listNonPersistent(browserId);
  if (sessions.length === 0) return [];
  return deps.endSessions(sessions, { reason: 'browser_closed', initiator: 'system', browserPresent: false });
}
