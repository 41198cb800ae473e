import { OAuthError, invalidRequest, notFound } from '../protocol/errors.js';
import { readParams } from '../protocol/params.js';
import { LOGOUT_EVENT } from '../logout/logout-token.js';
import { LOGOUT_REASONS } from '../logout/logout-service.js';
import { Roles } from './roles.js';
import { AdminClients } from './admin-clients.js';
import type { AdminServiceDeps } from './admin-service-deps.js';
import type { AuditEventRow } from '../store/repos/audit.js';

export type { AdminServiceDeps };

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A whole number from a query parameter, within bounds; a readable 400 otherwise. */
export function readInt(
  v: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (v === undefined) return fallback;
  if (!/^\d{1,15}$/.test(v)) throw invalidRequest(`${name} must be a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw invalidRequest(`${name} must be between ${min} and ${max}`);
  return n;
}

/** A time filter: an ISO 8601 date-time (or date). */
function readTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const t = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw invalidRequest(`${name} must be a date-time such as 2026-12-01T10:00:00Z`);
  return t;
}

const REASONS: readonly string[] = LOGOUT_REASONS;
const OUTCOMES = ['delivered', 'failed', 'pending'] as const;

/**
 * The console's admin operations that are not the management API's: lists, filters, deliveries, keys, live.
 * Roles and client edits have their own rooms (`roles.ts`, `admin-clients.ts`).
 */
export class AdminService {
  /** Roles, with the rule that an admin cannot take their own admin role. */
  readonly roles: Roles;
  /** Clients as the console lists and edits them (logout URIs, secret rotation). */
  readonly clients: AdminClients;

  constructor(private readonly d: AdminServiceDeps) {
    this.roles = new Roles(d.store.roles, d.now);
    this.clients = new AdminClients(d);
  }

  async listUsers(q: string | undefined, after: string | undefined, limit: number) {
    const rows = await this.d.store.consoleQueries.searchUsers(q, after, limit + 1);
    const page = rows.slice(0, limit);
    const items = [];
    for (const u of page) {
      items.push({
        id: u.id,
        username: u.username,
        name: u.name,
        email: u.email,
        disabled: Boolean(u.disabled),
        roles: await this.d.store.roles.list(u.id),
        created_at: iso(u.created_at),
      });
    }
    return { items, next: rows.length > limit ? page[page.length - 1]!.username : null };
  }

  async audit(query: unknown) {
    const q = readParams(query, ['actor', 'action', 'target', 'since', 'until', 'before', 'limit'] as const, {
      actor: 200,
      action: 100,
      target: 200,
      since: 40,
      until: 40,
      before: 20,
      limit: 3,
    });
    const limit = readInt(q.limit, 'limit', 1, 200, 50);
    const rows = await this.d.store.audit.list({
      actor: q.actor,
      action: q.action,
      target: q.target,
      since: readTime(q.since, 'since'),
      until: readTime(q.until, 'until'),
      before: q.before === undefined ? undefined : readInt(q.before, 'before', 1, Number.MAX_SAFE_INTEGER, 0),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map(auditView),
      next: rows.length > limit ? String(page[page.length - 1]!.id) : null,
    };
  }

  async searchLogouts(query: unknown) {
    const q = readParams(
      query,
      ['user', 'client_id', 'reason', 'outcome', 'since', 'until', 'before', 'limit'] as const,
      { user: 200, client_id: 200, reason: 40, outcome: 20, since: 40, until: 40, before: 200, limit: 3 },
    );
    if (q.reason && !REASONS.includes(q.reason))
      throw invalidRequest(`reason must be one of ${REASONS.join(', ')}`);
    if (q.outcome && !(OUTCOMES as readonly string[]).includes(q.outcome))
      throw invalidRequest(`outcome must be one of ${OUTCOMES.join(', ')}`);
    let userId: string | undefined;
    if (q.user) {
      const user = await this.d.store.users.findByIdOrUsername(q.user);
      if (!user) return { items: [], next: null };
      userId = user.id;
    }
    let before: { at: number; id: string } | undefined;
    if (q.before) {
      const m = /^(\d{1,15})~(lo_[\w-]{1,80})$/.exec(q.before);
      if (!m) throw invalidRequest('before must be a next value from a previous page');
      before = { at: Number(m[1]), id: m[2]! };
    }
    const limit = readInt(q.limit, 'limit', 1, 50, 20);
    const rows = await this.d.store.consoleQueries.searchLogouts({
      userId,
      clientId: q.client_id,
      reason: q.reason,
      outcome: q.outcome as (typeof OUTCOMES)[number] | undefined,
      since: readTime(q.since, 'since'),
      until: readTime(q.until, 'until'),
      before,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const items = [];
    for (const row of page) items.push(await this.d.logout.report(row));
    const last = page[page.length - 1];
    return { items, next: rows.length > limit && last ? `${last.created_at}~${last.id}` : null };
  }

  /** One logout's back-channel deliveries with their ids (for "Retry now"), attempts and the token's claims. */
  async deliveries(logoutId: string) {
    const record = logoutId.length <= 100 ? await this.d.store.logouts.find(logoutId) : undefined;
    if (!record) throw notFound('no such logout');
    const rows = await this.d.store.logouts.listOutbox(record.id);
    const attempts = await this.d.store.logouts.listAttempts(rows.map((r) => r.id));
    return rows.map((o) => ({
      id: o.id,
      client_id: o.client_id,
      uri: o.uri,
      status: o.status,
      attempts: o.attempts,
      created_at: iso(o.created_at),
      next_attempt_at: o.status === 'pending' ? iso(o.next_attempt_at) : null,
      deadline_at: iso(o.deadline_at),
      completed_at: iso(o.completed_at),
      // What every attempt's logout token carried; jti, iat and exp are fresh for each attempt.
      token_claims: {
        iss: this.d.issuer,
        sub: o.sub,
        aud: o.client_id,
        ...(o.sid ? { sid: o.sid } : {}),
        events: { [LOGOUT_EVENT]: {} },
        reason: o.reason,
      },
      history: attempts
        .filter((a) => a.outbox_id === o.id)
        .map((a) => ({
          attempt: a.attempt,
          started_at: iso(a.started_at),
          duration_ms: a.duration_ms,
          status_code: a.status_code,
          outcome: a.outcome,
          error: a.error,
        })),
    }));
  }

  async retryDelivery(id: string): Promise<void> {
    const row = id.length <= 100 ? await this.d.store.consoleQueries.findOutbox(id) : undefined;
    if (!row) throw notFound('no such delivery');
    const now = this.d.now();
    const ok = await this.d.store.consoleQueries.retryDelivery(
      id,
      now,
      now + this.d.config.logout.backchannel_deadline * 1000,
    );
    if (!ok) {
      throw new OAuthError(
        'invalid_request',
        `this delivery is ${row.status}; only a failed or rejected delivery can be retried`,
        409,
      );
    }
    this.d.outbox.kick();
  }

  /** What decides between "Unlock" and "Reset second factors": the locks, the factors (never their secrets). */
  async userSecurity(key: string) {
    const user = key.length <= 200 ? await this.d.store.users.findByIdOrUsername(key) : undefined;
    if (!user) throw notFound('no such user');
    const now = this.d.now();
    const [locks, factors, codes] = await Promise.all([
      this.d.throttle.locks(user.username, user.id, now),
      this.d.store.factors.listByUser(user.id),
      this.d.store.factors.countUnusedRecoveryCodes(user.id),
    ]);
    return {
      password_locked_until: locks.password === undefined ? null : iso(locks.password),
      second_factor_locked_until: locks.secondFactor === undefined ? null : iso(locks.secondFactor),
      factors: factors.map((f) => ({
        kind: f.kind,
        label: f.label,
        created_at: iso(f.created_at),
        last_used_at: iso(f.last_used_at),
      })),
      recovery_codes_left: codes,
    };
  }

  /** Live sessions signed in through a connection (newest first, at most 100), for the Connections page. */
  async connectionSessions(connectionId: string) {
    const c = connectionId.length <= 40 ? await this.d.connections.get(connectionId) : undefined;
    if (!c) throw notFound('no such connection');
    const rows = await this.d.store.consoleQueries.sessionsThroughConnection(c.id, this.d.now(), 100);
    return rows.map((r) => ({
      sid: r.sid,
      user: { id: r.user_id, username: r.username },
      created_at: iso(r.created_at),
      last_active_at: iso(r.last_active_at),
      ip: r.ip,
      user_agent: r.user_agent,
      upstream: { iss: r.upstream_iss, sub: r.upstream_sub, sid: r.upstream_sid },
    }));
  }

  async listKeys() {
    const now = this.d.now();
    const signers = this.d.keys.signingKids();
    return (await this.d.store.keys.listUsable(now)).map((k) => ({
      kid: k.kid,
      alg: k.alg,
      state: signers.has(k.kid) ? 'signing' : k.sign_from > now ? 'published' : 'retired',
      created_at: iso(k.created_at),
      sign_from: iso(k.sign_from),
      verify_until: iso(k.verify_until),
    }));
  }

  /** Outbox depth, failures in the last hour, SSE subscribers, and the figures the console draws. */
  async live() {
    const now = this.d.now();
    const hour = now - 3_600_000;
    const q = this.d.store.consoleQueries;
    const [outbox, deliveries, sessions, byConnection] = await Promise.all([
      q.outboxFigures(hour),
      q.deliveriesSince(now - 24 * 3_600_000),
      q.sessionsPerClient(now),
      q.sessionsPerConnection(now),
    ]);
    return {
      at: iso(now),
      outbox_pending: outbox.pending,
      failed_last_hour: outbox.failedSince,
      sse_subscribers: this.d.events.subscriberCount,
      sessions_per_client: sessions,
      sessions_per_connection: byConnection,
      deliveries_last_24h: deliveries.map((d) => ({
        client_id: d.client_id,
        at: iso(d.created_at),
        outcome:
          d.status === 'delivered'
            ? d.attempts > 1
              ? 'retried'
              : 'delivered'
            : d.status === 'pending'
              ? 'pending'
              : 'failed',
      })),
    };
  }
}

function auditView(r: AuditEventRow) {
  return {
    id: String(r.id),
    at: iso(Number(r.at)),
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name, client_id: r.client_id },
    action: r.action,
    target: r.target_id ? { type: r.target_type, id: r.target_id } : null,
    status: r.status,
    ip: r.ip,
    user_agent: r.user_agent,
    detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
  };
}
