/**
 * A GitHub-style OAuth 2.0 upstream for federation tests: no OIDC, no ID token, no logout. Authorization (the
 * person is whoever the test says), a code exchange that checks client authentication, redirect_uri and PKCE
 * (RFC 7636 S256), and a profile endpoint (`/user`) read with the access token, shaped like GitHub's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { freePort } from '../../packages/server/src/testing/index.js';

export interface OAuth2Profile {
  id: number;
  login: string;
  name: string;
  email: string | null;
}

export interface OAuth2Upstream {
  base: string;
  /** Who signs in at the next authorization request. */
  nextUser: OAuth2Profile | 'deny';
  /** Every authorization request's query, for assertions (e.g. prompt=login). */
  authorizeRequests: URLSearchParams[];
  close(): Promise<void>;
}

export async function startOAuth2Upstream(client: {
  client_id: string;
  client_secret: string;
}): Promise<OAuth2Upstream> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const codes = new Map<string, { user: OAuth2Profile; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, OAuth2Profile>();
  const state: OAuth2Upstream = {
    base,
    nextUser: { id: 1, login: 'octo', name: 'Octo Cat', email: 'octo@github.example' },
    authorizeRequests: [],
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      state.authorizeRequests.push(q);
      const target = new URL(q.get('redirect_uri')!);
      target.searchParams.set('state', q.get('state') ?? '');
      if (state.nextUser === 'deny') target.searchParams.set('error', 'access_denied');
      else {
        const code = randomBytes(16).toString('hex');
        codes.set(code, {
          user: state.nextUser,
          challenge: q.get('code_challenge') ?? '',
          redirectUri: q.get('redirect_uri')!,
        });
        target.searchParams.set('code', code);
      }
      res.writeHead(302, { location: target.href }).end();
      return;
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = req.headers.authorization?.replace(/^Basic /, '') ?? '';
        const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent);
        if (id !== client.client_id || secret !== client.client_secret)
          return json(401, { error: 'invalid_client' });
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (!grant || grant.redirectUri !== form.get('redirect_uri') || grant.challenge !== challenge) {
          return json(400, { error: 'invalid_grant' });
        }
        const token = randomBytes(16).toString('hex');
        tokens.set(token, grant.user);
        json(200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
      });
      return;
    }
    if (url.pathname === '/user') {
      const user = tokens.get(req.headers.authorization?.replace(/^Bearer /i, '') ?? '');
      return user ? json(200, user) : json(401, { message: 'Bad credentials' });
    }
    json(404, { message: 'Not Found' });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return state;
}
