import type { FastifyBaseLogger } from 'fastify';
import type { SessionRow } from '../domain/sessions.js';
import type { LogoutOptions } from './logout-service.js';
import { logBackgroundFailure } from '../store/unavailable.js';

/**
 * Ends expired SSO sessions through the logout path (reason `expired`), so apps hear about idle and absolute
 * timeouts exactly as they hear about a sign-out. Safe with many processes: ending is a conditional update, so a
 * session raced by two sweepers is ended, recorded and announced once.
 */
/** What the sweeper needs, wired in provider.ts. */
export interface SweeperDeps {
  /** Up to `limit` sessions past their idle or absolute limit and not yet ended. */
  listExpired(now: number, limit: number): Promise<SessionRow[]>;
  /** The one logout path. */
  endSessions(sessions: SessionRow[], opts: LogoutOptions): Promise<readonly unknown[]>;
  intervalSeconds: number;
  now: () => number;
  log: FastifyBaseLogger;
}

export class SessionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly d: SweeperDeps) {}

  start(): void {
    const every = this.d.intervalSeconds * 1000;
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  /** End every session past its idle or absolute limit; returns how many this call ended. */
  async sweep(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const expired = await this.d.listExpired(this.d.now(), 100);
        if (expired.length === 0) break;
        const ended = await this.d.endSessions(expired, { reason: 'expired', initiator: 'system' });
        total += ended.length;
        if (expired.length < 100) break;
      }
    } catch (e) {
      logBackgroundFailure(this.d.log, e, 'session sweep failed');
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
