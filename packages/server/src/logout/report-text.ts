import type { ParticipantReport } from './report-types.js';

const FRONT_TEXT: Record<string, string> = {
  pending: 'clearing in this browser…',
  acknowledged: 'cleared in this browser',
  reached: 'its sign-out page opened in this browser; the app did not confirm it',
  timeout: 'did not answer in this browser',
  not_sent: 'not reachable from this browser',
};

/**
 * What each channel said, in short plain words (issue 11 §8: no internals to end users). The receipt and the
 * account page show exactly this; an app's own error text never appears here, only in the admin API's channel
 * details.
 */
export function channelText(p: Pick<ParticipantReport, 'channels'>): string {
  const parts: string[] = [];
  const f = p.channels.frontchannel;
  const b = p.channels.backchannel;
  const push = p.channels.push;
  if (f) {
    if (f.status === 'failed') {
      parts.push(
        f.detail === 'storage-partitioned'
          ? 'this browser blocks its storage in a frame, so it could not clear it here'
          : 'it could not clear its sign-in in this browser',
      );
    } else {
      parts.push(FRONT_TEXT[f.status] ?? 'no answer in this browser');
    }
  }
  if (b) {
    const why = b.last_error ? ` (${plainReason(b.last_error)})` : '';
    parts.push(
      {
        pending: 'telling its server…',
        retrying: `its server did not answer yet, retrying${why}`,
        delivered: 'its server confirmed',
        rejected: `its server refused the logout${why}`,
        failed: `its server never answered; gave up${why}`,
      }[b.status],
    );
  }
  if (push?.status === 'delivered') parts.push('open pages told at once');
  if (!f && !b && !push) parts.push('it registered no way to be told');
  return parts.join(' · ');
}

/**
 * A delivery error in a few words: "not reachable", "did not answer in time", "HTTP 500". The full text (which
 * may quote the app's own error body) stays in the admin API.
 */
export function plainReason(error: string): string {
  if (/^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET|EPRIVATE)/.test(error))
    return 'not reachable';
  if (error.startsWith('timed out')) return 'did not answer in time';
  const http = /^HTTP (\d{3})/.exec(error);
  if (http) return `HTTP ${http[1]}`;
  if (error === 'client no longer registered') return 'no longer registered';
  return 'could not be reached';
}

/**
 * The receipt's line about the browser's other accounts (issue 19): signing one account out leaves the others
 * signed in, and the person should not have to guess which. Empty when nobody is left.
 */
export function stillSignedInText(names: readonly string[]): string {
  if (names.length === 0) return '';
  const list =
    names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
  return `${list} ${names.length === 1 ? 'is' : 'are'} still signed in on this browser.`;
}

/** How the receipt names the account a logout signed out: its display name, else its username. */
export function accountName(user: { username: string; name: string | null } | null): string | undefined {
  return user ? (user.name ?? user.username) : undefined;
}
