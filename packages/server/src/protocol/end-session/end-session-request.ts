import type { Client } from '../../domain/clients.js';
import { readParams } from '../params.js';
import { checkClientId, type FindClient } from './check-client-id.js';
import { checkIdTokenHint, type IdTokenHint, type VerifyOwnJwt } from './check-id-token-hint.js';
import { checkPostLogoutRedirectUri } from './check-post-logout-redirect-uri.js';
import { postLogoutTarget } from './check-state.js';

/** A validated RP-Initiated Logout request (RP-Initiated Logout 1.0 §2). */
export interface EndSessionRequest {
  client?: Client | undefined;
  /** A valid id_token_hint (an explicitly typed ID token of ours). */
  hint?: IdTokenHint | undefined;
  /** Where to send the browser afterwards: a registered URI plus `state`. Never set unless validated. */
  target?: string | undefined;
  /** Why a post_logout_redirect_uri that was sent will not be followed (shown on the receipt). */
  redirectNote?: string | undefined;
  logoutHint?: string | undefined;
  uiLocales?: string | undefined;
  /**
   * Auth0's `federated` (any value): also end the upstream session the user signed in through, whatever the
   * connection's own logout policy says (docs/federation.md).
   */
  federated: boolean;
}

export interface EndSessionChecks {
  verifyOwnJwt: VerifyOwnJwt;
  findClient: FindClient;
}

const NAMES = [
  'id_token_hint',
  'logout_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
  'ui_locales',
  'federated',
] as const;

/**
 * The end_session checks, in the spec's order. Malformed parameters, a forged hint and an inconsistent client
 * are error pages, never redirects: until the client and the URI are both proven, the browser goes nowhere.
 */
export async function readEndSessionRequest(
  source: unknown,
  deps: EndSessionChecks,
): Promise<EndSessionRequest> {
  const params = readParams(source, NAMES, { id_token_hint: 8192, state: 2048 });
  const hint = await checkIdTokenHint(params.id_token_hint, deps.verifyOwnJwt);
  const client = await checkClientId(params.client_id, hint, deps.findClient);
  const redirect = checkPostLogoutRedirectUri(params.post_logout_redirect_uri, client);
  return {
    client,
    hint,
    target: postLogoutTarget(redirect, params.state),
    redirectNote: redirect.kind === 'refused' ? redirect.note : undefined,
    logoutHint: params.logout_hint,
    uiLocales: params.ui_locales,
    // A flag in Auth0's API (`?federated`): present means yes, even without a value (readParams drops empty ones).
    federated:
      params.federated !== undefined ||
      (typeof source === 'object' && source !== null && Object.hasOwn(source, 'federated')),
  };
}
