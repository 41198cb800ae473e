import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionRow } from '../../domain/sessions.js';
import { OAuthError } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import { isFreshSignIn } from '../../mfa/second-factors.js';
import { safeEqual } from '../../util/crypto.js';
import { messagePage } from '../../views/account-flow-pages.js';
import { passkeyEnrolPage, recoveryCodesPage, totpEnrolPage } from '../../views/second-factor-pages.js';
import { deviceLabel } from '../../views/account-page.js';
import { MAX_RESPONSE_CHARS } from '../../mfa/passkeys.js';
import { INTERACTION_COOKIE } from '../cookies.js';
import { openSignInPage } from '../sign-in.js';
import { pendingSignIns } from '../../protocol/pending-sign-ins.js';
import { browserContext, sendPage, type HttpContext } from '../context.js';
import { verifiedAccountSession } from '../account-session.js';

/**
 * Second factors on the account page (docs/mfa.md): set up an authenticator app (QR code and secret, confirmed
 * by one code; the first factor comes with recovery codes), and remove a factor — which needs a fresh sign-in
 * and ends every other session of the user (reason `credentials_changed`).
 */
export async function accountFactorRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base } = ctx;
  const flow = p.authorization;
  const factors = p.secondFactors;
  const page = { config: { page: true } };
  const back = { href: `${base}/account#two-step`, label: 'Back to your account' };

  /** Sign in (again), then come back to `returnTo`. */
  async function signInFirst(
    req: FastifyRequest,
    reply: FastifyReply,
    returnTo: '/account' | '/account/two-step/totp' | '/account/two-step/passkey',
  ) {
    // The browser's pending page for the same place is reused, and a new one comes out of the sign-in budget.
    const id = await flow.accountSignIn(
      browserContext(req),
      pendingSignIns(req.cookies[INTERACTION_COOKIE]),
      returnTo,
    );
    openSignInPage(ctx, reply, id);
    return reply.redirect(`${base}/interaction/${id}`, 303);
  }

  async function enrolView(
    session: SessionRow,
    row: { id: string; csrf: string },
    sealed: string,
    error?: string,
  ) {
    const user = await p.users.find(session.user_id);
    const { secret, qrSvg } = await factors.enrolment(sealed, user?.email ?? user?.username ?? 'account');
    return totpEnrolPage({
      base,
      action: `${base}/account/two-step/totp`,
      csrf: row.csrf,
      hidden: { interaction: row.id },
      qrSvg,
      secret,
      lede: 'After your password, you will enter a code from an app on your phone. A stolen password is then not enough to sign in as you.',
      cancelUrl: back.href,
      error,
    });
  }

  app.get('/account/two-step/totp', page, async (req, reply) => {
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (!session) return signInFirst(req, reply, '/account/two-step/totp');
    // The new secret waits, sealed, in a short-lived row bound to this session until a code confirms it.
    const sealed = await factors.startTotp();
    const row = await ctx.services.interactions.open(
      'account-totp',
      { sid: session.sid, sealed },
      { ttlMs: 15 * 60_000 },
    );
    return sendPage(reply, await enrolView(session, row, sealed));
  });

  app.post('/account/two-step/totp', page, async (req: FastifyRequest, reply) => {
    const form = readParams(req.body, ['csrf', 'interaction', 'code'] as const, {
      interaction: 64,
      code: 100,
    });
    const row = await ctx.services.interactions.fromForm(form, ['account-totp'] as const);
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    const pending = row?.payload;
    if (!row || !pending || !session || session.sid !== pending.sid) {
      throw new OAuthError(
        'invalid_request',
        'this page has expired or was not sent from your account; reload it',
        403,
      );
    }
    const enrolled = await factors.confirmTotp(session.user_id, pending.sealed, form.code ?? '');
    if (enrolled.kind === 'wrong') {
      const message = 'That code is not correct. Enter the 6-digit code your app shows now.';
      return sendPage(reply, await enrolView(session, row, pending.sealed, message), 400);
    }
    await ctx.services.interactions.take(row);
    if (!enrolled.recoveryCodes) {
      return sendPage(
        reply,
        messagePage({
          base,
          title: 'Authenticator app added',
          message: 'You can now use it to sign in.',
          links: [back],
        }),
      );
    }
    return sendPage(reply, recoveryCodesPage({ base, codes: enrolled.recoveryCodes, next: back }));
  });

  /**
   * A new passkey is a new way in without the password, so adding one needs a fresh sign-in, like removing one:
   * a session left open on a shared computer must not be enough to plant a passkey.
   */
  async function passkeyView(req: FastifyRequest, reply: FastifyReply, session: SessionRow, error?: string) {
    const user = (await p.users.find(session.user_id))!;
    const ceremony = await p.passkeys.registrationOptions(user, session.sid);
    return passkeyEnrolPage({
      base,
      passkey: {
        base,
        action: `${base}/account/two-step/passkey`,
        nonce: reply.cspNonce,
        challengeId: ceremony.challengeId,
        options: ceremony.options,
        hidden: { csrf: ceremony.csrf, interaction: ceremony.challengeId },
      },
      suggestedName: deviceLabel(browserContext(req).userAgent),
      error,
      cancelUrl: back.href,
    });
  }

  app.get('/account/two-step/passkey', page, async (req, reply) => {
    if (!p.passkeys.available) return reply.callNotFound();
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (!session || !isFreshSignIn(session.auth_time, p.now())) {
      return signInFirst(req, reply, '/account/two-step/passkey');
    }
    return sendPage(reply, await passkeyView(req, reply, session));
  });

  app.post('/account/two-step/passkey', page, async (req, reply) => {
    if (!p.passkeys.available) return reply.callNotFound();
    const form = readParams(req.body, ['csrf', 'interaction', 'challenge', 'response', 'name'] as const, {
      interaction: 64,
      challenge: 64,
      response: MAX_RESPONSE_CHARS,
      name: 200,
    });
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    const csrf = await p.passkeys.ceremonyCsrf(form.interaction);
    if (
      !session ||
      !csrf ||
      !form.csrf ||
      !safeEqual(form.csrf, csrf) ||
      form.challenge !== form.interaction
    ) {
      throw new OAuthError(
        'invalid_request',
        'this page has expired or was not sent from your account; reload it',
        403,
      );
    }
    if (!isFreshSignIn(session.auth_time, p.now()))
      return signInFirst(req, reply, '/account/two-step/passkey');
    const added = await p.passkeys.register(
      session.user_id,
      session.sid,
      form.challenge,
      form.response,
      form.name,
    );
    if (added.outcome === 'failed')
      return sendPage(reply, await passkeyView(req, reply, session, added.message), 400);
    if (!added.recoveryCodes) {
      return sendPage(
        reply,
        messagePage({
          base,
          title: 'Passkey added',
          message: 'You can now sign in with it, with or without your password.',
          links: [back],
        }),
      );
    }
    return sendPage(reply, recoveryCodesPage({ base, codes: added.recoveryCodes, next: back }));
  });

  app.post('/account/two-step/remove', page, async (req, reply) => {
    const session = await verifiedAccountSession(ctx, req);
    const { factor } = readParams(req.body, ['factor'] as const, { factor: 64 });
    if (!isFreshSignIn(session.auth_time, p.now())) return signInFirst(req, reply, '/account');
    const removed = factor ? await factors.remove(session.user_id, factor, session.sid) : undefined;
    if (!removed) throw new OAuthError('invalid_request', 'no such sign-in method of yours', 400);
    const others = removed.ended;
    return sendPage(
      reply,
      messagePage({
        base,
        title: 'Sign-in method removed',
        message:
          others > 0
            ? `${others === 1 ? 'One other device was' : `${others} other devices were`} signed out, and the apps there were told. This device stays signed in.`
            : 'You were not signed in anywhere else. This device stays signed in.',
        links: [back],
      }),
    );
  });
}
