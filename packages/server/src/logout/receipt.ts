import type { LogoutReport, SignedOut } from './report.js';
import type { UpstreamLogoutReport } from './report-types.js';
import { accountName, stillSignedInText } from './report-text.js';

/** One app on the user-facing receipt: its status and a short plain reason, never an app's own error text. */
export interface ReceiptParticipant {
  client_id: string;
  client_name: string;
  signed_out: SignedOut;
  text: string;
  channels: {
    frontchannel?: { status: string };
    backchannel?: { status: string; attempts: number };
    push?: { status: string };
  };
}

/** What the receipt page polls (`GET /end_session/receipt/:id`). */
export interface ReceiptJson {
  complete: boolean;
  receipt_ready: boolean;
  participants: ReceiptParticipant[];
  /** The upstream provider the person signed in through: name, status and plain words. */
  upstream?: { name: string; status: string; text: string } | undefined;
  /** Whose sign-in this logout ended (the account's display name), when it was a person's. */
  account?: string | undefined;
  /**
   * The accounts still signed in on the browser asking (issue 19), read when asked, and the sentence the page
   * shows for them. Absent when none is left.
   */
  still_signed_in?: { accounts: string[]; text: string } | undefined;
}

/**
 * The receipt as the user's browser sees it (issue 11 §8). Statuses and plain words only: error bodies,
 * status details and delivery history stay in the admin API (`GET /api/v1/logouts/{id}`).
 */
export function receiptJson(report: LogoutReport, stillSignedIn: readonly string[] = []): ReceiptJson {
  const u = report.upstream;
  const account = accountName(report.user);
  return {
    ...(u ? { upstream: { name: u.name, status: u.status, text: upstreamText(u) } } : {}),
    ...(account ? { account } : {}),
    ...(stillSignedIn.length
      ? { still_signed_in: { accounts: [...stillSignedIn], text: stillSignedInText(stillSignedIn) } }
      : {}),
    complete: report.complete,
    receipt_ready: report.receipt_ready,
    participants: report.participants.map((x) => {
      const c = x.channels;
      return {
        client_id: x.client_id,
        client_name: x.client_name,
        signed_out: x.signed_out,
        text: x.text,
        channels: {
          ...(c.frontchannel ? { frontchannel: { status: c.frontchannel.status } } : {}),
          ...(c.backchannel
            ? { backchannel: { status: c.backchannel.status, attempts: c.backchannel.attempts } }
            : {}),
          ...(c.push ? { push: { status: c.push.status } } : {}),
        },
      };
    }),
  };
}

export type FrontchannelStatus = 'acknowledged' | 'reached' | 'timeout' | 'failed';

export interface FrontchannelResult {
  clientId: string;
  status: FrontchannelStatus;
  detail: string | null;
}

const STATUSES: readonly string[] = ['acknowledged', 'reached', 'timeout', 'failed'];

/** At most this many results per report: no logout has more front-channel participants than that. */
const MAX_RESULTS = 200;

/**
 * What the logout page in the user's browser saw of each front-channel frame: `reached` (the frame loaded),
 * `acknowledged` (Adieu's acknowledgement message), `failed` (the app said it could not clear), `timeout`.
 * Anything malformed is skipped, not an error: the page is the user's and may be old.
 */
export function readFrontchannelResults(body: unknown): FrontchannelResult[] {
  const results = (body as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results)) return [];
  const out: FrontchannelResult[] = [];
  for (const r of results.slice(0, MAX_RESULTS) as {
    client_id?: unknown;
    status?: unknown;
    detail?: unknown;
  }[]) {
    if (typeof r?.client_id !== 'string' || typeof r.status !== 'string' || !STATUSES.includes(r.status))
      continue;
    out.push({
      clientId: r.client_id,
      status: r.status as FrontchannelStatus,
      detail: typeof r.detail === 'string' ? r.detail.slice(0, 200) : null,
    });
  }
  return out;
}

/** The upstream row of the receipt in plain words (the detail is ours, never the upstream's error text). */
export function upstreamText(u: UpstreamLogoutReport): string {
  switch (u.status) {
    case 'ended':
      return `Signed out at ${u.name} too`;
    case 'pending':
      return `Signing you out at ${u.name} next`;
    default:
      return u.detail ?? `You may still be signed in at ${u.name}`;
  }
}
