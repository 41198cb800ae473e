/** How many session-event streams may be open at once, per user and per client address, in one process. */
export interface StreamLimits {
  perUser: number;
  perIp: number;
}

/** A stream that may open (call `close` when it ends), or the limit it would pass. */
export type StreamVerdict =
  { ok: true; close: () => void } | { ok: false; limit: 'user' | 'ip'; max: number };

/**
 * Open `/session/events` streams are held connections: each costs a socket, memory and a subscription. An app
 * needs one per open page, so a handful per user is plenty; without a bound one token (or one script) could
 * hold hundreds (issue 11 point 9). Counted per process: behind N processes the bound is N times this.
 */
export class StreamLimit {
  private readonly open = new Map<string, number>();

  constructor(private readonly limits: StreamLimits) {}

  /** Count one more stream for this user and address, unless it would pass either limit. */
  tryOpen(userId: string, ip: string): StreamVerdict {
    const user = `user:${userId}`;
    const addr = `ip:${ip}`;
    if (this.count(user) >= this.limits.perUser)
      return { ok: false, limit: 'user', max: this.limits.perUser };
    if (this.count(addr) >= this.limits.perIp) return { ok: false, limit: 'ip', max: this.limits.perIp };
    this.add(user, 1);
    this.add(addr, 1);
    let closed = false;
    return {
      ok: true,
      close: () => {
        // A stream ends once, however many ways its end is noticed (close event, shutdown).
        if (closed) return;
        closed = true;
        this.add(user, -1);
        this.add(addr, -1);
      },
    };
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  private add(key: string, n: number): void {
    const next = this.count(key) + n;
    if (next > 0) this.open.set(key, next);
    else this.open.delete(key);
  }
}
