/**
 * A real upstream identity provider for federation tests: node-oidc-provider (code flow with PKCE, end_session,
 * back-channel logout), in this process on a free loopback port, with its development login form (any password)
 * and accounts whose claims the test chooses. Its signing key is exposed so tests can forge logout tokens.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Agent, fetch as undiciFetch } from 'undici';
import Provider from 'oidc-provider';
import { SignJWT, importJWK, type JWK } from 'jose';
import { freePort } from '../../packages/server/src/testing/index.js';

export interface UpstreamAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface UpstreamOptions {
  /** Adieu's client at the upstream. */
  client: {
    client_id: string;
    client_secret: string;
    redirect_uris: string[];
    post_logout_redirect_uris?: string[];
    backchannel_logout_uri?: string;
  };
  accounts?: Record<string, UpstreamAccount>;
  /** ID token lifetime (seconds); short to test an expired stored ID token. */
  idTokenTtl?: number;
  /**
   * Serve over HTTPS with this certificate (browser tests across sites); its issuer is then
   * `https://127.0.0.1:<port>`, a site of its own, and its outbound calls trust the same certificate.
   */
  tls?: { cert: string; key: string };
}

export interface Upstream {
  issuer: string;
  /** Sign a JWT with the upstream's real key (for forged or crafted logout tokens). */
  sign(payload: Record<string, unknown>, header?: { typ?: string; kid?: string }): Promise<string>;
  /** Back-channel deliveries the upstream attempted that failed. */
  errors: string[];
  close(): Promise<void>;
}

export async function startUpstream(o: UpstreamOptions): Promise<Upstream> {
  const port = await freePort();
  const issuer = `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...(privateKey.export({ format: 'jwk' }) as JWK),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };
  const loopback = new Agent(o.tls ? { connect: { ca: o.tls.cert } } : {});
  const errors: string[] = [];
  const accounts = o.accounts ?? {};
  const provider = new Provider(issuer, {
    clients: [
      {
        ...o.client,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        backchannel_logout_session_required: true,
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    ttl: { IdToken: o.idTokenTtl ?? 3600 },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, ...(accounts[sub] ?? {}) }),
    }),
    features: {
      devInteractions: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Configured clients get no consent screen: oidc-provider's documented recipe.
    loadExistingGrant: async (ctx) => {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile offline_access');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
    // Its default fetch refuses loopback receivers; Adieu runs on loopback in tests. oidc-provider calls it with a
    // URL or a string, never a Request (lib/helpers/fetch_request.js), though its type allows one.
    fetch: (url: string | URL | Request, options?: RequestInit) =>
      undiciFetch(url as string | URL, {
        ...(options as object),
        dispatcher: loopback,
      }) as unknown as Promise<Response>,
  });
  provider.on('backchannel.error', (_ctx: unknown, err: Error) => errors.push(err.message));
  const server: Server = o.tls
    ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, provider.callback()).listen(port, '127.0.0.1')
    : provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const key = await importJWK(jwk, 'RS256');
  return {
    issuer,
    errors,
    async sign(payload, header = {}) {
      return new SignJWT(payload)
        .setProtectedHeader({
          alg: 'RS256',
          kid: header.kid ?? jwk.kid,
          ...(header.typ ? { typ: header.typ } : {}),
        })
        .sign(key);
    },
    async close() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await loopback.close();
    },
  };
}
