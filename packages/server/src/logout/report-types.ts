/**
 * The shape of a logout's report (step 4 of the logout path), apart from how it is built (report.ts), so the
 * plain words of report-text.ts and the receipt can name these types without importing the builder.
 */

/** One row of the receipt: what happened to the upstream session (federation/ fills it in). */
export interface UpstreamLogoutReport {
  connection_id: string;
  name: string;
  status: 'pending' | 'ended' | 'not_ended' | 'not_attempted';
  detail: string | null;
}

/**
 * `confirmed`: the app said it signed the user out (front-channel acknowledgement, back-channel 200, or a push
 * reached an open page). `told`: its front-channel page loaded in the user's browser, which is all a spec-only
 * front-channel page can show (Front-Channel Logout 1.0 has no acknowledgement). `not_confirmed`: no channel
 * answered.
 */
export type SignedOut = 'confirmed' | 'pending' | 'told' | 'not_confirmed';

export interface FrontchannelStatus {
  status: string;
  detail: string | null;
}

export interface BackchannelStatus {
  status: 'pending' | 'retrying' | 'delivered' | 'rejected' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  completed_at: string | null;
  history: DeliveryAttemptView[];
}

/** One back-channel delivery attempt as the admin API and console show it (times as ISO strings). */
export interface DeliveryAttemptView {
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  outcome: string;
  error: string | null;
}

export interface ParticipantReport {
  client_id: string;
  client_name: string;
  signed_out: SignedOut;
  /** What each channel said, in words a person understands (the receipt shows this). */
  text: string;
  /** Refresh tokens of the session were revoked in the same transaction that ended it. */
  tokens_revoked: true;
  channels: {
    frontchannel?: FrontchannelStatus;
    backchannel?: BackchannelStatus;
    push?: FrontchannelStatus;
  };
}

export interface LogoutReport {
  id: string;
  sid: string | null;
  reason: string;
  initiator: string;
  initiator_client_id: string | null;
  created_at: string;
  user: { id: string; username: string; name: string | null } | null;
  /** Every channel of every participant has a final answer (retries may still turn "failed so far" into delivered). */
  complete: boolean;
  /** The receipt may stop waiting: front-channel settled or past its deadline, and each back-channel tried once. */
  receipt_ready: boolean;
  participants: ParticipantReport[];
  /** The upstream identity provider this session was signed in through, and what became of its session. */
  upstream?: UpstreamLogoutReport | undefined;
}
