import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import * as oc from 'openid-client';
import type { Store } from '../store/store.js';
import type { SessionRow, SessionService } from '../domain/sessions.js';
import type { UserDirectory, UserRow } from '../domain/users.js';
import type { LogoutService } from '../logout/logout-service.js';
import type { UpstreamLogoutReport } from '../logout/report-types.js';
import type { BrowserContext } from '../protocol/authorize.js';
import { digest, randomToken, safeEqual } from '../util/crypto.js';
import { connectionUrls, upstreamIssuer, type Connection } from './connection-config.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { UpstreamError, type UpstreamIdentity } from './upstream-client.js';
import { LogoutTokenError, verifyUpstreamLogoutToken } from './upstream-logout-token.js';

/** How long a person may take at the upstream before the callback is refused. */
const TRIP_TTL_MS = 15 * 60_000;
/** How long the "prove it is your account" page stays valid. */
const LINK_TTL_MS = 10 * 60_000;
/** Users created through a connection have no password: this never verifies (see domain/passwords.ts). */
const NO_PASSWORD = '!upstream';

export interface FederationDeps {
  issuer: string;
  store: Store;
  registry: ConnectionRegistry;
  sessions: SessionService;
  users: UserDirectory;
  logout: LogoutService;
  now: () => number;
}

export type { UpstreamLogoutReport } from '../logout/report-types.js';

/** A sign-in through an upstream: the session, its cookie secret, and the browser's accounts to write. */
export type SignedIn = Awaited<ReturnType<SessionService['signIn']>>;

export type CallbackOutcome =
  | ({ kind: 'signed_in'; interactionId: string } & SignedIn)
  /** The upstream's verified email belongs to an existing account: the person must prove they own it. */
  | { kind: 'link_required'; token: string; csrf: string; user: UserRow; connection: Connection };

/**
 * Sign-in through upstream providers, and logouts that come from them. Outward logout (ending the upstream
 * session after ours) is planned by the end_session flow with `upstreamLogout()`; inward logout enters the one
 * logout path with reason `upstream`.
 */
export class FederationService {
  private readonly jwks = new Map<string, { uri: string; keys: JWTVerifyGetKey }>();

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
    const signed = await this.signIn(pending.user, pending.connection, identity, browser);
    return { ...signed, interactionId: pending.row.interaction_id };
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
    const link = await store.federation.findLink(connection.id, identity.iss, identity.sub);
    if (link) {
      const user = await store.users.findById(link.user_id);
      if (!user)
        throw new UpstreamError('upstream_error', 'the account linked to this sign-in no longer exists');
      if (user.disabled) throw new UpstreamError('access_denied', 'this account is disabled');
      await this.refreshProfile(user, identity);
      await store.federation.touchLink(connection.id, identity.iss, identity.sub, now);
      return { kind: 'user', user: (await store.users.findById(user.id)) ?? user };
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
      email_verified: !sameEmail && identity.emailVerified ? 1 : 0,
      name: identity.name ?? identity.preferredUsername ?? null,
      password_hash: NO_PASSWORD,
      disabled: 0,
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
    return this.d.store.federation.findUserByEmail(email);
  }

  /** Profile claims follow the upstream at each sign-in; an email only when the upstream verified it. */
  private async refreshProfile(user: UserRow, identity: UpstreamIdentity): Promise<void> {
    const patch: Partial<UserRow> = {};
    const name = identity.name ?? identity.preferredUsername;
    if (name && name !== user.name) patch.name = name;
    if (identity.email && identity.emailVerified && identity.email !== user.email) {
      const taken = await this.findByEmail(identity.email);
      if (!taken || taken.id === user.id) {
        patch.email = identity.email;
        patch.email_verified = 1;
      }
    }
    if (Object.keys(patch).length)
      await this.d.store.users.update(user.id, { ...patch, updated_at: this.d.now() });
  }

  /**
   * Start (or re-authenticate) this user's SSO session in the browser, bound to the upstream session. Other
   * users' accounts in the browser stay signed in (issue 19), as with a password sign-in.
   */
  private async signIn(
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

  /**
   * Back-Channel Logout 1.0 from an upstream: validate the token completely (§2.6), refuse replays, then end
   * every SSO session signed in through that upstream session (or subject) through the one logout path.
   * Returns how many sessions ended; throws LogoutTokenError for a token that must get 400.
   */
  async receiveBackchannelLogout(connectionId: string, token: string): Promise<number> {
    const client = await this.d.registry.client(connectionId);
    if (!client || client.connection.type !== 'oidc') throw new LogoutTokenError('unknown connection');
    let keys: JWTVerifyGetKey;
    let algorithms: string[];
    try {
      keys = await this.keysOf(connectionId);
      algorithms = await client.signingAlgorithms();
    } catch (e) {
      throw new LogoutTokenError("the upstream's keys could not be read", { cause: e });
    }
    const now = this.d.now();
    const valid = await verifyUpstreamLogoutToken(token, {
      issuer: client.issuer,
      audience: client.connection.client_id,
      keys,
      algorithms,
      now: Math.floor(now / 1000),
    });
    const fresh = await this.d.store.federation.rememberJti(
      digest(`${client.issuer} ${valid.jti}`),
      Math.max(valid.exp * 1000, now) + 10 * 60_000,
      now,
    );
    if (!fresh) throw new LogoutTokenError('this logout token was already used (jti replay)');
    return this.endBound(connectionId, client.issuer, {
      sid: valid.sid,
      sub: valid.sid ? undefined : valid.sub,
    });
  }

  /**
   * Front-Channel Logout 1.0 from an upstream's iframe: `iss` must be the upstream's, and `sid` names its
   * session. Without `sid` only the browser's own session (its cookie, when the frame carries it) can be meant.
   */
  async receiveFrontchannelLogout(
    connectionId: string,
    iss: string | undefined,
    sid: string | undefined,
    browser: BrowserContext,
  ): Promise<number> {
    const connection = await this.d.registry.get(connectionId);
    if (!connection) return 0;
    const issuer = upstreamIssuer(connection);
    if (iss !== undefined && iss !== issuer) return 0;
    if (sid) return this.endBound(connectionId, issuer, { sid });
    // Several accounts may share the browser: the most recently current one signed in through this upstream.
    let binding;
    for (const account of await this.d.sessions.accounts(browser.sessionCookie, (s) =>
      this.d.logout.endExpired(s),
    )) {
      binding = await this.d.store.federation.findSessionBinding(account.session.sid);
      if (binding?.connection_id === connectionId) break;
    }
    if (binding?.connection_id !== connectionId) return 0;
    return this.endBound(connectionId, issuer, {
      sid: binding.upstream_sid ?? undefined,
      sub: binding.upstream_sub,
    });
  }

  private async endBound(
    connectionId: string,
    issuer: string,
    by: { sid?: string | undefined; sub?: string | undefined },
  ): Promise<number> {
    const sids = await this.d.store.federation.liveSessionsBoundTo(connectionId, issuer, by, this.d.now());
    const sessions: SessionRow[] = [];
    for (const sid of sids) {
      const s = await this.d.store.sessions.findBySid(sid);
      if (s) sessions.push(s);
    }
    const ended = await this.d.logout.endSessions(sessions, {
      reason: 'upstream',
      initiator: 'system',
      browserPresent: false,
    });
    return ended.length;
  }

  /**
   * Record, for SSO sessions that just ended, what will happen at their upstreams, so the receipt and the logout
   * record can tell the truth about it. Only a browser that is present can be sent to the upstream's
   * end_session; a logout that came from the upstream never goes back there.
   */
  async planUpstreamLogouts(
    ended: readonly { logoutId: string; sid: string }[],
    why: { reason: string; browserPresent: boolean; federated: boolean },
  ): Promise<void> {
    if (ended.length === 0) return;
    const bindings = await this.d.store.federation.bindingsOf(ended.map((e) => e.sid));
    const now = this.d.now();
    for (const e of ended) {
      const binding = bindings.find((b) => b.sid === e.sid);
      if (!binding) continue;
      const connection = await this.d.registry.get(binding.connection_id);
      const name = connection?.name ?? binding.connection_id;
      let status = 'pending';
      let detail: string | null = null;
      if (why.reason === 'upstream') {
        status = 'not_attempted';
        detail = `the sign-out came from ${name}`;
      } else if (!connection || connection.type !== 'oidc' || !binding.end_session_endpoint) {
        status = 'not_attempted';
        detail = `${name} offers no way to sign out from here: you may still be signed in there`;
      } else if (connection.logout === 'local' && !why.federated) {
        status = 'not_attempted';
        detail = `you may still be signed in at ${name}`;
      } else if (!why.browserPresent) {
        status = 'not_attempted';
        detail = `ending the session at ${name} needs your browser: you may still be signed in there`;
      }
      await this.d.store.federation.insertUpstreamLogout({
        logout_id: e.logoutId,
        sid: e.sid,
        connection_id: binding.connection_id,
        status,
        detail,
        state_digest: null,
        created_at: now,
        updated_at: now,
      });
    }
  }

  /** The connections bound to these logouts' sessions that protect shared devices. */
  async reauthConnectionsOf(logoutIds: readonly string[]): Promise<string[]> {
    const rows = await this.d.store.federation.upstreamLogoutsOf(logoutIds);
    const out: string[] = [];
    for (const r of rows) {
      if (r.status === 'ended') continue;
      const c = await this.d.registry.get(r.connection_id);
      if (c?.reauthenticate_after_logout) out.push(c.id);
    }
    return out;
  }

  /** The upstream part of a logout, for the receipt and the logout record. */
  async upstreamReport(logoutId: string): Promise<UpstreamLogoutReport | undefined> {
    const row = await this.d.store.federation.findUpstreamLogout(logoutId);
    if (!row) return undefined;
    const connection = await this.d.registry.get(row.connection_id);
    return {
      connection_id: row.connection_id,
      name: connection?.name ?? row.connection_id,
      status: row.status as UpstreamLogoutReport['status'],
      detail: row.detail,
    };
  }

  /**
   * After the receipt: if this logout's upstream session should end, the URL that ends it (with a live ID token
   * as id_token_hint: a stored one that expired is refreshed first; without one, client_id and logout_hint).
   * An upstream that cannot be reached is recorded as not ended, and the caller lets the person go on.
   */
  async upstreamStep(
    logoutId: string,
  ): Promise<{ kind: 'redirect'; url: string } | { kind: 'unreachable'; name: string } | undefined> {
    const row = await this.d.store.federation.findUpstreamLogout(logoutId);
    if (row?.status !== 'pending' || row.state_digest) return undefined;
    const binding = await this.d.store.federation.findSessionBinding(row.sid);
    const client = await this.d.registry.client(row.connection_id);
    const now = this.d.now();
    const settle = (status: string, detail: string | null) =>
      this.d.store.federation.settleUpstreamLogout(logoutId, ['pending'], { status, detail }, now);
    if (!binding || !client) {
      await settle('not_attempted', 'the sign-in option no longer exists');
      return undefined;
    }
    const name = client.connection.name;
    let idToken = binding.id_token ?? undefined;
    if (idToken && (binding.id_token_expires_at ?? 0) <= now + 30_000) {
      idToken = undefined;
      // keycloak#10164: an expired hint breaks upstream logout. Refresh it while the refresh token still works.
      const fresh = binding.refresh_token ? await client.refreshIdToken(binding.refresh_token) : undefined;
      if (fresh) {
        idToken = fresh.idToken;
        await this.d.store.federation.updateTokens(binding.sid, {
          id_token: fresh.idToken,
          id_token_expires_at: fresh.expiresAt,
          refresh_token: fresh.refreshToken ?? binding.refresh_token,
        });
      }
    }
    const state = oc.randomState();
    let url: URL | undefined;
    try {
      url = await client.endSessionUrl({
        idTokenHint: idToken,
        logoutHint: binding.upstream_sub,
        postLogoutRedirectUri: connectionUrls(this.d.issuer, client.connection.id).loggedOut,
        state,
      });
      if (url) await this.d.registry.probe(url);
    } catch {
      await settle('not_ended', `${name} did not answer: you may still be signed in there`);
      return { kind: 'unreachable', name };
    }
    if (!url) {
      await settle(
        'not_attempted',
        `${name} offers no way to sign out from here: you may still be signed in there`,
      );
      return undefined;
    }
    const moved = await this.d.store.federation.settleUpstreamLogout(
      logoutId,
      ['pending'],
      { status: 'pending', detail: null, state_digest: digest(state) },
      now,
    );
    return moved ? { kind: 'redirect', url: url.href } : undefined;
  }

  /** The upstream sent the browser back to `logged-out`: its session ended. Returns the logout it belonged to. */
  async upstreamLoggedOut(connectionId: string, state: string | undefined): Promise<string | undefined> {
    if (!state || state.length > 512) return undefined;
    const row = await this.d.store.federation.findUpstreamLogoutByState(digest(state));
    if (row?.connection_id !== connectionId) return undefined;
    const ok = await this.d.store.federation.settleUpstreamLogout(
      row.logout_id,
      ['pending'],
      { status: 'ended', detail: null, state_digest: null },
      this.d.now(),
    );
    return ok ? row.logout_id : undefined;
  }

  /** The upstream's keys: refetched on an unknown kid, at most every 30 s (jose's cooldown). */
  private async keysOf(connectionId: string): Promise<JWTVerifyGetKey> {
    const client = await this.d.registry.client(connectionId);
    const uri = await client?.jwksUri();
    if (!client || !uri) throw new Error('the upstream publishes no jwks_uri');
    const known = this.jwks.get(connectionId);
    if (known?.uri === uri) return known.keys;
    const keys = createRemoteJWKSet(new URL(uri), {
      cooldownDuration: 30_000,
      timeoutDuration: 5_000,
      [customFetch]: (url: string, init: RequestInit) => this.d.registry.fetch(url, init),
    });
    this.jwks.set(connectionId, { uri, keys });
    return keys;
  }
}
