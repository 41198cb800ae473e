import { UpstreamSignIn } from './upstream-sign-in.js';
import { AccountLinking } from './account-linking.js';
import { InwardLogout } from './inward-logout.js';
import { OutwardLogout } from './outward-logout.js';

export type { CallbackOutcome, FederationDeps, SignedIn } from './federation-types.js';
export type { UpstreamLogoutReport } from '../logout/report-types.js';
import type { FederationDeps } from './federation-types.js';

/**
 * Sign-in through upstream providers, and logouts that come from them or go to them: one facade over the four
 * flows, each in its own file — sign-in (upstream-sign-in.ts), linking an existing account
 * (account-linking.ts), inward logout (inward-logout.ts) and outward logout (outward-logout.ts). Inward logout
 * enters the one logout path with reason `upstream`; outward logout is planned with every logout
 * (`planUpstreamLogouts`, the logout path's `UpstreamLogouts` port) and taken after the receipt.
 */
export class FederationService {
  private readonly signIn: UpstreamSignIn;
  private readonly linking: AccountLinking;
  private readonly inward: InwardLogout;
  private readonly outward: OutwardLogout;

  constructor(d: FederationDeps) {
    this.signIn = new UpstreamSignIn(d);
    this.linking = new AccountLinking(d, this.signIn);
    this.inward = new InwardLogout(d);
    this.outward = new OutwardLogout(d);
  }

  // Sign-in (upstream-sign-in.ts) and linking to an existing account (account-linking.ts).
  begin(...a: Parameters<UpstreamSignIn['begin']>) {
    return this.signIn.begin(...a);
  }
  callback(...a: Parameters<UpstreamSignIn['callback']>) {
    return this.signIn.callback(...a);
  }
  pendingLink(...a: Parameters<AccountLinking['pendingLink']>) {
    return this.linking.pendingLink(...a);
  }
  completeLink(...a: Parameters<AccountLinking['completeLink']>) {
    return this.linking.completeLink(...a);
  }

  // Logouts from the upstream (inward-logout.ts) and to it (outward-logout.ts).
  receiveBackchannelLogout(...a: Parameters<InwardLogout['receiveBackchannelLogout']>) {
    return this.inward.receiveBackchannelLogout(...a);
  }
  receiveFrontchannelLogout(...a: Parameters<InwardLogout['receiveFrontchannelLogout']>) {
    return this.inward.receiveFrontchannelLogout(...a);
  }
  planUpstreamLogouts(...a: Parameters<OutwardLogout['planUpstreamLogouts']>) {
    return this.outward.planUpstreamLogouts(...a);
  }
  reauthConnectionsOf(...a: Parameters<OutwardLogout['reauthConnectionsOf']>) {
    return this.outward.reauthConnectionsOf(...a);
  }
  upstreamReport(...a: Parameters<OutwardLogout['upstreamReport']>) {
    return this.outward.upstreamReport(...a);
  }
  upstreamStep(...a: Parameters<OutwardLogout['upstreamStep']>) {
    return this.outward.upstreamStep(...a);
  }
  upstreamLoggedOut(...a: Parameters<OutwardLogout['upstreamLoggedOut']>) {
    return this.outward.upstreamLoggedOut(...a);
  }
}
