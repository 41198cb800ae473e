import * as oc from 'openid-client';
import type { Connection } from './connection-config.js';
import { upstreamIssuer } from './connection-config.js';
import type { FetchLike } from './outbound-fetch.js';

/** What Adieu learned about the person from the upstream, after every check passed. */
export interface UpstreamIdentity {
  iss: string;
  sub: string;
  /** The upstream's session id (`sid` in its ID token), when it has one: the key for its logouts. */
  sid: string | undefined;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
  preferredUsername: string | undefined;
  idToken: string | undefined;
  idTokenExpiresAt: number | undefined;
  refreshToken: string | undefined;
}

/** A failure at or about the upstream, worded for the person on the error page. */
export class UpstreamError extends Error {
  constructor(
    readonly code: 'access_denied' | 'upstream_error' | 'unreachable' | 'invalid_response',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BeginOptions {
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  loginHint?: string | undefined;
  /** Shared-device protection: make the upstream ask for credentials again. */
  reauthenticate?: boolean;
}

const isLoopback = (u: string) => {
  const h = new URL(u).hostname;
  return h === 'localhost' || h === '127.0.0.1' || h === '[::1]' || h.endsWith('.localhost');
};

/**
 * One upstream provider, through openid-client (a maintained RP library): discovery, authorization with PKCE,
 * state and nonce, the code exchange with ID token and RFC 9207 `iss` validation, refresh, and end_session URLs.
 * Discovery is done once and kept; a failed discovery is retried on the next use.
 */
export class UpstreamClient {
  private config: Promise<oc.Configuration> | undefined;

  constructor(
    readonly connection: Connection,
    private readonly fetchImpl: FetchLike,
    private readonly timeoutSeconds: number,
  ) {}

  get issuer(): string {
    return upstreamIssuer(this.connection);
  }

  private configuration(): Promise<oc.Configuration> {
    this.config ??= this.load().catch((e: unknown) => {
      this.config = undefined;
      throw e;
    });
    return this.config;
  }

  private async load(): Promise<oc.Configuration> {
    const c = this.connection;
    const auth = c.client_secret ? oc.ClientSecretBasic(c.client_secret) : oc.None();
    const metadata = c.client_secret ? { client_secret: c.client_secret } : undefined;
    const insecure = (c.type === 'oidc' ? c.issuer : c.authorization_endpoint).startsWith('http:');
    // Plain http only for loopback development upstreams; anything else must be https.
    const execute = insecure && this.allLoopback() ? [oc.allowInsecureRequests] : [];
    let config: oc.Configuration;
    try {
      if (c.type === 'oidc') {
        config = await oc.discovery(new URL(c.issuer), c.client_id, metadata, auth, {
          execute,
          // Type-only: openid-client may hand a Uint8Array body, which DOM's RequestInit (lib "DOM", as the root
          // tsconfig that type-checks tests uses) refuses; outboundFetch passes it to undici, which takes it.
          [oc.customFetch]: this.fetchImpl as oc.CustomFetch,
          timeout: this.timeoutSeconds,
        });
      } else {
        config = new oc.Configuration(
          {
            issuer: this.issuer,
            authorization_endpoint: c.authorization_endpoint,
            token_endpoint: c.token_endpoint,
            userinfo_endpoint: c.userinfo_endpoint,
          },
          c.client_id,
          metadata,
          auth,
        );
        for (const e of execute) e(config);
      }
    } catch (e) {
      throw new UpstreamError('unreachable', `could not read ${c.name}'s configuration`, { cause: e });
    }
    config[oc.customFetch] = this.fetchImpl as oc.CustomFetch;
    config.timeout = this.timeoutSeconds;
    return config;
  }

  private allLoopback(): boolean {
    const c = this.connection;
    const urls =
      c.type === 'oidc' ? [c.issuer] : [c.authorization_endpoint, c.token_endpoint, c.userinfo_endpoint];
    return urls.every(isLoopback);
  }

  /** The upstream's end_session endpoint, if it has one. */
  async endSessionEndpoint(): Promise<string | undefined> {
    if (this.connection.type !== 'oidc') return undefined;
    return (await this.configuration()).serverMetadata().end_session_endpoint;
  }

  /** The upstream's JWKS URI (for its logout tokens). */
  async jwksUri(): Promise<string | undefined> {
    if (this.connection.type !== 'oidc') return undefined;
    return (await this.configuration()).serverMetadata().jwks_uri;
  }

  /** Signing algorithms the upstream says it uses for ID tokens (RS256 when it says nothing, OIDC Core §15.1). */
  async signingAlgorithms(): Promise<string[]> {
    const m = (await this.configuration()).serverMetadata();
    const algs = (m.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => a !== 'none');
    return algs.length ? algs : ['RS256'];
  }

  async authorizationUrl(o: BeginOptions): Promise<URL> {
    const config = await this.configuration();
    const params: Record<string, string> = {
      redirect_uri: o.redirectUri,
      response_type: 'code',
      state: o.state,
      code_challenge: await oc.calculatePKCECodeChallenge(o.codeVerifier),
      code_challenge_method: 'S256',
    };
    const scope = this.connection.scope;
    if (scope) params.scope = scope;
    if (this.connection.type === 'oidc') params.nonce = o.nonce;
    if (o.loginHint) params.login_hint = o.loginHint;
    if (o.reauthenticate) {
      params.prompt = 'login';
      if (this.connection.type === 'oidc') params.max_age = '0';
    }
    return oc.buildAuthorizationUrl(config, params);
  }

  /** Exchange the code and validate everything the specs ask (state, iss, PKCE, ID token, nonce). */
  async complete(
    callbackUrl: URL,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<UpstreamIdentity> {
    const config = await this.configuration();
    const error = callbackUrl.searchParams.get('error');
    if (error === 'access_denied' || error === 'login_required' || error === 'interaction_required') {
      throw new UpstreamError('access_denied', `${this.connection.name} did not sign you in`);
    }
    const oidc = this.connection.type === 'oidc';
    let tokens: Awaited<ReturnType<typeof oc.authorizationCodeGrant>>;
    try {
      tokens = await oc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        ...(oidc ? { expectedNonce: expected.nonce, idTokenExpected: true } : {}),
      });
    } catch (e) {
      throw classify(this.connection.name, e);
    }
    if (oidc) return this.fromIdToken(config, tokens);
    return this.fromProfile(config, tokens);
  }

  private async fromIdToken(
    config: oc.Configuration,
    tokens: oc.TokenEndpointResponse & oc.TokenEndpointResponseHelpers,
  ): Promise<UpstreamIdentity> {
    const claims = tokens.claims();
    if (!claims) throw new UpstreamError('invalid_response', `${this.connection.name} sent no ID token`);
    let profile: Record<string, unknown> = claims;
    if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        profile = { ...(await oc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
      } catch {
        // The ID token is authoritative; a userinfo failure only costs profile claims.
      }
    }
    return {
      iss: claims.iss,
      sub: claims.sub,
      sid: typeof claims.sid === 'string' ? claims.sid : undefined,
      email: str(profile.email),
      emailVerified: profile.email_verified === true,
      name: str(profile.name),
      preferredUsername: str(profile.preferred_username),
      idToken: tokens.id_token,
      idTokenExpiresAt: claims.exp * 1000,
      refreshToken: tokens.refresh_token,
    };
  }

  private async fromProfile(
    config: oc.Configuration,
    tokens: oc.TokenEndpointResponse,
  ): Promise<UpstreamIdentity> {
    const c = this.connection;
    if (c.type !== 'oauth2') throw new Error('unreachable');
    let profile: Record<string, unknown>;
    try {
      const res = await oc.fetchProtectedResource(
        config,
        tokens.access_token,
        new URL(c.userinfo_endpoint),
        'GET',
      );
      if (!res.ok) throw new Error(`profile endpoint answered ${res.status}`);
      profile = (await res.json()) as Record<string, unknown>;
    } catch (e) {
      throw new UpstreamError('unreachable', `could not read your profile at ${c.name}`, { cause: e });
    }
    const sub = profile[c.claims.sub];
    if (typeof sub !== 'string' && typeof sub !== 'number') {
      throw new UpstreamError('invalid_response', `${c.name} sent a profile without "${c.claims.sub}"`);
    }
    return {
      iss: this.issuer,
      sub: String(sub),
      sid: undefined,
      email: str(profile[c.claims.email]),
      // A plain OAuth 2 profile says nothing about verification unless a field is mapped for it.
      emailVerified: c.claims.email_verified ? profile[c.claims.email_verified] === true : false,
      name: str(profile[c.claims.name]),
      preferredUsername: c.claims.preferred_username ? str(profile[c.claims.preferred_username]) : undefined,
      idToken: undefined,
      idTokenExpiresAt: undefined,
      refreshToken: tokens.refresh_token,
    };
  }

  /** A fresh ID token from a stored refresh token, for an id_token_hint that must not be expired. */
  async refreshIdToken(
    refreshToken: string,
  ): Promise<{ idToken: string; expiresAt: number; refreshToken: string | undefined } | undefined> {
    try {
      const config = await this.configuration();
      const t = await oc.refreshTokenGrant(config, refreshToken);
      const claims = t.claims();
      if (!t.id_token || !claims) return undefined;
      return { idToken: t.id_token, expiresAt: claims.exp * 1000, refreshToken: t.refresh_token };
    } catch {
      return undefined;
    }
  }

  /** The URL that ends the upstream session (RP-Initiated Logout 1.0 §2). */
  async endSessionUrl(p: {
    idTokenHint?: string | undefined;
    logoutHint?: string | undefined;
    postLogoutRedirectUri: string;
    state: string;
  }): Promise<URL | undefined> {
    const config = await this.configuration();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    const params: Record<string, string> = {
      post_logout_redirect_uri: p.postLogoutRedirectUri,
      state: p.state,
    };
    if (p.idTokenHint) params.id_token_hint = p.idTokenHint;
    else {
      // Without a live ID token the spec's other way to say who and which app: client_id (+ logout_hint).
      params.client_id = this.connection.client_id;
      if (p.logoutHint) params.logout_hint = p.logoutHint;
    }
    return oc.buildEndSessionUrl(config, params);
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

function classify(name: string, e: unknown): UpstreamError {
  if (e instanceof oc.AuthorizationResponseError) {
    if (e.error === 'access_denied') return new UpstreamError('access_denied', `${name} did not sign you in`);
    return new UpstreamError('upstream_error', `${name} answered with an error (${e.error})`, { cause: e });
  }
  if (e instanceof oc.ResponseBodyError) {
    return new UpstreamError('upstream_error', `${name} refused the sign-in (${e.error})`, { cause: e });
  }
  const code = (e as { code?: string }).code;
  if (code === 'OAUTH_TIMEOUT' || e instanceof TypeError) {
    return new UpstreamError('unreachable', `${name} could not be reached`, { cause: e });
  }
  return new UpstreamError('invalid_response', `${name}'s answer did not pass the checks`, { cause: e });
}
