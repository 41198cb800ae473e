import type { ParticipantReport } from './report.js';

const FRONT_TEXT: Record<string, string> = {
  pending: 'clearing in this browser…',
  acknowledged: 'cleared in this browser',
  reached: 'its frame loaded in this browser, but did not confirm',
  timeout: 'no answer in this browser',
  not_sent: 'not reachable from this browser',
};

/** What each channel said, in words a person understands. The live page shows exactly this text too. */
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
          : `could not clear in this browser (${f.detail ?? 'no reason given'})`,
      );
    } else {
      parts.push(FRONT_TEXT[f.status] ?? f.status);
    }
  }
  if (b) {
    const why = b.last_error ? ` (${shortError(b.last_error)})` : '';
    parts.push(
      {
        pending: 'telling its server…',
        retrying: `its server did not answer yet, retrying${why}`,
        delivered: 'its server confirmed',
        rejected: `its server refused${why}`,
        failed: `its server never answered; gave up${why}`,
      }[b.status],
    );
  }
  if (push?.status === 'delivered') parts.push('open pages told at once');
  if (!f && !b && !push) parts.push('it registered no way to be told');
  return parts.join(' · ');
}

/** "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:443" reads "not reachable"; the API keeps the full text. */
function shortError(error: string): string {
  if (/^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET)/.test(error))
    return 'not reachable';
  if (error.startsWith('timed out')) return error;
  const http = /^HTTP (\d{3})/.exec(error);
  if (http) return `HTTP ${http[1]}`;
  return error.length > 60 ? `${error.slice(0, 57)}…` : error;
}
