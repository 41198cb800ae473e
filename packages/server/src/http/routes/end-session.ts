import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EndSessionService, type EndSessionOutcome } from '../../protocol/end-session/end-session-service.js';
import { OAuthError } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import { readFrontchannelResults, receiptJson } from '../../logout/receipt.js';
import { randomToken } from '../../util/crypto.js';
import { confirmLogoutPage, signedOutPage, stillSignedInPage } from '../../views/logout-pages.js';
import { pageLang } from '../../views/layout.js';
import { sendReceipt } from '../receipt.js';
import { BROWSER_STATE_COOKIE, SESSION_COOKIE } from '../cookies.js';
import { browserContext, noStore, sendPage, type HttpContext } from '../context.js';

type ReceiptParams = { Params: { id: string }; Querystring: { t?: string } };

/** RP-Initiated Logout (end_session), its confirmation, and the live receipt that follows. Parse, call, render. */
export async function endSessionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base, cookies } = ctx;
  const service = new EndSessionService(ctx.services.endSession);
  const page = { config: { page: true } };

  const render = async (reply: FastifyReply, o: EndSessionOutcome) => {
    switch (o.kind) {
      case 'confirm':
        return sendPage(reply, confirmLogoutPage({ base, ...o.view }));
      case 'kept':
        return sendPage(reply, stillSignedInPage(base, o.userName));
      case 'nothing_to_end':
        // Logout is idempotent: go where the app asked (validated), or say there is nobody signed in here.
        reply.clearCookie(SESSION_COOKIE, cookies.clear());
        if (o.target) return reply.redirect(o.target, 303);
        return sendPage(reply, signedOutPage(base, undefined, o.lang, o.note));
      case 'ended':
        reply.clearCookie(SESSION_COOKIE, cookies.clear());
        // Session Management: the browser state changes at logout, so RPs polling check_session see "changed".
        reply.setCookie(BROWSER_STATE_COOKIE, randomToken(16), cookies.browserState());
        return sendReceipt(ctx, reply, {
          logouts: [{ ended: o.ended }],
          redirect: Boolean(o.target),
          thisBrowser: true,
          lang: o.lang,
        });
    }
  };

  const endSession = async (req: FastifyRequest, reply: FastifyReply) =>
    render(
      reply,
      await service.request(
        req.method === 'POST' ? req.body : req.query,
        browserContext(req).sessionCookie,
        pageLang,
      ),
    );
  app.get('/end_session', page, endSession);
  app.post('/end_session', page, endSession);

  app.post('/end_session/confirm', page, async (req, reply) => {
    const form = readParams(req.body, ['csrf', 'interaction', 'confirm'] as const, { interaction: 64 });
    return render(reply, await service.confirm(form, browserContext(req).sessionCookie));
  });

  const checkReceipt = async (req: FastifyRequest<ReceiptParams>) => {
    // A repeated `t` arrives as an array: that is no valid token either.
    const t = typeof req.query.t === 'string' ? req.query.t : undefined;
    const record = await p.logout.findForReceipt(req.params.id, t);
    if (!record) throw new OAuthError('not_found', 'no such logout receipt', 404);
    return record;
  };

  app.get<ReceiptParams>('/end_session/receipt/:id', async (req, reply) => {
    const report = await p.logout.report(await checkReceipt(req));
    return noStore(reply).send(receiptJson(report!));
  });

  app.post<ReceiptParams>('/end_session/receipt/:id/frontchannel', async (req, reply) => {
    await checkReceipt(req);
    for (const r of readFrontchannelResults(req.body)) {
      await p.logout.recordFrontchannel(req.params.id, r.clientId, r.status, r.detail);
    }
    return reply.code(204).send();
  });

  app.get<ReceiptParams>('/end_session/done/:id', page, async (req, reply) => {
    const record = await checkReceipt(req);
    if (record.redirect_to) return reply.redirect(record.redirect_to, 303);
    return sendPage(
      reply,
      signedOutPage(base, await p.logout.report(record), undefined, record.redirect_note ?? undefined),
    );
  });
}
