import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoadedInteraction } from '../../protocol/interaction.js';
import { readParams } from '../../protocol/params.js';
import { OAuthError, invalidRequest } from '../../protocol/errors.js';
import { UpstreamError } from '../../federation/upstream-client.js';
import { LogoutTokenError } from '../../federation/upstream-logout-token.js';
import type { SignedIn } from '../../federation/federation-service.js';
import { setAccountCookies } from '../browser-cookies.js';
import { linkAccountPage, upstreamErrorPage } from '../../views/connection-pages.js';
import { errorPage } from '../../views/pages.js';
import { signedOutPage } from '../../views/logout-pages.js';
import { INTERACTION_COOKIE, REAUTH_COOKIE } from '../cookies.js';
import { closeSignInPage, sendOutcome } from '../sign-in.js';
import { isPendingSignIn, pendingSignIns } from '../../protocol/pending-sign-ins.js';
import { browserContext, noStore, sendPage, type HttpContext } from '../context.js';

type ConnParams = { Params: { id: string } };
type TokenParams = { Params: { token: string } };

/** Connections that ask the upstream to re-authenticate on this browser (shared-device protection). */
export function reauthList(req: FastifyRequest): string[] {
  const v = req.cookies[REAUTH_COOKIE];
  return v
    ? v
        .split('.')
        .filter((s) => /^[a-z0-9_-]{1,40}$/.test(s))
        .slice(0, 20)
    : [];
}

/**
 * Send the browser to an upstream provider for this interaction. Used by the login page's buttons, by
 * `connection=<id>` and by home-realm discovery.
 */
export async function startUpstreamTrip(
  ctx: HttpContext,
  req: FastifyRequest,
  reply: FastifyReply,
  it: LoadedInteraction,
  connectionId: string,
  loginHint?: string,
): Promise<FastifyReply> {
  const { p, base } = ctx;
  const client = await p.clients.get(it.payload.raw.client_id ?? '');
  const connection = (await p.connections.offeredTo(client)).find((c) => c.id === connectionId);
  if (!connection) {
    return sendPage(
      reply,
      errorPage(
        base,
        'Unknown sign-in option',
        'This sign-in option does not exist or this application does not offer it.',
      ),
      400,
    );
  }
  try {
    const url = await p.federation.begin(connectionId, it.row.id, {
      loginHint,
      reauthenticate: reauthList(req).includes(connectionId),
    });
    return reply.redirect(url.href, 303);
  } catch (e) {
    if (e instanceof UpstreamError)
      return sendPage(reply, upstreamErrorPage(base, connection.name, e.message), 502);
    throw e;
  }
}

/**
 * Upstream identity providers: the callback of a sign-in, the account-link proof, and logouts that come from
 * the upstream (back-channel and front-channel). Paths are the contract's (`<issuer>/connections/<id>/...`).
 */
export async function connectionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base, cookies } = ctx;
  const flow = p.authorization;
  const interactions = p.signInPages;
  const page = { config: { page: true } };

  app.post<ConnParams>('/interaction/:id/connection', page, async (req, reply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    const form = readParams(req.body, ['csrf', 'connection'] as const, { connection: 64 });
    interactions.checkCsrf(it, form.csrf);
    if (!form.connection) throw invalidRequest('choose a sign-in option');
    return startUpstreamTrip(ctx, req, reply, it, form.connection, it.payload.raw.login_hint);
  });

  /** Signed in: set the SSO cookies and continue the stored authorization request. */
  async function continueAfterSignIn(
    req: FastifyRequest,
    reply: FastifyReply,
    signed: SignedIn & { interactionId: string },
    connectionId: string,
  ) {
    setAccountCookies(ctx, reply, signed.accounts);
    const reauth = reauthList(req).filter((c) => c !== connectionId);
    if (reauth.length) reply.setCookie(REAUTH_COOKIE, reauth.join('.'), cookies.reauth());
    else if (req.cookies[REAUTH_COOKIE]) reply.clearCookie(REAUTH_COOKIE, cookies.clear());
    const bound = req.cookies[INTERACTION_COOKIE];
    closeSignInPage(ctx, reply, signed.interactionId);
    let it: LoadedInteraction;
    try {
      it = await interactions.load(signed.interactionId, bound, 'login');
      await interactions.finish(it);
    } catch {
      return sendPage(
        reply,
        errorPage(base, 'You are signed in', 'Return to the application and continue from there.'),
        200,
      );
    }
    if (it.payload.returnTo) return reply.redirect(`${base}${it.payload.returnTo}`, 303);
    return sendOutcome(ctx, reply, await flow.resume(it.payload, signed.session));
  }

  app.get<ConnParams>('/connections/:id/callback', page, async (req, reply) => {
    const connection = await p.connections.get(req.params.id);
    if (!connection) {
      return sendPage(
        reply,
        errorPage(base, 'Unknown sign-in option', 'This sign-in option does not exist.'),
        404,
      );
    }
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    if (query.length > 8192) throw invalidRequest('the answer is too long');
    const callbackUrl = new URL(
      `${p.issuer}/connections/${encodeURIComponent(connection.id)}/callback${query}`,
    );
    try {
      const outcome = await p.federation.callback(
        connection.id,
        callbackUrl,
        pendingSignIns(req.cookies[INTERACTION_COOKIE]),
        browserContext(req),
      );
      if (outcome.kind === 'signed_in') return await continueAfterSignIn(req, reply, outcome, connection.id);
      return sendPage(
        reply,
        linkAccountPage({
          base,
          action: `${base}/connections/link/${outcome.token}`,
          csrf: outcome.csrf,
          connectionName: outcome.connection.name,
          username: outcome.user.username,
          email: outcome.user.email ?? '',
        }),
      );
    } catch (e) {
      if (e instanceof UpstreamError) {
        const status = e.code === 'access_denied' ? 403 : e.code === 'unreachable' ? 502 : 400;
        return sendPage(reply, upstreamErrorPage(base, connection.name, e.message), status);
      }
      throw e;
    }
  });

  app.post<TokenParams>('/connections/link/:token', page, async (req, reply) => {
    const pending = await p.federation.pendingLink(req.params.token);
    if (!pending) {
      return sendPage(
        reply,
        errorPage(base, 'This link has expired', 'Nothing was linked. Start again from the application.'),
        400,
      );
    }
    const form = readParams(req.body, ['csrf', 'password'] as const, { password: 1024 });
    if (!form.csrf || form.csrf !== pending.row.csrf) {
      throw new OAuthError(
        'invalid_request',
        'the form was not sent from this page (CSRF check failed)',
        403,
      );
    }
    if (!isPendingSignIn(req.cookies[INTERACTION_COOKIE], pending.row.interaction_id)) {
      throw new OAuthError('invalid_request', 'this sign-in was started in another browser', 403);
    }
    const view = {
      base,
      action: `${base}/connections/link/${req.params.token}`,
      csrf: pending.row.csrf,
      connectionName: pending.connection.name,
      username: pending.user.username,
      email: pending.user.email ?? '',
    };
    const ip = req.ip ?? 'unknown';
    const verdict = await p.throttle.begin(pending.user.username, ip, p.now());
    if (!verdict.allowed) {
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      const wait = `Too many failed attempts. Try again in ${verdict.retryAfterSeconds} seconds.`;
      return sendPage(reply, linkAccountPage({ ...view, error: wait }), 429);
    }
    const user = form.password ? await p.users.authenticate(pending.user.username, form.password) : undefined;
    if (!user || user.id !== pending.user.id) {
      return sendPage(reply, linkAccountPage({ ...view, error: 'The password is not correct.' }), 401);
    }
    await p.throttle.succeeded(pending.user.username, ip);
    const signed = await p.federation.completeLink(req.params.token, user.id, browserContext(req));
    if (!signed) {
      return sendPage(
        reply,
        errorPage(base, 'This link was already used', 'Start again from the application.'),
        400,
      );
    }
    return continueAfterSignIn(req, reply, signed, pending.connection.id);
  });

  // The upstream ended its session and sent the browser back (RP-Initiated Logout at the upstream): go on to the
  // app's post_logout_redirect_uri (with the app's own state), or show the final page.
  app.get<ConnParams>('/connections/:id/logged-out', page, async (req, reply) => {
    const q = readParams(req.query, ['state'] as const, { state: 512 });
    const logoutId = await p.federation.upstreamLoggedOut(req.params.id, q.state);
    if (!logoutId) {
      return sendPage(
        reply,
        errorPage(
          base,
          'You are signed out',
          'This sign-out was already completed. You can close this window.',
        ),
      );
    }
    // Shared-device protection stays on: coming back here is no proof the upstream ended its session (it may have
    // let the person decline and still sent the browser back). The next sign-in through this connection asks the
    // upstream to authenticate (harmless when its session is really gone) and lifts the protection once it succeeds.
    const record = await p.logout.record(logoutId);
    if (record?.redirect_to) return reply.redirect(record.redirect_to, 303);
    const report = await p.logout.report(logoutId);
    return sendPage(reply, signedOutPage(base, report, undefined, record?.redirect_note ?? undefined));
  });

  // Back-Channel Logout 1.0 from the upstream: 200 when the token is valid (also when nothing matched), 400 with
  // a JSON error otherwise (§2.8).
  app.post<ConnParams>('/connections/:id/backchannel-logout', async (req, reply) => {
    const form = readParams(req.body, ['logout_token'] as const, { logout_token: 16_384 });
    if (!form.logout_token) throw invalidRequest('logout_token is missing');
    noStore(reply);
    try {
      const ended = await p.federation.receiveBackchannelLogout(req.params.id, form.logout_token);
      req.log.info({ connection: req.params.id, ended }, 'upstream back-channel logout');
      return reply.code(200).send();
    } catch (e) {
      if (e instanceof LogoutTokenError) throw invalidRequest(e.message);
      throw e;
    }
  });

  // Front-Channel Logout 1.0 from the upstream's iframe.
  app.get<ConnParams & { Querystring: Record<string, unknown> }>(
    '/connections/:id/frontchannel-logout',
    { config: { page: true, framable: true } },
    async (req, reply) => {
      const q = readParams(req.query, ['iss', 'sid'] as const, { iss: 2048, sid: 512 });
      await p.federation.receiveFrontchannelLogout(req.params.id, q.iss, q.sid, browserContext(req));
      noStore(reply);
      return sendPage(reply, errorPage(base, 'Signed out', 'You were signed out here too.'));
    },
  );
}
