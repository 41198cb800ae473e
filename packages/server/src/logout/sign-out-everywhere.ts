import type { SessionRow } from '../domain/sessions.js';
import type { EndedLogout, LogoutService } from './logout-service.js';
import type { AfterResponse } from '../util/after-response.js';

/** What "sign out everywhere" reads and calls. */
export interface SignOutEverywhereDeps {
  /** The user's live sessions. */
  activeOfUser: (userId: string) => Promise<SessionRow[]>;
  logout: Pick<LogoutService, 'endSessions'>;
}

/** What "sign out everywhere" ended, for the receipt. */
export interface SignedOutEverywhere {
  /** The session of the browser that asked; undefined when something else ended it first. */
  here: EndedLogout | undefined;
  /** The user's other sessions this call ended, each with the session it was (the receipt names its device). */
  elsewhere: { ended: EndedLogout; session: SessionRow | undefined }[];
}

/**
 * The account page's "sign out everywhere": every session of the user ends through the one logout path, with
 * every refresh token of the user, offline ones included (reason `user`, started by the user). The other devices
 * go first, with no browser present (back-channel and push only); then the session of the browser that asked,
 * whose front-channel iframes the receipt page loads. `deliverAfter`: the receipt page's (LogoutOptions).
 */
export async function signOutEverywhere(
  d: SignOutEverywhereDeps,
  session: SessionRow,
  deliverAfter?: AfterResponse,
): Promise<SignedOutEverywhere> {
  const others = (await d.activeOfUser(session.user_id)).filter((s) => s.sid !== session.sid);
  const elsewhere = await d.logout.endSessions(others, {
    reason: 'user',
    initiator: 'user',
    browserPresent: false,
    deliverAfter,
  });
  const [here] = await d.logout.endSessions([session], {
    reason: 'user',
    initiator: 'user',
    browserPresent: true,
    revokeOffline: true,
    revokeUserTokens: { userId: session.user_id },
    deliverAfter,
  });
  return {
    here,
    elsewhere: elsewhere.map((ended) => ({ ended, session: others.find((s) => s.sid === ended.sid) })),
  };
}
