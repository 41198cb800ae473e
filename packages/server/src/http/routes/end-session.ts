import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EndSessionService, type EndSessionOutcome } from '../../protocol/end-session/end-session-service.js';
import { OAuthError } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import { readFrontchannelResults, receiptJson } from '../../logout/receipt.js';
import { confirmLogoutPage, signedOutPage, stillSignedInPage } from '../../views/logout-pages.js';
import { pageLang } from '../../views/layout.js';
import { logoutChooserPage } from '../../views/account-picker.js';
import { sendReceipt } from '../receipt.js';
import { keepLiveAccounts, liveAccountNames } from '../browser-cookies.js';
import { REAUTH_COOKIE } from '../cookies.js';
import { reauthList } from './connections.js';
import { upstreamUnreachablePage } from '../../views/connection-pages.js';
import { afterPageSent, browserContext, noStore, sendPage, type HttpContext } from '../context.js';

type ReceiptParams = { Params: { id: string }; Querystring: { t?: string } };

/** RP-Initiated Logout (end_session), its confirmation, and the live receipt that follows. Parse, call, render. */
export async function endSessionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base, cookies } = ctx;
  const service = new EndSessionService(ctx.services.endSession);
  const page = { config: { page: true } };

  const render = async (req: FastifyRequest, reply: FastifyReply, o: EndSessionOutcome) => {
    switch (o.kind) {
      case 'confirm':
        return sendPage(reply, confirmLogoutPage({ base, ...o.view }));
      case 'choose':
        return sendPage(reply, logoutChooserPage({ base, ...o.view }));
      case 'kept':
        return sendPage(reply, stillSignedInPage(base, o.userName));
      case 'nothing_to_end':
        // Logout is idempotent: go where the app asked (validated), or say there is nobody signed in here.
        await keepLiveAccounts(ctx, req, reply);
        if (o.target) return reply.redirect(o.target, 303);
        return sendPage(reply, signedOutPage(base, undefined, o.lang, o.note));
      case 'ended': {
        // The accounts still signed in: read beside the receipt's report, which waits for them (sendReceipt).
        let staying = keepLiveAccounts(ctx, req, reply);
        const upstream = o.ended.filter((e) => e.ended.upstream).map((e) => e.ended.logoutId);
        if (upstream.length) {
          // Shared-device protection: until the upstream confirms its own sign-out, the next sign-in from this
          // browser through that connection asks the upstream for credentials again (docs/federation.md).
          const [reauth, live] = await Promise.all([p.federation.reauthConnectionsOf(upstream), staying]);
          staying = Promise.resolve(live);
          if (reauth.length) {
            const merged = [...new Set([...reauthList(req), ...reauth])];
            reply.setCookie(REAUTH_COOKIE, merged.join('.'), cookies.reauth());
          }
        }
        return sendReceipt(ctx, reply, {
          // One account: the receipt as ever; several: a section per account, named.
          // Every ended session is of this browser: each one's front-channel apps get their frame here.
          logouts:
            o.ended.length === 1
              ? [{ ended: o.ended[0]!.ended }]
              : o.ended.map((e) => ({ ...e, inThisBrowser: true })),
          redirect: Boolean(o.target),
          thisBrowser: true,
          lang: o.lang,
          staying,
        });
      }
    }
  };

  const endSession = async (req: FastifyRequest, reply: FastifyReply) =>
    render(
      req,
      reply,
      await service.request(
        req.method === 'POST' ? req.body : req.query,
        browserContext(req).sessionCookie,
        pageLang,
        afterPageSent(reply),
      ),
    );
  app.get('/end_session', page, endSession);
  app.post('/end_session', page, endSession);

  // Auth0's logout URL, for apps that were written against it: returnTo is checked exactly like
  // post_logout_redirect_uri (Auth0's own route does not check it against the client), `federated` as Auth0.
  app.get('/v2/logout', page, async (req, reply) => {
    const q = readParams(req.query, ['returnTo', 'client_id', 'federated'] as const, { returnTo: 2048 });
    const mapped = {
      ...(q.client_id !== undefined ? { client_id: q.client_id } : {}),
      ...(q.returnTo !== undefined ? { post_logout_redirect_uri: q.returnTo } : {}),
      ...(q.federated !== undefined || Object.hasOwn(req.query as object, 'federated')
        ? { federated: 'yes' }
        : {}),
    };
    return render(
      req,
      reply,
      await service.request(mapped, browserContext(req).sessionCookie, pageLang, afterPageSent(reply)),
    );
  });

  app.post('/end_session/confirm', page, async (req, reply) => {
    const form = readParams(req.body, ['csrf', 'interaction', 'confirm', 'account'] as const, {
      interaction: 64,
      account: 100,
    });
    return render(
      req,
      reply,
      await service.confirm(form, browserContext(req).sessionCookie, afterPageSent(reply)),
    );
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
    return noStore(reply).send(receiptJson(report!, await liveAccountNames(ctx, req)));
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
    // Our logout is done; now the upstream's, when the connection's policy (or `federated`) asks for it.
    const step = await p.federation.upstreamStep(record.id);
    if (step?.kind === 'redirect') return reply.redirect(step.url, 303);
    if (step?.kind === 'unreachable') {
      const next =
        record.redirect_to ??
        `${base}/end_session/done/${record.id}?t=${encodeURIComponent(req.query.t ?? '')}`;
      return sendPage(reply, upstreamUnreachablePage(base, step.name, next), 502);
    }
    if (record.redirect_to) return reply.redirect(record.redirect_to, 303);
    return sendPage(
      reply,
      signedOutPage(
        base,
        await p.logout.report(record),
        undefined,
        record.redirect_note ?? undefined,
        await liveAccountNames(ctx, req),
      ),
    );
  });
}
