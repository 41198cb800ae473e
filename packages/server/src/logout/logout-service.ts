import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Client } from '../domain/clients.js';
import { SessionService, type SessionRow } from '../domain/sessions.js';
import type { Store } from '../store/store.js';
import type { LogoutRow } from '../store/repos/logouts.js';
import type { SessionUpstreamRow } from '../store/repos/federation.js';
import { endSessions, type SessionEnding } from '../store/session-endings.js';
import { digest, randomToken, safeEqual } from '../util/crypto.js';
import { planSessionLogout, type SessionPlan } from './plan.js';
import type { SessionEndedEvent, SessionEventBus } from './session-event-bus.js';
import { buildReport, type LogoutReport } from './report.js';
import type { UpstreamLogoutReport } from './report-types.js';
import type { AfterResponse } from '../util/after-response.js';

/**
 * Why a session ended. Carried in the Logout record, the logout token (`reason` claim) and push events.
 * - `replaced`: another user signed in on the same browser, the previous user's apps must forget them;
 * - `upstream`: the upstream identity provider the session was signed in through ended its session;
 * - `browser_closed`: the browser came back without the session cookie of a session not kept;
 * - `account_deleted`: the account was deleted (admin API or CLI), its personal data goes with it;
 * - `credentials_changed`: a second factor was removed on /account, or an admin reset the user's factors.
 */
export const LOGOUT_REASONS = [
  'user',
  'rp',
  'admin',
  'expired',
  'password_changed',
  'disabled',
  'replaced',
  'upstream',
  'browser_closed',
  'account_deleted',
  'credentials_changed',
] as const;

export type LogoutReason = (typeof LOGOUT_REASONS)[number];

export type Initiator = 'user' | 'rp' | 'admin' | 'system';

export interface LogoutOptions {
  reason: LogoutReason;
  initiator: Initiator;
  initiatorClientId?: string | undefined;
  /** Validated post-logout redirect (with state) for the receipt to follow. */
  redirectTo?: string | undefined;
  /** Why the app that asked is not returned to (shown on the receipt and the final page). */
  redirectNote?: string | undefined;
  /**
   * The user's browser will render this logout's receipt, so front-channel iframes can run. Without it (admin,
   * expiry, another device) front-channel is recorded as not sent and apps rely on back-channel and push.
   */
  browserPresent?: boolean;
  /** end_session carried `federated`: end the upstream session too, whatever the connection's policy. */
  federated?: boolean;
  /** Also revoke offline_access refresh tokens of these sessions (revokeSignInSessions does). */
  revokeOffline?: boolean;
  /** In the same transaction, revoke every refresh token of this user (but those of `keepSid`). */
  revokeUserTokens?: { userId: string; keepSid?: string | undefined };
  /**
   * A page renders this logout's receipt: the back-channel deliveries start once it is sent
   * (util/after-response.ts). Without it (APIs, expiry, the worker) they start at once.
   */
  deliverAfter?: AfterResponse | undefined;
}

export interface EndedLogout {
  logoutId: string;
  sid: string;
  /** Secret for the browser that started the logout: lets it report front-channel results and see the receipt. */
  receiptToken: string;
  plan: SessionPlan;
  /** Why the browser will not be sent back to the app that asked (the receipt shows it). */
  redirectNote?: string | undefined;
  /** The logout record as written (the receipt starts from it instead of reading it back). */
  record: LogoutRow;
  /** The session was signed in through an upstream provider: its logout has an upstream part. */
  upstream?: boolean;
}

/**
 * The upstream side of a logout (federation/ implements it): what will happen at the upstream identity provider
 * a session was signed in through, and what did.
 */
export interface UpstreamLogouts {
  /** Returns the logouts that have an upstream part (their sessions were signed in through an upstream). */
  planUpstreamLogouts(
    ended: readonly { logoutId: string; sid: string }[],
    bindings: readonly SessionUpstreamRow[],
    why: { reason: string; browserPresent: boolean; federated: boolean },
  ): Promise<ReadonlySet<string>>;
  upstreamReport(logoutId: string): Promise<UpstreamLogoutReport | undefined>;
}

/** What the logout path needs, wired in provider.ts: no `Provider`. */
export interface LogoutDeps {
  /** The ending transaction (sessions, tokens, logouts, outbox, audit, event log), and the report's reads. */
  store: Store;
  clients: { getMany(ids: readonly string[]): Promise<Map<string, Client>> };
  issuer: string;
  settings: Pick<Config['logout'], 'frontchannel_timeout' | 'receipt_wait' | 'backchannel_deadline'>;
  events: Pick<SessionEventBus, 'published'>;
  /** Back-channel rows were committed: deliver now rather than at the next poll. */
  kickOutbox(): void;
  metrics: { logout(reason: string): void };
  upstream: UpstreamLogouts;
  now: () => number;
  log: FastifyBaseLogger;
}

/**
 * The one logout path: plan -> end -> notify -> report. RP-initiated logout, the account page, admin and
 * self-service revocation, password change, disabling a user and idle/absolute expiry all come through here.
 *
 * ```mermaid
 * flowchart LR
 *   plan[plan: participants x channels] --> end_[end: ONE atomic write<br/>session ended, refresh tokens revoked,<br/>Logout record, outbox rows, event]
 *   end_ --> notify[notify: kick outbox worker,<br/>push to SSE subscribers]
 *   notify --> report[report: per app, per channel]
 * ```
 */
export class LogoutService {
  constructor(private readonly d: LogoutDeps) {}

  /** End one or more SSO sessions. Sessions that already ended are skipped (logout is idempotent). */
  async endSessions(sessions: readonly SessionRow[], opts: LogoutOptions): Promise<EndedLogout[]> {
    if (sessions.length === 0 && !opts.revokeUserTokens) return [];
    const [plans, bindings] = await Promise.all([
      this.plan(sessions),
      // Which of them were signed in through an upstream provider, read beside the plan: on PostgreSQL one round
      // trip's wait instead of a second one after the write.
      this.d.store.federation.bindingsOf(sessions.map((s) => s.sid)),
    ]);
    const { ended, events } = await this.end(plans, opts);
    this.notify(ended, events, opts.deliverAfter);
    // What happens at the upstream providers these sessions were signed in through (the receipt's upstream row).
    const upstream = await this.d.upstream.planUpstreamLogouts(ended, bindings, {
      reason: opts.reason,
      browserPresent: opts.browserPresent ?? false,
      federated: opts.federated ?? false,
    });
    for (const e of ended) e.upstream = upstream.has(e.logoutId);
    return ended;
  }

  /** Step 1: participants and their channels, for each session. */
  async plan(sessions: readonly SessionRow[]): Promise<SessionPlan[]> {
    const rows = await this.d.store.sessions.listParticipantsOf(sessions.map((s) => s.sid));
    const clients = await this.d.clients.getMany([...new Set(rows.map((r) => r.client_id))]);
    return sessions.map((s) =>
      planSessionLogout(
        this.d.issuer,
        s,
        rows.filter((r) => r.sid === s.sid),
        clients,
      ),
    );
  }

  /**
   * Step 2, atomic: the session is dead and its tokens revoked before anyone is told, and every back-channel
   * notification is durable the moment the session ends. The store writes all sessions ending together at once
   * (store/session-endings.ts: one statement on PostgreSQL), and every session still gets its own logout id,
   * record, participant rows, outbox rows, audit event and session event. Sessions that already ended (another
   * process or request got there first) are skipped: logout is idempotent.
   */
  private async end(
    plans: readonly SessionPlan[],
    opts: LogoutOptions,
  ): Promise<{ ended: EndedLogout[]; events: SessionEndedEvent[] }> {
    const now = this.d.now();
    const cfg = this.d.settings;
    const receipts = new Map<string, string>();
    const endings = plans.map((plan): SessionEnding => {
      const { session } = plan;
      const logoutId = `lo_${randomToken(18)}`;
      const receiptToken = randomToken(24);
      receipts.set(logoutId, receiptToken);
      const participants: SessionEnding['participants'][number][] = [];
      const outbox: SessionEnding['outbox'][number][] = [];
      for (const part of plan.participants) {
        if (part.frontchannelUrl) {
          participants.push({
            client_id: part.clientId,
            channel: 'frontchannel',
            // Only a browser that renders the logout page can reach a front-channel URI.
            status: opts.browserPresent ? 'pending' : 'not_sent',
            detail: opts.browserPresent ? null : 'no browser of this session took part in this logout',
            updated_at: now,
          });
        }
        if (part.backchannelUri) {
          outbox.push({
            id: `ob_${randomToken(12)}`,
            client_id: part.clientId,
            uri: part.backchannelUri,
            sub: session.user_id,
            reason: opts.reason,
            status: 'pending',
            attempts: 0,
            created_at: now,
            next_attempt_at: now,
            deadline_at: now + cfg.backchannel_deadline * 1000,
            locked_until: null,
            locked_by: null,
            completed_at: null,
            last_status_code: null,
            last_error: null,
          });
        }
        if (!part.frontchannelUrl && !part.backchannelUri) {
          participants.push({
            client_id: part.clientId,
            channel: 'none',
            status: 'no_channel',
            detail: 'registered no logout URI; its refresh tokens are revoked',
            updated_at: now,
          });
        }
      }
      return {
        sid: session.sid,
        logoutId,
        userId: session.user_id,
        record: {
          user_id: session.user_id,
          reason: opts.reason,
          initiator: opts.initiator,
          initiator_client_id: opts.initiatorClientId ?? null,
          created_at: now,
          frontchannel_deadline_at: now + cfg.frontchannel_timeout * 1000,
          receipt_deadline_at: now + cfg.receipt_wait * 1000,
          receipt_digest: digest(receiptToken),
          redirect_to: opts.redirectTo ?? null,
          redirect_note: opts.redirectNote ?? null,
        },
        participants,
        outbox,
        // The audit log records every logout, with the session it ended (issue 16).
        audit: {
          at: now,
          actor_type: opts.initiator,
          actor_id: opts.initiator === 'user' ? session.user_id : (opts.initiatorClientId ?? null),
          actor_name: null,
          client_id: opts.initiatorClientId ?? null,
          action: 'logout',
          status: null,
          ip: null,
          user_agent: null,
          detail: JSON.stringify({
            logout_id: logoutId,
            reason: opts.reason,
            user_id: session.user_id,
            participants: plan.participants.map((x) => x.clientId),
          }),
        },
      };
    });
    const write = (store: Store) =>
      endSessions(store, endings, {
        now,
        reason: opts.reason,
        revokeReason: `logout:${opts.reason}`,
        revokeOffline: opts.revokeOffline ?? false,
      });
    const u = opts.revokeUserTokens;
    const done = u
      ? await this.d.store.transaction(async (tx) => {
          const filter = u.keepSid ? { user_id: u.userId, except_sid: u.keepSid } : { user_id: u.userId };
          await tx.tokens.revokeRefresh(filter, now, `user:${opts.reason}`);
          return write(tx);
        })
      : await write(this.d.store);
    const plansBySid = new Map(plans.map((p) => [p.session.sid, p]));
    const ended = done.ended.map((e): EndedLogout => ({
      logoutId: e.logoutId,
      sid: e.sid,
      receiptToken: receipts.get(e.logoutId)!,
      plan: plansBySid.get(e.sid)!,
      redirectNote: opts.redirectNote,
      record: { ...e.record, id: e.logoutId, sid: e.sid },
    }));
    return { ended, events: done.events };
  }

  /** Step 3, after commit: deliver back-channel now, and tell push subscribers. */
  private notify(
    ended: readonly EndedLogout[],
    events: readonly SessionEndedEvent[],
    deliverAfter: AfterResponse | undefined,
  ): void {
    if (ended.some((e) => e.plan.participants.some((p) => p.backchannelUri))) {
      // The rows are committed, so nothing is lost if this process dies first: the worker's schedule finds them.
      // From a logout page, the deliveries start once its receipt is out; started now, a fan-out to 100 apps
      // held that page until most of them had answered (bench/README.md, seventh session).
      const kick = () => this.d.kickOutbox();
      if (deliverAfter) deliverAfter(kick);
      else kick();
    }
    this.d.events.published(events);
    for (const e of events) this.d.metrics.logout(e.reason);
    for (const e of ended) {
      this.d.log.info(
        {
          event: 'logout.end',
          logout_id: e.logoutId,
          participants: e.plan.participants.map((p) => p.clientId),
        },
        'SSO session ended',
      );
    }
  }

  /**
   * The session if it is still live. One past its idle or absolute limit that the sweeper has not reached yet
   * is ended here, through the logout path, so its apps hear about it at the first request that notices.
   */
  async keepIfLive(session: SessionRow | undefined): Promise<SessionRow | undefined> {
    if (!session || session.ended_at !== null) return undefined;
    if (SessionService.isLive(session, this.d.now())) return session;
    await this.endSessions([session], { reason: 'expired', initiator: 'system' });
    return undefined;
  }

  /** A session found past its idle or absolute limit: end it through the logout path (reason `expired`). */
  async endExpired(session: SessionRow): Promise<void> {
    await this.endSessions([session], { reason: 'expired', initiator: 'system' });
  }

  /** End every live session of a user (and, with revokeUserTokens, all their refresh tokens) in one go. */
  async endUserSessions(userId: string, opts: LogoutOptions & { keepSid?: string }): Promise<EndedLogout[]> {
    const sessions = (await this.d.store.sessions.listActiveByUser(userId)).filter(
      (s) => s.sid !== opts.keepSid,
    );
    return this.endSessions(sessions, opts);
  }

  /** Step 4: what happened, per app and per channel. */
  async report(logout: string | LogoutRow): Promise<LogoutReport | undefined> {
    const store = this.d.store;
    const record = typeof logout === 'string' ? await store.logouts.find(logout) : logout;
    if (!record) return undefined;
    const logoutId = record.id;
    // Independent reads, sent together: on PostgreSQL one round trip's wait instead of five in a row (the
    // end_session page waits for this report).
    const [participants, outbox, attempts, user, upstream] = await Promise.all([
      store.logouts.listParticipants(logoutId),
      store.logouts.listOutbox(logoutId),
      store.logouts.listAttemptsOfLogout(logoutId),
      record.user_id ? store.users.findById(record.user_id) : undefined,
      this.d.upstream.upstreamReport(logoutId),
    ]);
    const clientIds = [
      ...new Set([...participants.map((p) => p.client_id), ...outbox.map((o) => o.client_id)]),
    ];
    const clients = await this.d.clients.getMany(clientIds);
    const report = buildReport(record, participants, outbox, attempts, clients, user, this.d.now());
    return upstream ? { ...report, upstream } : report;
  }

  /** The logout record itself (for steps that prove their right to it otherwise, e.g. an upstream's state). */
  record(logoutId: string): Promise<LogoutRow | undefined> {
    return this.d.store.logouts.find(logoutId);
  }

  /** Does this browser-held token open this logout's receipt? */
  /** The logout record, if this browser-held token opens its receipt. */
  async findForReceipt(logoutId: string, token: string | undefined): Promise<LogoutRow | undefined> {
    if (!token) return undefined;
    const record = await this.d.store.logouts.find(logoutId);
    return record?.receipt_digest && safeEqual(record.receipt_digest, digest(token)) ? record : undefined;
  }

  /** A front-channel result reported by the logout page in the user's browser. */
  async recordFrontchannel(
    logoutId: string,
    clientId: string,
    status: 'acknowledged' | 'reached' | 'timeout' | 'failed',
    detail: string | null,
  ) {
    return this.d.store.logouts.setParticipantStatus(
      logoutId,
      clientId,
      'frontchannel',
      status,
      detail,
      this.d.now(),
    );
  }
}
