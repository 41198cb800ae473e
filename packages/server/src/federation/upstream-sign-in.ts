import * as oc from 'openid-client';
import type { UserRow } from '../domain/users.js';
import type { BrowserContext } from '../protocol/authorize.js';
import { digest, randomToken, safeEqual } from '../util/crypto.js';
import { connectionUrls, type Connection } from './connection-config.js';
import { UpstreamError, type UpstreamIdentity } from './upstream-client.js';
import type { CallbackOutcome, FederationDeps, SignedIn } from './federation-types.js';

/** How long a person may take at the upstream before the callback is refused. */
const TRIP_TTL_MS = 15 * 60_000;
/** How long the "prove it is your account" page stays valid. */
const LINK_TTL_MS = 10 * 60_000;
/** Users created through a connection have no password: this never verifies (see domain/passwords.ts). */
const NO_PASSWORD = '!upstream';

/**
 * Sign-in through an upstream provider: the trip there (state, nonce, PKCE, bound to this browser's
 * interaction), the callback's checks, finding or creating the Adieu user of the upstream identity, and the SSO
 * session bound to the upstream session.
 */
export class UpstreamSignIn {
  constructor(private readonly d: FederationDeps) {}

  /**
   * Start a trip to the upstream for an interaction bound to this browser. Returns where to send the browser.
   * `reauthenticate` comes from shared-device protection (a logout on this browser that left the upstream
   * signed in).
   */
  async begin(
    connectionId: string,
    interactionId: string,
    opts: { loginHint?: string | undefined; reauthenticate: boolean },
  ): Promise<URL> {
    const client = await this.d.registry.client(connectionId);
    if (!client) throw new UpstreamError('upstream_error', 'this sign-in option does not exist');
    const state = oc.randomState();
    const nonce = oc.randomNonce();
    const codeVerifier = oc.randomPKCECodeVerifier();
    const url = await client.authorizationUrl({
      redirectUri: connectionUrls(this.d.issuer, connectionId).callback,
      state,
      nonce,
      codeVerifier,
      loginHint: opts.loginHint,
      reauthenticate: opts.reauthenticate && client.connection.reauthenticate_after_logout,
    });
    const now = this.d.now();
    await this.d.store.federation.insertRequest({
      state_digest: digest(state),
      connection_id: connectionId,
      interaction_id: interactionId,
      browser_digest: digest(interactionId),
      nonce,
      code_verifier: codeVerifier,
      created_at: now,
      expires_at: now + TRIP_TTL_MS,
    });
    return url;
  }

  /**
   * The upstream sent the browser back. Every check happens before anything is created: the trip must be this
   * browser's (its interaction cookie), for this connection (a code for another connection is a mix-up), once;
   * then openid-client validates iss, state, PKCE, the ID token and its nonce.
   */
  async callback(
    connectionId: string,
    callbackUrl: URL,
    pendingSignIns: readonly string[],
    browser: BrowserContext,
  ): Promise<CallbackOutcome> {
    const state = callbackUrl.searchParams.get('state');
    if (!state || state.length > 512)
      throw new UpstreamError('invalid_response', 'the answer has no valid state');
    const trip = await this.d.store.federation.takeRequest(digest(state), this.d.now());
    if (!trip)
      throw new UpstreamError('invalid_response', 'this sign-in was already completed or has expired');
    if (!pendingSignIns.some((id) => safeEqual(digest(id), trip.browser_digest))) {
      throw new UpstreamError('invalid_response', 'this sign-in was started in another browser');
    }
    if (trip.connection_id !== connectionId) {
      throw new UpstreamError('invalid_response', 'the answer came back to the wrong sign-in option');
    }
    const client = await this.d.registry.client(connectionId);
    if (!client) throw new UpstreamError('upstream_error', 'this sign-in option no longer exists');
    const identity = await client.complete(callbackUrl, {
      state,
      nonce: trip.nonce,
      codeVerifier: trip.code_verifier,
    });
    const connection = client.connection;
    const resolved = await this.resolveUser(connection, identity);
    if (resolved.kind === 'link_required') {
      const token = randomToken(24);
      const csrf = randomToken(16);
      await this.d.store.federation.insertPendingLink({
        token_digest: digest(token),
        connection_id: connectionId,
        interaction_id: trip.interaction_id,
        user_id: resolved.user.id,
        identity: JSON.stringify(identity),
        csrf,
        expires_at: this.d.now() + LINK_TTL_MS,
      });
      return { kind: 'link_required', token, csrf, user: resolved.user, connection };
    }
    const signed = await this.signIn(resolved.user, connection, identity, browser);
    return { kind: 'signed_in', ...signed, interactionId: trip.interaction_id };
  }

  /**
   * Find the Adieu user of an upstream identity, or create one with its own `sub`. An existing account with the
   * same email is linked only when the upstream says the email is verified AND the person then proves they own
   * the account; never silently (keycloak#53041).
   */
  private async resolveUser(
    connection: Connection,
    identity: UpstreamIdentity,
  ): Promise<{ kind: 'user'; user: UserRow } | { kind: 'link_required'; user: UserRow }> {
    const store = this.d.store;
    const now = this.d.now();
    // The usual case first: a link to a user who may sign in, its time recorded as it is found (one statement).
    // Anything else (no link, a deleted or disabled user) is read apart, and the link is left as it was.
    const touched = await store.federation.touchLinkOfActiveUser(
      connection.id,
      identity.iss,
      identity.sub,
      now,
    );
    const link = touched ?? (await store.federation.findLink(connection.id, identity.iss, identity.sub));
    if (link) {
      const user = await store.users.findById(link.user_id);
      if (!user)
        throw new UpstreamError('upstream_error', 'the account linked to this sign-in no longer exists');
      if (user.disabled) throw new UpstreamError('access_denied', 'this account is disabled');
      const changed = await this.refreshProfile(user, identity);
      if (!touched) await store.federation.touchLink(connection.id, identity.iss, identity.sub, now);
      // Read again only what was just written: an unchanged profile is the row read above.
      return { kind: 'user', user: changed ? ((await store.users.findById(user.id)) ?? user) : user };
    }
    const sameEmail = identity.email ? await this.findByEmail(identity.email) : undefined;
    if (sameEmail && identity.emailVerified && !sameEmail.disabled) {
      return { kind: 'link_required', user: sameEmail };
    }
    const user: UserRow = {
      id: `usr_${randomToken(16)}`,
      username: `${connection.id}:${identity.sub}`.slice(0, 200),
      // An address another account already uses is not copied: it would be unverified and ambiguous.
      email: sameEmail ? null : (identity.email ?? null),
      email_verified: !sameEmail && Boolean(identity.emailVerified),
      name: identity.name ?? identity.preferredUsername ?? null,
      password_hash: NO_PASSWORD,
      disabled: false,
      password_changed_at: now,
      created_at: now,
      updated_at: now,
    };
    await store.transaction(async (tx) => {
      await tx.users.insert(user);
      await tx.federation.insertLink({
        connection_id: connection.id,
        upstream_iss: identity.iss,
        upstream_sub: identity.sub,
        user_id: user.id,
        created_at: now,
        last_login_at: now,
      });
    });
    return { kind: 'user', user };
  }

  private findByEmail(email: string): Promise<UserRow | undefined> {
    return this.d.store.users.findByEmail(email);
  }

  /**
   * Profile claims follow the upstream at each sign-in; an email only when the upstream verified it. True when
   * the user's row was changed.
   */
  private async refreshProfile(user: UserRow, identity: UpstreamIdentity): Promise<boolean> {
    const patch: Partial<UserRow> = {};
    const name = identity.name ?? identity.preferredUsername;
    if (name && name !== user.name) patch.name = name;
    if (identity.email && identity.emailVerified && identity.email !== user.email) {
      const taken = await this.findByEmail(identity.email);
      if (!taken || taken.id === user.id) {
        patch.email = identity.email;
        patch.email_verified = true;
      }
    }
    if (Object.keys(patch).length === 0) return false;
    await this.d.store.users.update(user.id, { ...patch, updated_at: this.d.now() });
    return true;
  }

  /**
   * Start (or re-authenticate) this user's SSO session in the browser, bound to the upstream session. Other
   * users' accounts in the browser stay signed in (issue 19), as with a password sign-in.
   */
  async signIn(
    user: UserRow,
    connection: Connection,
    identity: UpstreamIdentity,
    browser: BrowserContext,
  ): Promise<SignedIn> {
    const result = await this.d.sessions.signIn(
      {
        userId: user.id,
        rememberMe: false,
        ip: browser.ip,
        userAgent: browser.userAgent,
        browserCookie: browser.browserCookie,
        accountsCookie: browser.sessionCookie,
      },
      {
        expired: (s) => this.d.logout.endExpired(s),
        evicted: (sessions) =>
          this.d.logout.endSessions(sessions, {
            reason: 'replaced',
            initiator: 'user',
            browserPresent: false,
          }),
      },
    );
    const client = await this.d.registry.client(connection.id);
    await this.d.store.federation.bindSession({
      sid: result.session.sid,
      connection_id: connection.id,
      upstream_iss: identity.iss,
      upstream_sub: identity.sub,
      upstream_sid: identity.sid ?? null,
      id_token: identity.idToken ?? null,
      id_token_expires_at: identity.idTokenExpiresAt ?? null,
      refresh_token: identity.refreshToken ?? null,
      end_session_endpoint: (await client?.endSessionEndpoint().catch(() => undefined)) ?? null,
      created_at: this.d.now(),
    });
    return result;
  }
}
