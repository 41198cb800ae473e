import type { BrowserContext } from '../protocol/authorize.js';
import { digest } from '../util/crypto.js';
import { type UpstreamIdentity } from './upstream-client.js';
import type { FederationDeps, SignedIn } from './federation-types.js';
import type { UpstreamSignIn } from './upstream-sign-in.js';

/**
 * Linking an upstream identity to an existing account with the same verified email: never silently; the person
 * proves they own the account first (keycloak#53041), then the link is made once and they are signed in.
 */
export class AccountLinking {
  constructor(
    private readonly d: FederationDeps,
    private readonly flow: UpstreamSignIn,
  ) {}

  /** A pending link, for its page. */
  async pendingLink(token: string) {
    const row = await this.d.store.federation.findPendingLink(digest(token), this.d.now());
    if (!row) return undefined;
    const user = await this.d.store.users.findById(row.user_id);
    const connection = await this.d.registry.get(row.connection_id);
    if (!user || !connection) return undefined;
    return { row, user, connection };
  }

  /**
   * The person proved they own the existing account (its password, checked and throttled by the caller): link
   * the upstream identity to it and sign in. Single use.
   */
  async completeLink(
    token: string,
    provenUserId: string,
    browser: BrowserContext,
  ): Promise<(SignedIn & { interactionId: string }) | undefined> {
    const pending = await this.pendingLink(token);
    if (!pending || pending.row.user_id !== provenUserId) return undefined;
    if (!(await this.d.store.federation.takePendingLink(digest(token)))) return undefined;
    const identity = JSON.parse(pending.row.identity) as UpstreamIdentity;
    const now = this.d.now();
    await this.d.store.federation.insertLink({
      connection_id: pending.connection.id,
      upstream_iss: identity.iss,
      upstream_sub: identity.sub,
      user_id: pending.user.id,
      created_at: now,
      last_login_at: now,
    });
    const signed = await this.flow.signIn(pending.user, pending.connection, identity, browser);
    return { ...signed, interactionId: pending.row.interaction_id };
  }
}
