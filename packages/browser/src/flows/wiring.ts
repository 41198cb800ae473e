/**
 * Builds the state of one page and the flows over it, for `AdieuClient`. Kept apart so the facade holds only
 * its public methods.
 */
import type { AccountInfo } from '../account.js';
import { AccountSync } from '../account-sync.js';
import { BrowserSessionMarker, documentCookies, markerName } from '../browser-session.js';
import type { ResolvedConfig } from '../config.js';
import type { ProviderMetadata } from '../discovery.js';
import { AdieuError } from '../errors.js';
import { EventHub } from '../events.js';
import { PendingRequests } from '../interaction.js';
import { PopupNavigator, RedirectNavigator } from '../navigator.js';
import { MemoryStore, openStore, webStorage, WebStore } from '../storage.js';
import { TokenCache } from '../token-cache.js';
import { SessionConfirmation } from './confirm.js';
import type { FlowContext } from './context.js';
import { LoginFlow } from './login.js';
import { LogoutFlow } from './logout.js';
import { SilentFlow } from './silent.js';

export interface ClientParts {
  cfg: ResolvedConfig;
  hub: EventHub;
  cache: TokenCache;
  sync: AccountSync;
  confirmation: SessionConfirmation;
  login: LoginFlow;
  logout: LogoutFlow;
  silent: SilentFlow;
  /** Set by `initialize()`. */
  provider: { meta: ProviderMetadata | undefined };
  /** The metadata, or `uninitialized_public_client_application`. */
  metadata(): ProviderMetadata;
  storageDegraded: boolean;
}

/** The active account, if this page may return it. */
export function activeAccount(sync: AccountSync): AccountInfo | null {
  const id = sync.visibleActiveId();
  return id === null ? null : (sync.visible().find((a) => a.homeAccountId === id) ?? null);
}

export function wireClient(cfg: ResolvedConfig): ClientParts {
  const hub = new EventHub();
  const { store, degraded } = openStore(cfg.cacheLocation);
  const local = webStorage('localStorage');
  const cache = new TokenCache(cfg.clientId, store, local ? new WebStore(local) : undefined);
  const session = webStorage('sessionStorage');
  const pending = new PendingRequests(session ? new WebStore(session) : new MemoryStore(), cache.prefix);
  const marker = new BrowserSessionMarker(
    markerName(cfg.clientId),
    documentCookies(),
    typeof location === 'object' && location.protocol === 'https:',
  );
  dropOutlivedAccounts(cache, marker);
  const provider: ClientParts['provider'] = { meta: undefined };
  // The confirmation is asked by the sync while the sync is built; it needs the flows only later.
  const late: { ctx?: FlowContext; silent?: SilentFlow } = {};
  const confirmation = new SessionConfirmation(cfg.confirmSessionOnLoad, () => ({
    ctx: late.ctx!,
    refresh: (r) => late.silent!.refresh(r),
  }));
  const sync = new AccountSync(cfg, cache, hub, local, (r) => confirmation.isConfirmed(r));
  const ctx: FlowContext = {
    cfg,
    hub,
    cache,
    pending,
    sync,
    metadata() {
      if (!provider.meta) {
        throw new AdieuError(
          'uninitialized_public_client_application',
          'call and await initialize() before using the client',
        );
      }
      return provider.meta;
    },
  };
  const nav = {
    redirect: new RedirectNavigator(cfg),
    popup: new PopupNavigator(cfg, () => sync.channelOptions),
  };
  const silent = new SilentFlow(ctx, (id) => confirmation.confirm(id));
  Object.assign(late, { ctx, silent });
  return {
    cfg,
    hub,
    cache,
    sync,
    confirmation,
    login: new LoginFlow(ctx, nav, marker),
    logout: new LogoutFlow(ctx, nav),
    silent,
    provider,
    metadata: ctx.metadata,
    storageDegraded: degraded,
  };
}

/**
 * Drop the accounts of non-persistent provider sessions whose browser session ended (the browser was closed
 * since they signed in; `browser-session.ts`). Only a top-level page decides: a framed page (the front-channel
 * page) may not see the app's own cookies.
 */
function dropOutlivedAccounts(cache: TokenCache, marker: BrowserSessionMarker): void {
  if (typeof window === 'object' && window.top !== window) return;
  for (const r of cache.list()) if (marker.outlived(r)) cache.remove(r.account.homeAccountId);
}
