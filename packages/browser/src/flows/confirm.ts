/**
 * "An SPA never renders a signed-out user" (issue 12 point 2). A cached account survives while no page of the
 * app is open: with third-party cookies blocked, nothing can clear it when the user signs out elsewhere (the
 * front-channel frame is partitioned, and the push has no listener). So an account cached *before this page
 * loaded* is not returned to the app (`getActiveAccount`, `getAllAccounts`, `acquireTokenSilent`) until the
 * provider has answered for its session in this page: a refresh (refresh tokens die with the SSO session, so a
 * granted refresh is a live session and `invalid_grant` an ended one). Tokens obtained after the page loaded,
 * by a login or by a refresh in any tab, are such an answer already. `initialize()` asks, and waits for the
 * answers (at most `system.sessionConfirmationTimeout`); an account confirmed later is announced with
 * `ACCOUNT_ADDED`.
 *
 * The trade-off, for offline use: while the provider cannot be reached, cached accounts stay hidden (the app
 * shows "signed out"; it is asked again when the browser comes back online, and with backoff). Apps that must
 * work offline set `cache.confirmSessionOnLoad: false` and accept that a signed-out user may be shown until
 * the push or a refresh says otherwise.
 *
 * ```mermaid
 * stateDiagram-v2
 *   [*] --> unconfirmed: cached before the page loaded
 *   [*] --> confirmed: tokens obtained after the page loaded
 *   unconfirmed --> confirmed: refresh granted (here or in another tab)
 *   unconfirmed --> removed: invalid_grant / logout / tombstone
 *   unconfirmed --> unconfirmed: network error (retry) / no refresh token
 * ```
 */
import type { AccountRecord } from '../account.js';
import { AdieuError, InteractionRequiredAuthError } from '../errors.js';
import { withLock } from '../locks.js';
import type { FlowContext } from './context.js';
import { refreshLock, type RefreshOutcome } from './silent.js';

/** When the provider last vouched for this record's session (ms): tokens obtained then. */
export function vouchedAt(r: AccountRecord): number {
  return r.obtainedAt ?? r.signedInAt;
}

/** May this page return the record to the app? */
export function isConfirmed(
  r: AccountRecord,
  x: { enabled: boolean; loadedAt: number; confirmed: ReadonlySet<string> },
): boolean {
  return !x.enabled || x.confirmed.has(r.account.homeAccountId) || vouchedAt(r) >= x.loadedAt;
}

const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 60_000;

export class SessionConfirmation {
  /** When this page loaded (the client was constructed). */
  readonly loadedAt = Date.now();
  private readonly confirmed = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private retryMs = RETRY_MIN_MS;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private listening = false;

  /**
   * @param enabled `cache.confirmSessionOnLoad`
   * @param flows the flow context and the refresh, given once the client has built them (the account sync,
   *   part of the context, already asks {@link isConfirmed} while it is built)
   */
  constructor(
    readonly enabled: boolean,
    private readonly flows: () => {
      ctx: FlowContext;
      refresh: (current: AccountRecord) => Promise<RefreshOutcome>;
    },
  ) {}

  private get ctx(): FlowContext {
    return this.flows().ctx;
  }

  isConfirmed(r: AccountRecord): boolean {
    return isConfirmed(r, { enabled: this.enabled, loadedAt: this.loadedAt, confirmed: this.confirmed });
  }

  /** Ask the provider about every cached account this page may not return yet; resolves when all answered. */
  async confirmAll(): Promise<void> {
    if (!this.enabled) return;
    this.listenOnline();
    // Present accounts only: one dead by a remembered logout is dropped by the sync, not asked about.
    const waiting = this.ctx.sync.accounts().map((a) => this.confirm(a.homeAccountId).catch(() => undefined));
    await Promise.all(waiting);
  }

  /**
   * Resolve once the account may be returned; throw what the provider said otherwise (`interaction_required`
   * when the session is over or cannot be asked, `network_error` when the provider is unreachable).
   */
  confirm(homeAccountId: string): Promise<void> {
    const record = this.ctx.cache.get(homeAccountId);
    if (!record || this.isConfirmed(record)) return Promise.resolve();
    let p = this.inflight.get(homeAccountId);
    if (!p) {
      p = this.ask(homeAccountId).finally(() => this.inflight.delete(homeAccountId));
      this.inflight.set(homeAccountId, p);
    }
    return p;
  }

  private async ask(homeAccountId: string): Promise<void> {
    const { cfg, cache, sync } = this.ctx;
    try {
      await withLock(refreshLock(cfg.clientId, homeAccountId), async () => {
        const current = cache.get(homeAccountId);
        if (!current) throw new InteractionRequiredAuthError('this account was signed out');
        if (this.isConfirmed(current)) return; // another tab's refresh answered meanwhile
        if (!current.refreshToken) {
          throw new InteractionRequiredAuthError(
            'the session of this account cannot be confirmed without a refresh token: sign in again',
          );
        }
        const outcome = await this.flows().refresh(current);
        if (!outcome.ok) throw outcome.error;
      });
    } catch (e) {
      if (e instanceof AdieuError && e.code !== 'interaction_required') this.scheduleRetry();
      throw e;
    }
    this.confirmed.add(homeAccountId);
    this.retryMs = RETRY_MIN_MS;
    // Now the app may see it: ACCOUNT_ADDED (and ACTIVE_ACCOUNT_CHANGED), and the session monitor follows.
    await sync.reconcile();
  }

  /** The provider could not be asked (offline, down): ask again later, and as soon as the browser is online. */
  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.confirmAll();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private listenOnline(): void {
    if (this.listening || typeof addEventListener !== 'function') return;
    this.listening = true;
    addEventListener('online', () => void this.confirmAll());
  }
}
