/**
 * An issuer whose keys the test holds, to forge logout tokens the real provider never produces (expired, no
 * jti, with a nonce, wrong typ, ...). It serves only a discovery document and a JWKS: enough for an app to
 * trust its keys. A valid token from it must be accepted (the control case), so a refusal proves the check.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface TestIssuer {
  issuer: string;
  /** Sign a logout token for `aud`; `claims` override the defaults, `undefined` removes a claim. */
  logoutToken(
    aud: string,
    claims: Record<string, unknown>,
    options?: { typ?: string | undefined; key?: 'rs256' | 'es256' | 'attacker'; alg?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const rs = await generateKeyPair('RS256', { extractable: true });
  const es = await generateKeyPair('ES256', { extractable: true });
  // Same kid as the real key, other private key: a forged signature, not an unknown key.
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const jwks = {
    keys: [
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ],
  };
  let issuer = '';
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            end_session_endpoint: `${issuer}/end_session`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
          }
        : req.url === '/jwks'
          ? jwks
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  issuer = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    issuer,
    async logoutToken(aud, claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        aud,
        iat: now,
        exp: now + 120,
        jti: randomBytes(16).toString('base64url'),
        events: { [LOGOUT_EVENT]: {} },
        ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      const which = options.key ?? 'rs256';
      const key: CryptoKey =
        which === 'es256' ? es.privateKey : which === 'attacker' ? attacker.privateKey : rs.privateKey;
      const alg = options.alg ?? (which === 'es256' ? 'ES256' : 'RS256');
      const header: Record<string, string> = { alg, kid: which === 'es256' ? 'es-1' : 'rs-1' };
      const typ = 'typ' in options ? options.typ : 'logout+jwt';
      if (typ !== undefined) header.typ = typ;
      return new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string }).sign(key);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
