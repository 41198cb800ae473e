import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationFlow } from '../../protocol/authorize.js';
import {
  hintMatchesSession,
  parseEndSessionRequest,
  postLogoutTarget,
  requireHintError,
  type LogoutConfirmationPayload,
} from '../../protocol/end-session.js';
import { OAuthError } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import type { SessionRow } from '../../domain/sessions.js';
import type { Initiator, LogoutReason } from '../../logout/logout-service.js';
import { randomToken, safeEqual } from '../../util/crypto.js';
import { confirmLogoutPage, signedOutPage, stillSignedInPage } from '../../views/logout-pages.js';
import { sendReceipt } from '../receipt.js';
import { pageLang } from '../../views/layout.js';
import { BROWSER_STATE_COOKIE, SESSION_COOKIE } from '../cookies.js';
import { browserContext, noStore, sendPage, type HttpContext } from '../context.js';

type ReceiptParams = { Params: { id: string }; Querystring: { t?: string } };

/** RP-Initiated Logout (end_session), its confirmation, and the live receipt that follows. */
export async function endSessionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base, cookies } = ctx;
  const flow = new AuthorizationFlow(p);
  const page = { config: { page: true } };

  /** Nothing to end (already signed out): logout is idempotent, so go where the RP asked, or say so. */
  const alreadySignedOut = (reply: FastifyReply, target: string | undefined, lang?: string) => {
    reply.clearCookie(SESSION_COOKIE, cookies.clear());
    if (target) return reply.redirect(target, 303);
    return sendPage(reply, signedOutPage(base, undefined, lang));
  };

  const endSession = async (req: FastifyRequest, reply: FastifyReply) => {
    const request = await parseEndSessionRequest(p, req.method === 'POST' ? req.body : req.query);
    const target = postLogoutTarget(request);
    const lang = pageLang(request.uiLocales);
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (!session) return alreadySignedOut(reply, target, lang);
    if (hintMatchesSession(request, session)) {
      return performLogout(reply, session, {
        reason: 'rp',
        initiator: 'rp',
        clientId: request.client?.id,
        target,
        lang,
      });
    }
    if (p.config.logout.require_id_token_hint) throw requireHintError();
    // No proof that this browser's user meant to sign out: ask (a cross-site GET must not log anyone out).
    const payload: LogoutConfirmationPayload = {
      sid: session.sid,
      clientId: request.client?.id,
      redirectTo: target,
    };
    const now = p.now();
    const id = randomToken(24);
    const csrf = randomToken(24);
    await p.store.interactions.insert({
      id,
      kind: 'logout',
      payload: JSON.stringify(payload),
      csrf,
      created_at: now,
      expires_at: now + 30 * 60_000,
    });
    const [plan] = await p.logout.plan([session]);
    const user = await p.store.users.findById(session.user_id);
    return sendPage(
      reply,
      confirmLogoutPage({
        base,
        csrf,
        interactionId: id,
        userName: user?.name ?? user?.username ?? 'you',
        apps: plan?.participants.map((x) => x.clientName) ?? [],
        lang,
      }),
    );
  };
  app.get('/end_session', page, endSession);
  app.post('/end_session', page, endSession);

  app.post('/end_session/confirm', page, async (req, reply) => {
    const form = readParams(req.body, ['csrf', 'interaction', 'confirm'] as const, { interaction: 64 });
    const row = form.interaction ? await p.store.interactions.find(form.interaction, p.now()) : undefined;
    if (!row || row.kind !== 'logout' || !form.csrf || !safeEqual(form.csrf, row.csrf)) {
      throw new OAuthError(
        'invalid_request',
        'this sign-out page has expired or was not sent from this provider',
        403,
      );
    }
    const payload = JSON.parse(row.payload) as LogoutConfirmationPayload;
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (form.confirm !== 'yes') {
      await p.store.interactions.take(row.id);
      const user = session ? await p.store.users.findById(session.user_id) : undefined;
      if (!session) return alreadySignedOut(reply, undefined);
      return sendPage(reply, stillSignedInPage(base, user?.name ?? user?.username ?? ''));
    }
    if (!(await p.store.interactions.take(row.id)) || !session || session.sid !== payload.sid) {
      return alreadySignedOut(reply, payload.redirectTo);
    }
    return performLogout(reply, session, {
      reason: payload.clientId ? 'rp' : 'user',
      initiator: payload.clientId ? 'rp' : 'user',
      clientId: payload.clientId,
      target: payload.redirectTo,
    });
  });

  async function performLogout(
    reply: FastifyReply,
    session: SessionRow,
    o: {
      reason: LogoutReason;
      initiator: Initiator;
      clientId?: string | undefined;
      target?: string | undefined;
      lang?: string;
    },
  ) {
    const [ended] = await p.logout.endSessions([session], {
      reason: o.reason,
      initiator: o.initiator,
      initiatorClientId: o.clientId,
      redirectTo: o.target,
      browserPresent: true,
    });
    reply.clearCookie(SESSION_COOKIE, cookies.clear());
    // Session Management: the browser state changes at logout, so RPs polling check_session see "changed".
    reply.setCookie(BROWSER_STATE_COOKIE, randomToken(16), cookies.browserState());
    if (!ended) return alreadySignedOut(reply, o.target, o.lang);
    return sendReceipt(ctx, reply, {
      logouts: [{ ended }],
      redirect: Boolean(o.target),
      thisBrowser: true,
      lang: o.lang,
    });
  }

  const checkReceipt = async (req: FastifyRequest<ReceiptParams>) => {
    // A repeated `t` arrives as an array: that is no valid token either.
    const t = typeof req.query.t === 'string' ? req.query.t : undefined;
    const record = await p.logout.findForReceipt(req.params.id, t);
    if (!record) throw new OAuthError('not_found', 'no such logout receipt', 404);
    return record;
  };

  app.get<ReceiptParams>('/end_session/receipt/:id', async (req, reply) => {
    const report = await p.logout.report(await checkReceipt(req));
    return noStore(reply).send({
      complete: report!.complete,
      receipt_ready: report!.receipt_ready,
      participants: report!.participants.map((x) => ({
        client_id: x.client_id,
        client_name: x.client_name,
        signed_out: x.signed_out,
        text: x.text,
        channels: {
          ...(x.channels.frontchannel ? { frontchannel: x.channels.frontchannel } : {}),
          ...(x.channels.backchannel
            ? {
                backchannel: {
                  status: x.channels.backchannel.status,
                  attempts: x.channels.backchannel.attempts,
                  last_error: x.channels.backchannel.last_error,
                },
              }
            : {}),
          ...(x.channels.push ? { push: x.channels.push } : {}),
        },
      })),
    });
  });

  app.post<ReceiptParams>('/end_session/receipt/:id/frontchannel', async (req, reply) => {
    await checkReceipt(req);
    const body = req.body as { results?: unknown } | undefined;
    const results = Array.isArray(body?.results) ? body.results.slice(0, 200) : [];
    for (const r of results as { client_id?: unknown; status?: unknown; detail?: unknown }[]) {
      if (typeof r?.client_id !== 'string') continue;
      const status = r.status;
      if (status !== 'acknowledged' && status !== 'reached' && status !== 'timeout' && status !== 'failed')
        continue;
      const detail = typeof r.detail === 'string' ? r.detail.slice(0, 200) : null;
      await p.logout.recordFrontchannel(req.params.id, r.client_id, status, detail);
    }
    return reply.code(204).send();
  });

  app.get<ReceiptParams>('/end_session/done/:id', page, async (req, reply) => {
    const record = await checkReceipt(req);
    if (record.redirect_to) return reply.redirect(record.redirect_to, 303);
    return sendPage(reply, signedOutPage(base, await p.logout.report(record)));
  });
}
