/**
 * `monitorSession()`: learn that the SSO session behind an account ended, without third-party cookies and
 * without hidden iframes (both die with tracking protection; Session Management 1.0's check_session_iframe is
 * exactly such an iframe). Two ways, best first:
 *
 * 1. The provider's session events push (docs/protocol-extensions.md §2): a single-use ticket bought with the
 *    account's access token, then an EventSource that receives `session_ended`.
 * 2. When the push is unavailable (endpoint absent, CORS refused, no EventSource): refresh the tokens every
 *    `pollInterval`. Refresh tokens without `offline_access` die with the session, so a refused refresh is a
 *    logout (the client ends the account with reason `refresh-failure`).
 *
 * One watcher per SSO session (`sid`) for all tabs of the app: the tab holding the Web Lock
 * `adieu.monitor.<clientId>.<sid>` runs it and tells the others; when that tab closes, the next one takes over.
 *
 * ```mermaid
 * stateDiagram-v2
 *   [*] --> ticket: lock acquired
 *   ticket --> stream: 200 ticket
 *   ticket --> ticket: 401 once: refresh the access token
 *   ticket --> ended: 401 again (session already over)
 *   ticket --> polling: 404 / no EventSource / repeated network failure
 *   stream --> ended: session_ended for our sid
 *   stream --> ticket: connection dropped (backoff, Last-Event-ID)
 *   polling --> ended: refresh refused
 *   polling --> ticket: every 5 min, after a transient failure
 *   ended --> [*]
 * ```
 */
import type { AccountInfo } from './account.js';
import { sessionEventsEndpoints } from './discovery.js';
import { isAdieuError } from './errors.js';
import type { Fetch } from './http.js';
import { withLock } from './locks.js';

export interface MonitorSessionOptions {
  /** Subscribe to the provider's push (default `true`). `false`: detect logout through refresh failure only. */
  push?: boolean;
  /** How often the fallback refreshes tokens, in ms. Default 60 000. */
  pollInterval?: number;
}

/** What `monitorSession()` returns. */
export interface SessionMonitor {
  /** Stop watching (streams close, other tabs take over if they monitor too). */
  stop(): void;
  /** Per watched `sid`: `waiting` (another tab watches), `push`, `polling` or `ended`. */
  readonly status: Record<string, 'waiting' | 'push' | 'polling' | 'ended'>;
}

/** What the monitor needs from the client. */
export interface MonitorHost {
  clientId: string;
  issuer: string;
  fetch: Fetch;
  accounts(): AccountInfo[];
  /** A valid access token for the account (refreshing if needed; `force` always refreshes). */
  accessToken(account: AccountInfo, force: boolean): Promise<string>;
  /** The provider said the session ended: forget its accounts everywhere. */
  sessionEnded(sid: string, providerReason: string | undefined): Promise<void>;
  /** Be told when the set of accounts changes. Returns an unsubscribe function. */
  onAccountsChanged(cb: () => void): () => void;
  EventSource: typeof EventSource | undefined;
}

type StreamOutcome = 'ended' | 'unavailable' | 'dropped' | 'stopped';

const RETRY_PUSH_AFTER = 5 * 60_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Watches one SSO session. */
class SessionWatch {
  private readonly abort = new AbortController();
  private lastEventId: string | undefined;
  private networkFailures = 0;
  /** The last stream reached the provider (so a drop is not a reason to back off further). */
  private opened = false;

  constructor(
    private readonly host: MonitorHost,
    readonly sid: string,
    private readonly options: Required<MonitorSessionOptions>,
    private readonly setStatus: (s: SessionMonitor['status'][string]) => void,
  ) {}

  start(): void {
    this.setStatus('waiting');
    const name = `adieu.monitor.${this.host.clientId}.${this.sid}`;
    withLock(name, () => this.run(), this.abort.signal).catch(() => undefined);
  }

  stop(): void {
    this.abort.abort();
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private account(): AccountInfo | undefined {
    return this.host.accounts().find((a) => a.sid === this.sid);
  }

  private async run(): Promise<void> {
    let push = this.options.push && typeof this.host.EventSource === 'function';
    let backoff = 1000;
    let lastPushTry = 0;
    while (!this.stopped && this.account()) {
      if (push) {
        lastPushTry = Date.now();
        const outcome = await this.stream();
        if (outcome === 'ended' || outcome === 'stopped') break;
        if (outcome === 'unavailable') {
          push = false;
          continue;
        }
        if (this.opened) backoff = 1000;
        this.opened = false;
        await sleep(backoff, this.abort.signal);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      this.setStatus('polling');
      await sleep(this.options.pollInterval, this.abort.signal);
      if (this.stopped) break;
      const account = this.account();
      if (!account) break;
      try {
        await this.host.accessToken(account, true);
      } catch (e) {
        if (isAdieuError(e, 'interaction_required')) break; // the client ended the account
      }
      if (this.options.push && this.networkFailures > 0 && Date.now() - lastPushTry > RETRY_PUSH_AFTER) {
        push = typeof this.host.EventSource === 'function';
      }
    }
    this.setStatus(this.stopped ? 'waiting' : 'ended');
  }

  /** Buy a ticket and listen until the session ends or the connection drops. */
  private async stream(): Promise<StreamOutcome> {
    const { ticket: ticketUrl, events } = sessionEventsEndpoints(this.host.issuer);
    let ticket: string | undefined;
    for (let attempt = 0; attempt < 2 && ticket === undefined; attempt++) {
      const account = this.account();
      if (!account) return 'ended';
      let token: string;
      try {
        token = await this.host.accessToken(account, attempt > 0);
      } catch (e) {
        return isAdieuError(e, 'interaction_required') ? 'ended' : 'dropped';
      }
      let res: Response;
      try {
        res = await this.host.fetch(ticketUrl, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          credentials: 'omit',
          cache: 'no-store',
          signal: this.abort.signal,
        });
      } catch {
        if (this.stopped) return 'stopped';
        // CORS refusals look exactly like network errors; three in a row and we stop trying for a while.
        return ++this.networkFailures >= 3 ? 'unavailable' : 'dropped';
      }
      if (res.status === 404 || res.status === 405 || res.status === 501) return 'unavailable';
      if (res.status === 401) continue; // once more with a fresh token, then conclude
      if (!res.ok) return 'dropped';
      const body = (await res.json().catch(() => ({}))) as { ticket?: unknown };
      if (typeof body.ticket !== 'string') return 'dropped';
      ticket = body.ticket;
    }
    if (ticket === undefined) {
      // A fresh access token for this session is refused: the provider says the session has ended.
      await this.host.sessionEnded(this.sid, undefined);
      return 'ended';
    }
    this.networkFailures = 0;
    const url = new URL(events);
    url.searchParams.set('ticket', ticket);
    if (this.lastEventId) url.searchParams.set('last_event_id', this.lastEventId);
    return this.listen(url.toString());
  }

  private listen(url: string): Promise<StreamOutcome> {
    return new Promise((resolve) => {
      const es = new this.host.EventSource!(url);
      let settled = false;
      const settle = (o: StreamOutcome) => {
        if (settled) return;
        settled = true;
        es.close();
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const onAbort = () => settle('stopped');
      this.abort.signal.addEventListener('abort', onAbort);
      es.onopen = () => {
        this.opened = true;
        this.setStatus('push');
      };
      es.addEventListener('session_ended', (e) => {
        const m = e as MessageEvent<string>;
        if (m.lastEventId) this.lastEventId = m.lastEventId;
        let data: { sid?: unknown; reason?: unknown } = {};
        try {
          data = JSON.parse(m.data) as typeof data;
        } catch {
          return;
        }
        if (data.sid !== this.sid) return;
        settle('ended');
        void this.host.sessionEnded(this.sid, typeof data.reason === 'string' ? data.reason : undefined);
      });
      // EventSource would reconnect by itself with the spent single-use ticket; we reconnect with a new one.
      es.onerror = () => settle('dropped');
    });
  }
}

/** Start monitoring every account of this tab (and accounts added later). */
export function startSessionMonitor(host: MonitorHost, options: MonitorSessionOptions = {}): SessionMonitor {
  const opts: Required<MonitorSessionOptions> = {
    push: options.push ?? true,
    pollInterval: options.pollInterval ?? 60_000,
  };
  const watches = new Map<string, SessionWatch>();
  const status: SessionMonitor['status'] = {};
  const sync = () => {
    const sids = new Set(host.accounts().flatMap((a) => (a.sid ? [a.sid] : [])));
    for (const [sid, w] of watches) {
      if (!sids.has(sid)) {
        w.stop();
        watches.delete(sid);
        status[sid] = 'ended';
      }
    }
    for (const sid of sids) {
      if (watches.has(sid)) continue;
      const w = new SessionWatch(host, sid, opts, (s) => (status[sid] = s));
      watches.set(sid, w);
      w.start();
    }
  };
  const unsubscribe = host.onAccountsChanged(sync);
  sync();
  return {
    status,
    stop() {
      unsubscribe();
      for (const w of watches.values()) w.stop();
      watches.clear();
    },
  };
}
