/**
 * The relying-party side, identical for both providers: discovery, PKCE, client_secret_basic, and the measured
 * flows written against the discovered endpoints. Requests go through an undici Pool (keep-alive). The userinfo
 * and introspection calls are what a resource server makes with an access token.
 */
import { createHash, randomBytes } from 'node:crypto';

export const rand = (n = 16) => randomBytes(n).toString('base64url');

export function pkce() {
  const verifier = rand(32);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** RFC 6749 §2.3.1: id and secret are form-encoded, then joined and base64-encoded. */
export function basicAuth(clientId, secret) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}

/** One request on a keep-alive pool; the body is always read so the connection can be reused. */
export async function send(pool, { path, method = 'GET', headers = {}, body }) {
  const res = await pool.request({ path, method, headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

export class RelyingParty {
  /** `meta` is the provider's discovery document. */
  constructor(meta, pool) {
    this.meta = meta;
    this.pool = pool;
    this.tokenPath = new URL(meta.token_endpoint).pathname;
    this.authorizePath = new URL(meta.authorization_endpoint).pathname;
    this.userinfoPath = meta.userinfo_endpoint && new URL(meta.userinfo_endpoint).pathname;
    this.introspectionPath = meta.introspection_endpoint && new URL(meta.introspection_endpoint).pathname;
  }

  static async discover(issuer, pool) {
    const res = await send(pool, { path: new URL('/.well-known/openid-configuration', issuer).pathname });
    if (res.status !== 200) throw new Error(`discovery at ${issuer}: HTTP ${res.status}`);
    return new RelyingParty(JSON.parse(res.text), pool);
  }

  authorizationRequest(client, { prompt, loginHint, scope = 'openid', state = rand(), nonce = rand() } = {}) {
    const { verifier, challenge } = pkce();
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: client.redirect_uris[0],
      scope,
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    if (prompt) q.set('prompt', prompt);
    if (loginHint) q.set('login_hint', loginHint);
    return {
      url: `${this.meta.authorization_endpoint}?${q}`,
      path: `${this.authorizePath}?${q}`,
      verifier,
      state,
    };
  }

  /** A form POST as `client` (client_secret_basic); the parsed JSON answer, or throws unless 200 (`what` says whose). */
  async clientPost(path, client, params, what) {
    const res = await send(this.pool, {
      path,
      method: 'POST',
      headers: {
        authorization: basicAuth(client.client_id, client.client_secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params).toString(),
    });
    if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    return JSON.parse(res.text);
  }

  /** POST to the token endpoint with client_secret_basic; throws unless 200 with an access token. */
  async token(client, params) {
    const what = `token (${params.grant_type})`;
    const json = await this.clientPost(this.tokenPath, client, params, what);
    if (!json.access_token) throw new Error(`${what}: no access_token`);
    return json;
  }

  /** The code from an authorization response Location, checking `state` came back. */
  static codeFrom(location, state) {
    const url = new URL(location);
    const code = url.searchParams.get('code');
    if (!code) throw new Error(`no code in ${location.slice(0, 300)}`);
    if (url.searchParams.get('state') !== state) throw new Error('state did not round-trip');
    return code;
  }

  exchange(client, code, verifier) {
    return this.token(client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirect_uris[0],
      code_verifier: verifier,
    });
  }

  // ---- the measured flows ----

  clientCredentials(client) {
    return this.token(client, { grant_type: 'client_credentials', scope: 'api' });
  }

  /** Refresh with rotation: `chain.rt` is replaced by the new refresh token (which must differ). */
  async refresh(client, chain) {
    const json = await this.token(client, { grant_type: 'refresh_token', refresh_token: chain.rt });
    if (!json.refresh_token || json.refresh_token === chain.rt)
      throw new Error('refresh token was not rotated');
    chain.rt = json.refresh_token;
    return json;
  }

  /** UserInfo (OIDC Core §5.3) with a bearer access token; throws unless 200 with the token's subject. */
  async userinfo(accessToken) {
    const res = await send(this.pool, {
      path: this.userinfoPath,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (res.status !== 200) throw new Error(`userinfo: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    const json = JSON.parse(res.text);
    if (!json.sub) throw new Error('userinfo: no sub');
    return json;
  }

  /**
   * RFC 7662 introspection of an access token by a resource server (`client`, client_secret_basic); throws
   * unless the token is active.
   */
  async introspect(client, token) {
    const params = { token, token_type_hint: 'access_token' };
    const json = await this.clientPost(this.introspectionPath, client, params, 'introspection');
    if (json.active !== true)
      throw new Error(`introspection: not active: ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  }

  /** Silent SSO sign-in: prompt=none with the browser's SSO cookie, then the code exchange. */
  async silentSignIn(client, cookie, scope, { loginHint } = {}) {
    const req = this.authorizationRequest(client, { prompt: 'none', scope, loginHint });
    const res = await send(this.pool, { path: req.path, headers: { cookie } });
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`silent authorization: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    }
    const code = RelyingParty.codeFrom(location, req.state);
    const json = await this.exchange(client, code, req.verifier);
    if (!json.id_token) throw new Error('silent sign-in: no id_token');
    return json;
  }
}
