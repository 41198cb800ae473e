import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { BrowserContext } from '../protocol/authorize.js';
import { digest } from '../util/crypto.js';
import { upstreamIssuer } from './connection-config.js';
import { LogoutTokenError, verifyUpstreamLogoutToken } from './upstream-logout-token.js';
import type { FederationDeps } from './federation-types.js';

/**
 * Logouts that come from an upstream provider (inward): Back-Channel Logout tokens and front-channel requests
 * end every SSO session signed in through that upstream session, through the one logout path (reason
 * `upstream`).
 */
export class InwardLogout {
  private readonly jwks = new Map<string, { uri: string; keys: JWTVerifyGetKey }>();

  constructor(private readonly d: FederationDeps) {}

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
    const sessions = await this.d.store.federation.liveSessionsBoundTo(
      connectionId,
      issuer,
      by,
      this.d.now(),
    );
    const ended = await this.d.logout.endSessions(sessions, {
      reason: 'upstream',
      initiator: 'system',
      browserPresent: false,
    });
    return ended.length;
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
