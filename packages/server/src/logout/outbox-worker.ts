import { randomToken } from '../util/crypto.js';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Client } from '../domain/clients.js';
import type { Store } from '../store/store.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { LogoutTokenSubject } from './logout-token.js';
import { algNotOffered, type SigningAlg } from '../keys/algorithms.js';
import type { OutboxRow } from '../store/repos/logouts.js';
import type { BackchannelSender, SendResult } from './backchannel-sender.js';
import { isStoreUnavailable, logBackgroundFailure } from '../store/unavailable.js';
import { GroupCommit } from '../util/group-commit.js';

type AttemptRecord = Parameters<Store['logouts']['recordAttempts']>[1][number];

/** What the worker needs, wired in provider.ts: no `Provider`. */
export interface OutboxDeps {
  /** The outbox rows (claim, next due) and the transaction that records an attempt. */
  store: Pick<Store, 'logouts' | 'transaction'>;
  findClient(clientId: string): Promise<Client | undefined>;
  /** A signed logout token (logout/logout-token.ts), fresh for every attempt, signed with `alg`. */
  logoutToken(subject: LogoutTokenSubject, nowMs: number, alg: SigningAlg): Promise<string>;
  /** Whether the provider still signs with `alg` (`keys.algorithms`). */
  offersAlg(alg: SigningAlg): boolean;
  sender: Pick<BackchannelSender, 'send' | 'close'>;
  settings: Pick<
    Config['logout'],
    'backchannel_timeout' | 'worker_poll_interval' | 'backchannel_concurrency' | 'backchannel_backoff'
  >;
  metrics: { delivery(outcome: SendResult['outcome'], durationMs: number): void };
  /** The provider's tracing, which is set up after the worker is built. */
  tracing(): Tracing;
  now: () => number;
  log: FastifyBaseLogger;
}

/**
 * Delivers back-channel logout tokens from the durable outbox. One worker runs in every provider process; rows
 * are claimed with a lease (SKIP LOCKED on PostgreSQL) so each delivery is made by one process, and a process
 * that dies mid-delivery only delays it until its lease runs out. Deliveries run in parallel up to
 * `backchannel_concurrency`; failures are retried with exponential backoff and jitter until the deadline.
 *
 * ```mermaid
 * stateDiagram-v2
 *   [*] --> pending: logout committed
 *   pending --> delivered: 200 / 204
 *   pending --> rejected: 400 (or another answer a retry cannot change)
 *   pending --> pending: network error, timeout, 5xx (backoff)
 *   pending --> failed: deadline passed
 * ```
 */
export class OutboxWorker {
  private readonly workerId = `w_${randomToken(9)}`;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Answers of a fan-out arrive together: their records share transactions (one per burst, not one per app), so
   * the slots of the next wave free sooner and a logout to 100 apps costs a handful of commits.
   */
  private readonly records = new GroupCommit<AttemptRecord, boolean>((entries) =>
    this.d.store.transaction((tx) => tx.logouts.recordAttempts(this.workerId, entries)),
  );

  constructor(private readonly d: OutboxDeps) {}

  private get settings() {
    return this.d.settings;
  }

  /** Lease on a claimed row: long enough for one request with margin, short enough to recover from a crash. */
  private get leaseMs() {
    return this.settings.backchannel_timeout * 1000 + 2000;
  }

  /** Started and not stopped (readiness). */
  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.run();
  }

  /** Look for due rows now (called right after a logout commits). */
  kick(): void {
    this.run();
  }

  // The worker's own wake-ups (start, poll, a kick during a drain) come here, not through kick(): kick() is what
  // the rest of the provider calls, so a test watching it sees only those calls.
  private run(): void {
    if (!this.running) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.loop = this.drain()
      .catch((e: unknown) => logBackgroundFailure(this.d.log, e, 'outbox worker failed'))
      .finally(() => {
        this.loop = undefined;
        if (this.again) {
          this.again = false;
          this.run();
        } else {
          void this.schedule();
        }
      });
  }

  private async schedule(): Promise<void> {
    if (!this.running) return;
    let delay = this.settings.worker_poll_interval * 1000;
    try {
      const next = await this.d.store.logouts.nextDueAt();
      if (next !== undefined) delay = Math.max(0, Math.min(delay, next - this.d.now()));
    } catch {
      // The store may be briefly unavailable; the normal poll interval covers it.
    }
    if (!this.running || this.loop) return;
    this.timer = setTimeout(() => this.run(), delay);
    this.timer.unref();
  }

  /** Claim and send due rows until none are due; sends overlap up to the concurrency limit. */
  private async drain(): Promise<void> {
    const limit = this.settings.backchannel_concurrency;
    while (this.running) {
      const free = limit - this.inFlight.size;
      // Claim in batches (when half the slots are free), not one row per finished delivery: each claim is a
      // transaction, and a logout to 100 apps should not cost 70 of them.
      if (free <= 0 || (this.inFlight.size > 0 && free < Math.ceil(limit / 2))) {
        await Promise.race(this.inFlight);
        continue;
      }
      const rows = await this.d.store.logouts.claimDue(this.d.now(), free, this.workerId, this.leaseMs);
      if (rows.length === 0) break;
      for (const row of rows) {
        const p: Promise<void> = this.d
          .tracing()
          .span(
            'backchannel.delivery',
            {
              'adieu.client_id': row.client_id,
              'adieu.logout_id': row.logout_id,
              'adieu.attempt': row.attempts + 1,
            },
            () => this.deliver(row),
          )
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }
    await Promise.all(this.inFlight);
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const d = this.d;
    const claimedAt = d.now();
    const client = await d.findClient(row.client_id);
    const started = d.now();
    let result: SendResult;
    if (!client) {
      result = { outcome: 'rejected', statusCode: null, error: 'client no longer registered', durationMs: 0 };
    } else if (!d.offersAlg(client.idTokenAlg)) {
      // The app would refuse a token in any other alg; a retry cannot help until the operator acts.
      result = {
        outcome: 'rejected',
        statusCode: null,
        error: algNotOffered(client.idTokenAlg),
        durationMs: 0,
      };
    } else {
      // A fresh token (new jti, iat, exp) for every attempt: a retry must not look like a replay.
      const token = await d.logoutToken(
        { sub: row.sub, aud: row.client_id, sid: row.sid ?? undefined, reason: row.reason },
        started,
        client.idTokenAlg,
      );
      result = await d.sender.send(row.uri, token, client.source === 'registration');
    }
    d.metrics.delivery(result.outcome, result.durationMs);
    const now = d.now();
    const attempt = row.attempts + 1;
    let status = 'pending';
    let nextAt = row.next_attempt_at;
    if (result.outcome === 'delivered') status = 'delivered';
    else if (result.outcome === 'rejected') status = 'rejected';
    else {
      const backoff = this.backoffMs(attempt);
      if (now + backoff > row.deadline_at) status = 'failed';
      else nextAt = now + backoff;
    }
    // The attempt and the row's new state are one commit: the history never disagrees with the status.
    const record = () =>
      this.records.add({
        row,
        attempt: {
          attempt,
          started_at: started,
          duration_ms: result.durationMs,
          status_code: result.statusCode,
          outcome: result.outcome,
          error: result.error,
        },
        next: {
          status,
          next_attempt_at: nextAt,
          completed_at: status === 'pending' ? null : now,
          last_status_code: result.statusCode,
          last_error: result.error,
        },
      });
    const recorded = await this.recordWithinLease(record, claimedAt);
    const fields = {
      logout_id: row.logout_id,
      client_id: row.client_id,
      attempt,
      status_code: result.statusCode,
    };
    if (result.outcome === 'delivered')
      d.log.info({ event: 'backchannel.success', ...fields }, 'back-channel logout delivered');
    else
      d.log.warn(
        { event: 'backchannel.error', ...fields, status, error: result.error, recorded },
        'back-channel logout not delivered',
      );
  }

  /**
   * Record an attempt, retrying while the database is briefly away. An app that answered 200 has logged the user
   * out; if that answer is not recorded before the lease runs out, another process claims the row and the app gets
   * the logout a second time. So an outage shorter than the lease costs no repeat; a longer one (or kill -9 between
   * the answer and the commit) does, which is why delivery is at-least-once (docs/operations.md).
   */
  private async recordWithinLease<T>(record: () => Promise<T>, claimedAt: number): Promise<T> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
      try {
        return await record();
      } catch (e) {
        if (!isStoreUnavailable(e) || this.d.now() + wait > claimedAt + this.leaseMs - 500) throw e;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread but never collapse to 0. */
  private backoffMs(attempt: number): number {
    const { initial, max } = this.settings.backchannel_backoff;
    const base = Math.min(max, initial * 2 ** (attempt - 1)) * 1000;
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  /** Stop claiming; let in-flight deliveries finish (anything unfinished stays in the outbox for next start). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    await Promise.all(this.inFlight);
    await this.d.sender.close();
  }
}
