import type { Provider } from '../provider.js';
import { logBackgroundFailure } from '../store/unavailable.js';

/**
 * Ends expired SSO sessions through the logout path (reason `expired`), so apps hear about idle and absolute
 * timeouts exactly as they hear about a sign-out. Safe with many processes: ending is a conditional update, so a
 * session raced by two sweepers is ended, recorded and announced once.
 */
export class SessionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly p: Provider) {}

  start(): void {
    const every = this.p.config.session.sweep_interval * 1000;
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
        const expired = await this.p.store.sessions.listExpired(this.p.now(), 100);
        if (expired.length === 0) break;
        const ended = await this.p.logout.endSessions(expired, { reason: 'expired', initiator: 'system' });
        total += ended.length;
        if (expired.length < 100) break;
      }
    } catch (e) {
      logBackgroundFailure(this.p.log, e, 'session sweep failed');
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
