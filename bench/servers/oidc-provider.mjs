/**
 * Child process: oidc-provider (npm, the peer) configured to do the same work as Adieu: RS256 keys, the same
 * TTLs, client_secret_basic, refresh tokens bound to the session and rotated on every use, no consent for
 * configured clients, back-channel logout with the same per-request timeout. Storage is a Map adapter whose
 * calls are counted, or (`storage: 'redis'`) a Redis adapter, as the peer is deployed when its state must outlive
 * the process.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import Provider from 'oidc-provider';
import { freePort } from '../../packages/server/dist/testing/index.js';
import { createMapAdapter } from './map-adapter.mjs';
import { createRedisAdapter } from './redis-adapter.mjs';
import { serve } from '../lib/rpc.mjs';
import { profiler } from './profiler.mjs';
import { mainThreadCpuMs, probes } from './probes.mjs';

let server;
let adapter;
let loopback;

serve({
  ...profiler,
  ...probes,
  async start(o) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    if (o.storage === 'redis') {
      // A prefix of this process's own: the run's keys are removed at stop, and nothing else on the server is.
      adapter = createRedisAdapter(
        o.redisUrl,
        `adieu-bench:${process.pid}:${randomBytes(4).toString('hex')}:`,
      );
      await adapter.connect();
    } else {
      adapter = createMapAdapter();
    }
    // The run's algorithm (`--alg`): ID tokens follow the clients' id_token_signed_response_alg, which the bench
    // sets to it, and JWT access tokens the resource server's sign alg below.
    const alg = o.alg ?? 'RS256';
    const { privateKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = {
      ...privateKey.export({ format: 'jwk' }),
      kid: randomBytes(8).toString('hex'),
      alg,
      use: 'sig',
    };
    // Its default fetch pins a 2.5 s timeout and an SSRF-guarded dispatcher that refuses loopback receivers. The
    // documented `fetch` option replaces both: the same per-request timeout as Adieu, an agent that may reach
    // 127.0.0.1, and the same connection pool size per origin as Adieu's back-channel sender.
    loopback = new Agent({ connections: 64 });
    const timeoutMs = o.backchannelTimeoutSeconds * 1000;
    const resource = `${issuer}/api`;
    const jwtAccessTokens = o.accessTokenFormat === 'jwt';

    const provider = new Provider(issuer, {
      adapter: adapter.Adapter,
      // Its schema refuses response_types without the authorization_code grant (Adieu requires one; both ignore it).
      clients: o.clients.map((c) =>
        c.grant_types.includes('authorization_code') ? c : { ...c, response_types: [] },
      ),
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      scopes: ['openid', 'offline_access', 'api'],
      ttl: {
        AccessToken: o.ttl.accessToken,
        ClientCredentials: o.ttl.accessToken,
        AuthorizationCode: o.ttl.code,
        IdToken: o.ttl.idToken,
        RefreshToken: o.ttl.refreshToken,
        Grant: o.ttl.refreshToken,
        Session: o.ttl.session,
        Interaction: 1800,
      },
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
      features: {
        devInteractions: { enabled: true },
        clientCredentials: { enabled: true },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        // Adieu: any confidential client may introspect (RFC 7662 §2.1 leaves the policy to the server).
        introspection: {
          enabled: true,
          allowedPolicy: async (_ctx, client) => client.clientAuthMethod !== 'none',
        },
        // Adieu issues RFC 9068 JWT access tokens; with resource indicators oidc-provider does too.
        resourceIndicators: jwtAccessTokens
          ? {
              enabled: true,
              defaultResource: async () => resource,
              useGrantedResource: async () => true,
              getResourceServerInfo: async () => ({
                scope: 'api',
                audience: issuer,
                accessTokenTTL: o.ttl.accessToken,
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg } },
              }),
            }
          : { enabled: false },
      },
      // Adieu: refresh tokens for every client allowed the grant, bound to the SSO session, rotated on each use.
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: () => true,
      // Adieu: configured clients get no consent screen. This is oidc-provider's documented recipe for that.
      loadExistingGrant: async (ctx) => {
        const grantId =
          ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client.clientId,
          accountId: ctx.oidc.session.accountId,
        });
        grant.addOIDCScope('openid offline_access');
        if (jwtAccessTokens) grant.addResourceScope(resource, 'api');
        await grant.save();
        return grant;
      },
      fetch: (url, options) =>
        undiciFetch(url, { ...options, dispatcher: loopback, signal: AbortSignal.timeout(timeoutMs) }),
    });
    // Back-channel failures would otherwise be silent: surface them to the parent.
    provider.on('backchannel.error', (_ctx, err) =>
      process.stderr.write(`backchannel.error: ${err.message}\n`),
    );
    provider.on('server_error', (_ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
    server = provider.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { issuer };
  },
  counters() {
    const cpu = process.cpuUsage();
    return { ...adapter.counters(), cpuMs: (cpu.user + cpu.system) / 1000, mainMs: mainThreadCpuMs() };
  },
  async stop() {
    server?.closeAllConnections?.();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
    await loopback?.close();
    if (adapter?.clear) {
      await adapter.clear();
      await adapter.close();
    }
  },
});
