import * as oidc from 'openid-client';
import { createRemoteJWKSet, customFetch as joseCustomFetch, type JWTVerifyGetKey } from 'jose';
import type { ResolvedConfig } from './config.js';
import { AdieuError } from './errors.js';
import { logoutTokenAlgorithms } from './logout-token.js';

/** What the SDK needs from the provider: openid-client's configuration (from discovery) and its keys. */
export interface ProviderInfo {
  oidc: oidc.Configuration;
  /** Verification keys from `jwks_uri`, refetched when an unknown `kid` appears (with a cooldown). */
  keys: JWTVerifyGetKey;
  endSessionEndpoint: string | undefined;
  /** The algorithms a logout token may be signed with (logout-token.ts, `logoutTokenAlgorithms`). */
  logoutTokenAlgorithms: string[];
}

/**
 * Discovery, done once on first use rather than at construction, so an app can start while its provider is
 * still starting. A failed discovery is not cached: the next request tries again.
 */
export class ProviderConnection {
  private pending: Promise<ProviderInfo> | undefined;

  constructor(private readonly config: ResolvedConfig) {}

  get(): Promise<ProviderInfo> {
    this.pending ??= this.discover().catch((e: unknown) => {
      this.pending = undefined;
      throw e;
    });
    return this.pending;
  }

  private async discover(): Promise<ProviderInfo> {
    const c = this.config;
    const auth =
      c.tokenEndpointAuthMethod === 'client_secret_post'
        ? oidc.ClientSecretPost(c.clientSecret)
        : c.tokenEndpointAuthMethod === 'client_secret_basic'
          ? oidc.ClientSecretBasic(c.clientSecret)
          : oidc.None();
    const options: oidc.DiscoveryRequestOptions = { timeout: 10 };
    if (c.allowInsecureRequests) options.execute = [oidc.allowInsecureRequests];
    // Type-only: openid-client may hand a Uint8Array body, which DOM's RequestInit (in FetchLike, under lib "DOM")
    // refuses; fetch implementations take it.
    if (c.fetch) options[oidc.customFetch] = c.fetch as oidc.CustomFetch;
    let configuration: oidc.Configuration;
    try {
      configuration = await oidc.discovery(
        new URL(c.issuer),
        c.clientId,
        c.clientSecret ? { client_secret: c.clientSecret } : undefined,
        auth,
        options,
      );
    } catch (e) {
      throw new AdieuError('discovery_failed', `could not discover ${c.issuer}: ${(e as Error).message}`, {
        cause: e,
        status: 503,
      });
    }
    if (c.fetch) configuration[oidc.customFetch] = c.fetch as oidc.CustomFetch;
    const metadata = configuration.serverMetadata();
    if (!metadata.jwks_uri) {
      throw new AdieuError('discovery_failed', `${c.issuer} publishes no jwks_uri`, { status: 503 });
    }
    const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
      timeoutDuration: 5000,
      ...(c.fetch ? { [joseCustomFetch]: c.fetch } : {}),
    });
    return {
      oidc: configuration,
      keys,
      endSessionEndpoint: metadata.end_session_endpoint,
      logoutTokenAlgorithms: logoutTokenAlgorithms(
        c.logoutToken.algorithms,
        metadata.id_token_signing_alg_values_supported,
      ),
    };
  }
}
