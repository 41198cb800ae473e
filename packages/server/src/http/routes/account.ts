import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Management } from '../../protocol/management.js';
import { OAuthError } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import type { SessionRow } from '../../domain/sessions.js';
import { accountPage, deviceLabel } from '../../views/account-page.js';
import { INTERACTION_COOKIE } from '../cookies.js';
import { openSignInPage } from '../sign-in.js';
import { pendingSignIns } from '../../protocol/pending-sign-ins.js';
import { afterPageSent, browserContext, sendPage, type HttpContext } from '../context.js';
import { sendReceipt } from '../receipt.js';
import { keepLiveAccounts } from '../browser-cookies.js';
import { verifiedAccountPage, verifiedAccountSession } from '../account-session.js';
import { loginHintFor } from '../../domain/browser-accounts.js';
import { signOutEverywhere } from '../../logout/sign-out-everywhere.js';

/**
 * The account page: the user's live sign-ins with their apps, and "sign out this device", "sign out" for
 * another device, and "sign out everywhere" — each through the one logout path, each followed by its receipt.
 */
export async function accountRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base } = ctx;
  const flow = p.authorization;
  const management = new Management(p);
  const page = { config: { page: true } };

  app.get('/account', page, async (req, reply) => {
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (!session) {
      const id = await flow.accountSignIn(
        browserContext(req),
        pendingSignIns(req.cookies[INTERACTION_COOKIE]),
      );
      openSignInPage(ctx, reply, id);
      return reply.redirect(`${base}/interaction/${id}`, 303);
    }
    const user = (await p.users.find(session.user_id))!;
    const accounts = await management.browserAccounts(
      await p.sessions.accounts(browserContext(req).sessionCookie, (s) => p.logout.endExpired(s)),
    );
    const { id: interactionId, csrf } = await ctx.services.interactions.open('account', {
      sid: session.sid,
      accounts: accounts.map((a) => a.sid),
    });
    const sessions = await management.listSessions(user, session.sid);
    sessions.sort((a, b) => Number(b.current ?? false) - Number(a.current ?? false));
    const twoStep = {
      factors: await p.secondFactors.list(user.id),
      recoveryCodesLeft: await p.secondFactors.recoveryCodesLeft(user.id),
      passkeys: p.passkeys.available,
    };
    return sendPage(
      reply,
      accountPage({
        base,
        userName: user.name ?? user.username,
        csrf,
        interactionId,
        accounts,
        sessions,
        twoStep,
      }),
    );
  });

  /** Every account form: the CSRF token of a page rendered for this very session. */
  const verifiedSession = (req: FastifyRequest): Promise<SessionRow> => verifiedAccountSession(ctx, req);

  /** This account is signed out here; the browser's other accounts stay (issue 19). */
  const endThisBrowser = (req: FastifyRequest, reply: FastifyReply) => keepLiveAccounts(ctx, req, reply);

  // One of this browser's accounts (issue 19): only that account's session ends, through the one logout path;
  // its apps are told and the receipt shows which, the browser's other accounts stay signed in.
  app.post('/account/accounts/logout', page, async (req, reply) => {
    const { payload } = await verifiedAccountPage(ctx, req);
    const { account } = readParams(req.body, ['account'] as const, { account: 100 });
    const shown = new Set(payload.accounts ?? [payload.sid]);
    const live = await p.sessions.accounts(browserContext(req).sessionCookie, (s) => p.logout.endExpired(s));
    const target = live.find((a) => shown.has(a.session.sid) && loginHintFor(a.session) === account);
    if (!target) {
      throw new OAuthError('invalid_request', 'that account is not signed in on this browser any more', 400);
    }
    const user = await p.users.find(target.userId);
    const [ended] = await p.logout.endSessions([target.session], {
      reason: 'user',
      initiator: 'user',
      browserPresent: true,
      deliverAfter: afterPageSent(reply),
    });
    const left = await keepLiveAccounts(ctx, req, reply);
    if (!ended) return reply.redirect(`${base}/account`, 303);
    return sendReceipt(ctx, reply, {
      logouts: [{ ended, title: user ? (user.name ?? user.username) : undefined }],
      redirect: false,
      thisBrowser: true,
      staying: left,
      ...(left.length ? { doneUrl: `${base}/account` } : {}),
    });
  });

  app.post('/account/logout', page, async (req, reply) => {
    const session = await verifiedSession(req);
    const [ended] = await p.logout.endSessions([session], {
      reason: 'user',
      initiator: 'user',
      browserPresent: true,
      deliverAfter: afterPageSent(reply),
    });
    // Read beside the receipt's report (sendReceipt waits for both).
    const staying = endThisBrowser(req, reply);
    if (!ended) {
      await staying;
      return reply.redirect(`${base}/account`, 303);
    }
    return sendReceipt(ctx, reply, {
      logouts: [{ ended, title: 'This device' }],
      redirect: false,
      thisBrowser: true,
      staying,
    });
  });

  app.post('/account/sessions/logout', page, async (req, reply) => {
    const current = await verifiedSession(req);
    const { sid } = readParams(req.body, ['sid'] as const, { sid: 100 });
    const target = sid ? await p.sessions.findBySid(sid) : undefined;
    // Only the user's own sessions, and never this one through the "other device" form.
    if (!target || target.user_id !== current.user_id || target.sid === current.sid) {
      throw new OAuthError('invalid_request', 'no such sign-in of yours', 400);
    }
    const [ended] = await p.logout.endSessions([target], {
      reason: 'user',
      initiator: 'user',
      browserPresent: false,
      deliverAfter: afterPageSent(reply),
    });
    if (!ended) return reply.redirect(`${base}/account`, 303);
    return sendReceipt(ctx, reply, {
      logouts: [{ ended, title: deviceLabel(target.user_agent) }],
      redirect: false,
      thisBrowser: false,
      doneUrl: `${base}/account`,
    });
  });

  app.post('/account/logout-everywhere', page, async (req, reply) => {
    const session = await verifiedSession(req);
    const { here, elsewhere } = await signOutEverywhere(
      ctx.services.signOutEverywhere,
      session,
      afterPageSent(reply),
    );
    // Read beside the receipt's report (sendReceipt waits for both).
    const staying = endThisBrowser(req, reply);
    const logouts = [
      ...(here ? [{ ended: here, title: 'This device' }] : []),
      ...elsewhere.map((e) => ({ ended: e.ended, title: deviceLabel(e.session?.user_agent ?? null) })),
    ];
    if (!logouts.length) {
      await staying;
      return reply.redirect(`${base}/account`, 303);
    }
    return sendReceipt(ctx, reply, { logouts, redirect: false, thisBrowser: Boolean(here), staying });
  });
}
