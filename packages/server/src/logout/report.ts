import type { Client } from '../domain/clients.js';
import { channelText } from './report-text.js';
import type { UserRow } from '../store/repos/users.js';
import type { BackchannelStatus, LogoutReport, ParticipantReport } from './report-types.js';
export type {
  BackchannelStatus,
  FrontchannelStatus,
  LogoutReport,
  ParticipantReport,
  SignedOut,
  UpstreamLogoutReport,
} from './report-types.js';
import type {
  DeliveryAttemptRow,
  LogoutParticipantRow,
  LogoutRow,
  OutboxRow,
} from '../store/repos/logouts.js';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** Step 4 of the logout path: the truth about one logout, per app and per channel. */
export function buildReport(
  record: LogoutRow,
  participants: readonly LogoutParticipantRow[],
  outbox: readonly OutboxRow[],
  attempts: readonly DeliveryAttemptRow[],
  clients: ReadonlyMap<string, Client>,
  user: UserRow | undefined,
  now: number,
): LogoutReport {
  const byClient = new Map<string, ParticipantReport>();
  const entry = (clientId: string) => {
    let e = byClient.get(clientId);
    if (!e) {
      e = {
        client_id: clientId,
        client_name: clients.get(clientId)?.name ?? clientId,
        signed_out: 'pending',
        text: '',
        tokens_revoked: true,
        channels: {},
      };
      byClient.set(clientId, e);
    }
    return e;
  };
  const frontDeadlinePassed = now >= record.frontchannel_deadline_at;
  for (const p of participants) {
    const e = entry(p.client_id);
    if (p.channel === 'frontchannel') {
      // Nobody reported before the deadline: the page was closed or never ran; say so rather than "pending".
      const status = p.status === 'pending' && frontDeadlinePassed ? 'timeout' : p.status;
      e.channels.frontchannel = { status, detail: p.detail };
    } else if (p.channel === 'push') {
      e.channels.push = { status: p.status, detail: p.detail };
    }
  }
  for (const o of outbox) {
    const e = entry(o.client_id);
    const history = attempts
      .filter((a) => a.outbox_id === o.id)
      .map((a) => ({
        attempt: a.attempt,
        started_at: new Date(a.started_at).toISOString(),
        duration_ms: a.duration_ms,
        status_code: a.status_code,
        outcome: a.outcome,
        error: a.error,
      }));
    e.channels.backchannel = {
      status:
        o.status === 'pending'
          ? o.attempts > 0
            ? 'retrying'
            : 'pending'
          : (o.status as BackchannelStatus['status']),
      attempts: o.attempts,
      last_status_code: o.last_status_code,
      last_error: o.last_error,
      next_attempt_at: o.status === 'pending' ? iso(o.next_attempt_at) : null,
      completed_at: iso(o.completed_at),
      history,
    };
  }
  for (const p of participants) if (p.channel === 'none') entry(p.client_id);

  let complete = true;
  let receiptReady = now >= record.receipt_deadline_at;
  let frontSettled = true;
  let backTried = true;
  for (const e of byClient.values()) {
    const f = e.channels.frontchannel;
    const b = e.channels.backchannel;
    const push = e.channels.push;
    const confirmed =
      f?.status === 'acknowledged' || b?.status === 'delivered' || push?.status === 'delivered';
    const inProgress = f?.status === 'pending' || b?.status === 'pending' || b?.status === 'retrying';
    // The app that asked for this logout (RP-initiated) ended its own session before sending the user here.
    const initiator = record.initiator === 'rp' && e.client_id === record.initiator_client_id;
    e.signed_out =
      confirmed || (initiator && !inProgress)
        ? 'confirmed'
        : inProgress
          ? 'pending'
          : f?.status === 'reached'
            ? 'told'
            : 'not_confirmed';
    e.text = channelText(e);
    if (initiator && !confirmed)
      e.text = e.text ? `it started this sign-out · ${e.text}` : 'it started this sign-out';
    if (inProgress) complete = false;
    if (f?.status === 'pending') frontSettled = false;
    if (b?.status === 'pending') backTried = false;
  }
  if (frontSettled && backTried) receiptReady = true;
  if (!frontSettled && !frontDeadlinePassed) receiptReady = false;

  return {
    id: record.id,
    sid: record.sid,
    reason: record.reason,
    initiator: record.initiator,
    initiator_client_id: record.initiator_client_id,
    created_at: new Date(record.created_at).toISOString(),
    user: user ? { id: user.id, username: user.username, name: user.name } : null,
    complete,
    receipt_ready: receiptReady,
    participants: [...byClient.values()],
  };
}
