/**
 * What the flow modules share: the resolved configuration, the event hub, the token cache, the pending
 * interactions of this tab, the cross-tab account sync and the provider's metadata. `AdieuClient` builds one
 * and hands it to every flow; a flow takes nothing else from the client.
 */
import { sameAccount, type AccountInfo } from '../account.js';
import type { AccountSync } from '../account-sync.js';
import type { ResolvedConfig } from '../config.js';
import type { ProviderMetadata } from '../discovery.js';
import type { EventHub } from '../events.js';
import type { PendingRequests } from '../interaction.js';
import type { TokenCache } from '../token-cache.js';

export interface FlowContext {
  readonly cfg: ResolvedConfig;
  readonly hub: EventHub;
  readonly cache: TokenCache;
  readonly pending: PendingRequests;
  readonly sync: AccountSync;
  /** The provider's metadata; throws `uninitialized_public_client_application` before `initialize()`. */
  metadata(): ProviderMetadata;
}

/**
 * The cached accounts that are `account` (same user at the same provider), whether or not this page has
 * returned them to the app yet: a logout or a refused refresh must reach those too.
 */
export function cachedMatching(ctx: Pick<FlowContext, 'sync'>, account: AccountInfo): AccountInfo[] {
  return ctx.sync.accounts().filter((a) => sameAccount(a, account));
}
