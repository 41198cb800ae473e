/**
 * Child process: an upstream OpenID provider for the federation bench (issue 13), node-oidc-provider with its
 * development login form (any password), a Map adapter, and Adieu registered as its client "adieu". It runs in a
 * process of its own so that its CPU is never counted as Adieu's. It also signs back-channel logout tokens with
 * its real key, before a timed run, for the intake measurement.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, importJWK } from 'jose';
import { freePort } from '../../packages/server/dist/testing/index.js';
import { createMapAdapter } from './map-adapter.mjs';
import { serve } from '../lib/rpc.mjs';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let server;
let adapter;
let key;
let kid;
let issuer;

serve({
  /** `o.client`: Adieu's client at this upstream (id, secret, redirect URIs). */
  async start(o) {
    const port = o.port ?? (await freePort());
    issuer = `http://127.0.0.1:${port}`;
    adapter = createMapAdapter();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    kid = randomBytes(8).toString('hex');
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    key = await importJWK(jwk, 'RS256');
    const provider = new Provider(issuer, {
      adapter: adapter.Adapter,
      clients: [
        {
          ...o.client,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      scopes: ['openid', 'email', 'profile'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // Every login name is an account; its claims are made from the name.
      findAccount: async (_ctx, sub) => ({
        accountId: sub,
        claims: async () => ({
          sub,
          name: `Upstream ${sub}`,
          email: `${sub}@upstream.example`,
          email_verified: true,
        }),
      }),
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      // Its own client (Adieu) gets no consent screen: oidc-provider's documented recipe.
      loadExistingGrant: async (ctx) => {
        const grantId =
          ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client.clientId,
          accountId: ctx.oidc.session.accountId,
        });
        grant.addOIDCScope('openid email profile');
        grant.addOIDCClaims(['email', 'email_verified', 'name']);
        await grant.save();
        return grant;
      },
    });
    provider.on('server_error', (_ctx, err) => process.stderr.write(`upstream server_error: ${err.stack}\n`));
    server = provider.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { issuer };
  },
  counters() {
    const cpu = process.cpuUsage();
    return { cpuMs: (cpu.user + cpu.system) / 1000 };
  },
  /**
   * Back-Channel Logout 1.0 tokens for `aud`, one per item (`{ sub, sid }`; `sid` may be null), each with its own
   * `jti`, valid for 120 s from now: what this upstream would send when those sessions end.
   */
  async logoutTokens({ aud, items }) {
    const now = Math.floor(Date.now() / 1000);
    return Promise.all(
      items.map(({ sub, sid }) =>
        new SignJWT({
          sub,
          ...(sid ? { sid } : {}),
          events: { [BACKCHANNEL_EVENT]: {} },
          jti: randomUUID(),
        })
          .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
          .setIssuer(issuer)
          .setAudience(aud)
          .setIssuedAt(now)
          .setExpirationTime(now + 120)
          .sign(key),
      ),
    );
  },
  async stop() {
    server?.closeAllConnections?.();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  },
});
