/**
 * Child process: the floor server. Not a provider: the least a Node.js token endpoint built on jose can cost per
 * flow, measured by the same load and the same relying party as the providers, on the same core, in the same run.
 *
 * It does what a flow cannot do without — node:http, a form body, HTTP Basic client authentication, a cookie, PKCE
 * (S256), a rotated refresh token, and the same RS256 JWTs with Adieu's claims (access token `at+jwt`; ID token with
 * `at_hash`) signed by jose through WebCrypto as both providers sign; for a resource server's calls (userinfo,
 * introspection), the access token's signature and claims checked by jose — and nothing else: no framework, no logging,
 * no metrics, no CORS, no store but `Map`s, no password hash (its login form takes any password of a known user,
 * like the peer's development login), no session expiry, no logout. The bench never runs the logout parts on it.
 *
 * What a flow costs here over the signature floor is what Node.js itself (HTTP, JSON, base64url, the hand-off to
 * libuv's pool) adds to the signatures; what a provider costs over this row is its own work.
 */
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import { SignJWT, importJWK, jwtVerify } from 'jose';
import { freePort } from '../../packages/server/dist/testing/index.js';
// Adieu's own primitives for what every provider must do anyway (the cheapest forms the project has found).
import { randomToken, safeEqual } from '../../packages/server/dist/util/crypto.js';
import { leftHalfHash } from '../../packages/server/dist/protocol/jwt.js';
import { verifyPkce } from '../../packages/server/dist/protocol/pkce.js';
import { serve } from '../lib/rpc.mjs';
import { profiler } from './profiler.mjs';
import { mainThreadCpuMs, probes } from './probes.mjs';

const COOKIE = 'floor_sid';

let server;

serve({
  ...profiler,
  ...probes,
  async start(o) {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    // The run's algorithm (`--alg`), as the providers sign with it.
    const alg = o.alg ?? 'RS256';
    const { privateKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomToken(8);
    const key = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg }, alg);
    const publicKey = await importJWK({ ...createPublicKey(privateKey).export({ format: 'jwk' }), alg }, alg);
    const clients = new Map(o.clients.map((c) => [c.client_id, c]));
    const users = new Map(o.users.map((u, i) => [u.username, { ...u, sub: `user-${i + 1}` }]));
    /** SSO sessions by cookie value; codes and refresh tokens by value. */
    const sessions = new Map();
    const codes = new Map();
    const refreshTokens = new Map();

    const sign = (claims, typ, ttl) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg, kid, typ })
        .setIssuer(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(key);
    };

    /** Access token, ID token (with at_hash) and a new refresh token for a grant: the work of refresh and code. */
    async function tokens(client, grant, nonce) {
      const session = {
        sub: grant.sub,
        sid: grant.sid,
        auth_time: grant.authTime,
        acr: 'urn:adieu:acr:pwd',
        amr: ['pwd'],
      };
      const accessToken = await sign(
        {
          ...session,
          aud: `${issuer}/api`,
          client_id: client.client_id,
          scope: grant.scope,
          jti: randomUUID(),
        },
        'at+jwt',
        o.ttl.accessToken,
      );
      const idToken = await sign(
        {
          ...session,
          aud: client.client_id,
          azp: client.client_id,
          at_hash: leftHalfHash(accessToken),
          login_hint: grant.sid,
          session_persistent: false,
          ...(nonce ? { nonce } : {}),
        },
        'JWT',
        o.ttl.idToken,
      );
      const refreshToken = randomToken();
      refreshTokens.set(refreshToken, { ...grant, clientId: client.client_id });
      return {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: o.ttl.accessToken,
        scope: grant.scope,
        id_token: idToken,
        refresh_token: refreshToken,
      };
    }

    /** RFC 6749 §2.3.1 client_secret_basic, the secret compared in constant time. */
    function authenticate(header) {
      if (!header?.startsWith('Basic ')) return undefined;
      const [id, secret] = Buffer.from(header.slice(6), 'base64')
        .toString()
        .split(':')
        .map((s) => decodeURIComponent(s.replace(/\+/g, ' ')));
      const client = clients.get(id);
      return client && secret !== undefined && safeEqual(secret, client.client_secret) ? client : undefined;
    }

    async function tokenEndpoint(req, body) {
      const client = authenticate(req.headers.authorization);
      if (!client) return [401, { error: 'invalid_client' }];
      const params = new URLSearchParams(body);
      switch (params.get('grant_type')) {
        case 'client_credentials': {
          const scope = params.get('scope') ?? client.scope;
          const accessToken = await sign(
            {
              sub: client.client_id,
              aud: `${issuer}/api`,
              client_id: client.client_id,
              scope,
              jti: randomUUID(),
            },
            'at+jwt',
            o.ttl.accessToken,
          );
          return [
            200,
            { access_token: accessToken, token_type: 'Bearer', expires_in: o.ttl.accessToken, scope },
          ];
        }
        case 'refresh_token': {
          const presented = params.get('refresh_token') ?? '';
          const grant = refreshTokens.get(presented);
          if (!grant || grant.clientId !== client.client_id) return [400, { error: 'invalid_grant' }];
          refreshTokens.delete(presented);
          return [200, await tokens(client, grant)];
        }
        case 'authorization_code': {
          const code = params.get('code') ?? '';
          const grant = codes.get(code);
          codes.delete(code);
          const verifier = params.get('code_verifier') ?? '';
          if (
            !grant ||
            grant.clientId !== client.client_id ||
            grant.redirectUri !== params.get('redirect_uri') ||
            !verifyPkce(verifier, grant.challenge)
          ) {
            return [400, { error: 'invalid_grant' }];
          }
          return [200, await tokens(client, grant, grant.nonce)];
        }
        default:
          return [400, { error: 'unsupported_grant_type' }];
      }
    }

    /**
     * An access token's claims when it is one of ours (signature, issuer, typ, expiry: no store, so no revocation or
     * session check), or undefined.
     */
    async function accessTokenClaims(token) {
      try {
        return (await jwtVerify(token, publicKey, { issuer, typ: 'at+jwt', algorithms: [alg] })).payload;
      } catch {
        return undefined;
      }
    }

    /** A code for `session` back to the client's redirect URI, or undefined when the request is not valid. */
    function codeRedirect(query, session) {
      const client = clients.get(query.get('client_id') ?? '');
      const redirectUri = query.get('redirect_uri') ?? '';
      if (!client || !client.redirect_uris.includes(redirectUri)) return undefined;
      if (query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) return undefined;
      const code = randomToken();
      codes.set(code, {
        clientId: client.client_id,
        redirectUri,
        challenge: query.get('code_challenge'),
        nonce: query.get('nonce') ?? undefined,
        scope: query.get('scope') ?? 'openid',
        ...session,
      });
      const to = new URL(redirectUri);
      to.searchParams.set('code', code);
      if (query.get('state')) to.searchParams.set('state', query.get('state'));
      return to.toString();
    }

    function loginPage(query) {
      // The query is carried in one hidden field, base64url so there is nothing to escape; the bench's browser
      // submits whatever the form holds.
      const q = Buffer.from(query.toString()).toString('base64url');
      return (
        '<!doctype html><title>Sign in</title><form method="post" action="/login">' +
        `<input type="hidden" name="q" value="${q}">` +
        '<input name="username"><input name="password" type="password"><button>Sign in</button></form>'
      );
    }

    async function handle(req, res) {
      const url = new URL(req.url, issuer);
      const send = (status, json, headers = {}) => {
        const body = JSON.stringify(json);
        res.writeHead(status, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...headers,
        });
        res.end(body);
      };
      const redirect = (location, headers = {}) => {
        res.writeHead(302, { location, ...headers });
        res.end();
      };
      const readBody = async () => {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        return Buffer.concat(chunks).toString();
      };
      if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        return send(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          introspection_endpoint: `${issuer}/introspect`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
          id_token_signing_alg_values_supported: [alg],
          code_challenge_methods_supported: ['S256'],
        });
      }
      if (req.method === 'POST' && url.pathname === '/token') {
        const [status, json] = await tokenEndpoint(req, await readBody());
        return send(status, json);
      }
      if (req.method === 'GET' && url.pathname === '/userinfo') {
        const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
        const claims = m ? await accessTokenClaims(m[1]) : undefined;
        if (!claims?.scope?.split(' ').includes('openid')) return send(401, { error: 'invalid_token' });
        return send(200, { sub: claims.sub });
      }
      if (req.method === 'POST' && url.pathname === '/introspect') {
        if (!authenticate(req.headers.authorization)) return send(401, { error: 'invalid_client' });
        const claims = await accessTokenClaims(new URLSearchParams(await readBody()).get('token') ?? '');
        if (!claims) return send(200, { active: false });
        const { sub, client_id, scope, aud, exp, iat, jti, sid } = claims;
        return send(200, {
          active: true,
          token_type: 'Bearer',
          scope,
          client_id,
          sub,
          iss: issuer,
          aud,
          exp,
          iat,
          jti,
          sid,
        });
      }
      if (req.method === 'GET' && url.pathname === '/authorize') {
        const cookie = req.headers.cookie ? parseCookie(req.headers.cookie)[COOKIE] : undefined;
        const session = cookie ? sessions.get(cookie) : undefined;
        if (!session) {
          if (url.searchParams.get('prompt') === 'none') return send(400, { error: 'login_required' });
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(loginPage(url.searchParams));
        }
        const to = codeRedirect(url.searchParams, session);
        return to ? redirect(to) : send(400, { error: 'invalid_request' });
      }
      if (req.method === 'POST' && url.pathname === '/login') {
        const form = new URLSearchParams(await readBody());
        const query = new URLSearchParams(Buffer.from(form.get('q') ?? '', 'base64url').toString());
        const user = users.get(form.get('username') ?? '');
        if (!user) return send(400, { error: 'access_denied' });
        const sid = randomToken();
        const session = { sub: user.sub, sid: sid.slice(0, 22), authTime: Math.floor(Date.now() / 1000) };
        sessions.set(sid, session);
        const to = codeRedirect(query, session);
        if (!to) return send(400, { error: 'invalid_request' });
        return redirect(to, {
          'set-cookie': serializeCookie(COOKIE, sid, { httpOnly: true, sameSite: 'lax', path: '/' }),
        });
      }
      return send(404, { error: 'not_found' });
    }

    server = createServer({ keepAliveTimeout: 60_000 }, (req, res) =>
      handle(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'server_error', error_description: String(e?.message ?? e) }));
      }),
    );
    await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
    return { issuer };
  },
  counters() {
    const cpu = process.cpuUsage();
    return { queries: 0, cpuMs: (cpu.user + cpu.system) / 1000, mainMs: mainThreadCpuMs() };
  },
  async stop() {
    server?.closeAllConnections?.();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
  },
});
