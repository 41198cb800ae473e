import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { html, type SafeHtml } from '../../views/html.js';
import { consoleMessagePage, consolePage } from '../../views/admin/layout.js';
import { ACTIONS, PAGES } from '../../admin/console-pages.js';
import { ApiError, FLASH, type ConsoleContext } from '../../admin/console-types.js';
import { CONSOLE_CLIENT_ID, authenticateAdmin } from '../../admin/admin-auth.js';
import { ensureConsoleClient } from '../../admin/console-client.js';
import { OAuthError } from '../../protocol/errors.js';
import { s256Challenge } from '../../protocol/pkce.js';
import { randomToken, safeEqual } from '../../util/crypto.js';
import type { ConsoleLogin, ConsoleSession } from '../../admin/console-sessions.js';
import { sendPage, type HttpContext } from '../context.js';

const STATIC_DIR = fileURLToPath(new URL('../../../static/', import.meta.url));
const SESSION_COOKIE = 'adieu_console';
const LOGIN_COOKIE = 'adieu_console_login';
const LOGIN_TTL = 10 * 60_000;

/**
 * The web console at /admin (issue 16). It is an OIDC client of this very provider (code + PKCE, the built-in
 * client `adieu-console`), admits only users with the admin role, and does everything through the documented
 * admin API, called in-process with the signed-in admin's own access token (API parity; the audit log sees the
 * person and their address). Server-rendered, no script; every POST carries the session's CSRF token.
 */
export async function adminConsoleRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base } = ctx;
  await ensureConsoleClient(p);
  const css = readFileSync(`${STATIC_DIR}console.css`);
  const secure = p.issuer.startsWith('https:');
  const cookiePath = `${base}/admin`;
  const cookie = (maxAgeMs?: number) => ({
    path: cookiePath,
    httpOnly: true,
    secure,
    sameSite: 'lax' as const,
    ...(maxAgeMs !== undefined ? { maxAge: Math.floor(maxAgeMs / 1000) } : {}),
  });
  const redirectUri = `${p.issuer.replace(/\/$/, '')}/admin/callback`;
  const page = { config: { page: true } };

  app.get('/admin/assets/console.css', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(css),
  );

  /** Anonymous (or expired): sign in through the provider itself, then come back to `returnTo`. */
  async function startLogin(reply: FastifyReply, returnTo: string) {
    const payload: ConsoleLogin = {
      state: randomToken(16),
      verifier: randomToken(32),
      nonce: randomToken(16),
      returnTo: returnTo.startsWith(`${base}/admin`) ? returnTo : `${base}/admin`,
    };
    const id = await p.consoleSessions.startLogin(payload, LOGIN_TTL);
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: CONSOLE_CLIENT_ID,
      redirect_uri: redirectUri,
      scope: 'openid profile admin',
      state: payload.state,
      nonce: payload.nonce,
      code_challenge: s256Challenge(payload.verifier),
      code_challenge_method: 'S256',
    });
    return reply.setCookie(LOGIN_COOKIE, id, cookie(LOGIN_TTL)).redirect(`${base}/authorize?${q}`, 303);
  }

  async function currentSession(req: FastifyRequest) {
    const s = await p.consoleSessions.session(req.cookies[SESSION_COOKIE]);
    return s && { row: { id_digest: s.idDigest, csrf: s.csrf }, payload: s.session };
  }

  function context(
    req: FastifyRequest,
    s: { row: { csrf: string }; payload: ConsoleSession },
    params: Record<string, string>,
  ): ConsoleContext {
    return {
      base,
      csrf: s.row.csrf,
      user: s.payload.username,
      params,
      query: Object.fromEntries(
        Object.entries((req.query ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : undefined,
        ]),
      ),
      async api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
        const res = await app.inject({
          method,
          url: `${base}${path}`,
          remoteAddress: req.ip,
          headers: {
            authorization: `Bearer ${s.payload.token}`,
            'user-agent': req.headers['user-agent'] ?? 'adieu-console',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
        });
        const json = res.body ? (JSON.parse(res.body) as Record<string, string>) : undefined;
        if (res.statusCode >= 400) {
          throw new ApiError(
            res.statusCode,
            json?.error ?? 'error',
            json?.error_description ?? `the API answered ${res.statusCode}`,
          );
        }
        return json as T;
      },
    };
  }

  const nav = PAGES.filter((x) => x.nav).map((x) => ({ path: x.path, title: x.nav! }));

  function frame(c: ConsoleContext, title: string, current: string, body: SafeHtml, flash?: string) {
    const text = flash ? FLASH[flash] : undefined;
    return consolePage({
      base,
      title,
      current,
      nav,
      user: c.user,
      csrf: c.csrf,
      body,
      flash: text ? { kind: 'ok', text } : undefined,
    });
  }

  /** A failed API call as a page: the API's words, its status, and a way back. Never a 500 for bad input. */
  function failure(reply: FastifyReply, e: unknown, back: string) {
    if (!(e instanceof ApiError)) throw e;
    return sendPage(
      reply,
      consoleMessagePage(
        base,
        e.status === 404 ? 'Not found' : 'That did not work',
        html`<p role="alert">${e.description}</p>
          <p class="muted">Error code: <code>${e.error}</code> (HTTP ${e.status}). Nothing was changed.</p>
          <p><a href="${back}">Go back</a></p>`,
      ),
      e.status >= 500 ? 502 : e.status,
    );
  }

  app.get('/admin', page, async (req, reply) => {
    const s = await currentSession(req);
    if (!s) return startLogin(reply, `${base}/admin`);
    return reply.redirect(`${base}/admin/users`, 303);
  });

  app.get('/admin/callback', page, async (req, reply) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const started = await p.consoleSessions.login(req.cookies[LOGIN_COOKIE]);
    const login = started?.login;
    reply.clearCookie(LOGIN_COOKIE, { path: cookiePath });
    if (!started || !login || typeof q.state !== 'string' || !safeEqual(q.state, login.state)) {
      return startLogin(reply, `${base}/admin`);
    }
    if (!(await p.consoleSessions.take(started.idDigest))) return startLogin(reply, login.returnTo);
    if (typeof q.error === 'string' || typeof q.code !== 'string') {
      return sendPage(
        reply,
        consoleMessagePage(
          base,
          'Sign-in did not finish',
          html`<p role="alert">${String(q.error_description ?? q.error ?? 'no code')}</p>
            <p><a href="${base}/admin">Try again</a></p>`,
        ),
        400,
      );
    }
    const res = await app.inject({
      method: 'POST',
      url: `${base}/token`,
      remoteAddress: req.ip,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        code: q.code,
        redirect_uri: redirectUri,
        client_id: CONSOLE_CLIENT_ID,
        code_verifier: login.verifier,
      }).toString(),
    });
    const tokens = JSON.parse(res.body) as { access_token?: string; id_token?: string; expires_in?: number };
    if (res.statusCode !== 200 || !tokens.access_token || !tokens.id_token)
      return startLogin(reply, login.returnTo);
    const claims = await p.signer.verifyOwn(tokens.id_token, { nowMs: p.now() });
    if (claims.aud !== CONSOLE_CLIENT_ID || claims.nonce !== login.nonce)
      return startLogin(reply, login.returnTo);
    const user = await p.users.find(String(claims.sub));
    try {
      // The same rule as every admin API call: the person must hold the admin role.
      await authenticateAdmin(p, tokens.access_token);
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e;
      return sendPage(
        reply,
        consoleMessagePage(
          base,
          'You cannot use the console',
          html`<p role="alert">
              You are signed in as <strong>${user?.username ?? 'this user'}</strong>, who does not have the
              <code>admin</code> role.
            </p>
            <p>
              An administrator can grant it in the console (Users), with the API (<code
                >PUT /api/v1/users/{user}/roles/admin</code
              >) or with <code>adieu user grant --username ${user?.username ?? 'NAME'} --role admin</code>.
            </p>`,
        ),
        403,
      );
    }
    const ttl = (tokens.expires_in ?? 300) * 1000;
    const sid = await p.consoleSessions.open(
      user?.id ?? null,
      { token: tokens.access_token, username: user?.username ?? String(claims.sub) },
      ttl,
    );
    return reply.setCookie(SESSION_COOKIE, sid, cookie(ttl)).redirect(login.returnTo, 303);
  });

  app.post('/admin/signout', page, async (req, reply) => {
    const s = await currentSession(req);
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (s && typeof form.csrf === 'string' && safeEqual(form.csrf, s.row.csrf)) {
      await p.consoleSessions.take(s.row.id_digest);
    }
    reply.clearCookie(SESSION_COOKIE, { path: cookiePath });
    return sendPage(
      reply,
      consoleMessagePage(
        base,
        'Signed out of the console',
        html`<p>
            Your Adieu sign-in itself is still active; sign out of it at your apps or your account page.
          </p>
          <p><a href="${base}/admin">Open the console again</a></p>`,
      ),
    );
  });

  app.get('/admin/signed-out', page, async (_req, reply) => reply.redirect(`${base}/admin`, 303));

  for (const pg of PAGES) {
    app.get<{ Params: Record<string, string> }>(pg.path, page, async (req, reply) => {
      const s = await currentSession(req);
      if (!s) return startLogin(reply, req.url);
      const c = context(req, s, req.params);
      try {
        const body = await pg.render(c);
        const title = typeof pg.title === 'string' ? pg.title : pg.title(c);
        const flash = typeof c.query.flash === 'string' ? c.query.flash : undefined;
        return sendPage(reply, frame(c, title, pg.path, body, flash));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return startLogin(reply, req.url);
        return failure(reply, e, `${base}${pg.nav ? pg.path : '/admin'}`);
      }
    });
  }

  for (const action of ACTIONS) {
    app.post<{ Params: Record<string, string> }>(action.path, page, async (req, reply) => {
      const s = await currentSession(req);
      const form = Object.fromEntries(
        Object.entries((req.body ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : undefined,
        ]),
      );
      // CSRF: the session's token in the form, and what the browser says about where the form came from
      // (Sec-Fetch-Site; Origin, which is "null" under our no-referrer policy, so only a real other origin counts).
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      const sameOrigin =
        (!origin || origin === 'null' || origin === new URL(p.issuer).origin) &&
        (site === undefined || site === 'same-origin');
      if (!s || !form.csrf || !safeEqual(form.csrf, s.row.csrf) || !sameOrigin) {
        return sendPage(
          reply,
          consoleMessagePage(
            base,
            'This form has expired',
            html`<p role="alert">
                The form was not sent from an open console page (its security token is missing, wrong or from
                an earlier sign-in). Nothing was changed.
              </p>
              <p><a href="${base}/admin">Open the console</a></p>`,
          ),
          403,
        );
      }
      const c = context(req, s, req.params);
      try {
        const r = await action.run(c, form);
        if ('redirect' in r) {
          return reply.redirect(
            `${base}${r.redirect}${r.flash ? `${r.redirect.includes('?') ? '&' : '?'}flash=${r.flash}` : ''}`,
            303,
          );
        }
        return sendPage(reply, frame(c, r.title, action.path, r.page));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return startLogin(reply, `${base}/admin`);
        return failure(reply, e, `${base}/admin`);
      }
    });
  }
}
