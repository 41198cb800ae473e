import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoadedInteraction } from '../../protocol/interaction.js';
import type { PendingSecondFactor } from '../../protocol/authorize.js';
import { OAuthError } from '../../protocol/errors.js';
import { readParams } from '../../protocol/params.js';
import { MAX_RESPONSE_CHARS } from '../../mfa/passkeys.js';
import { recoveryCodesPage, secondFactorPage, totpEnrolPage } from '../../views/second-factor-pages.js';
import { INTERACTION_COOKIE } from '../cookies.js';
import { browserContext, sendPage, type HttpContext } from '../context.js';
import { finishSignIn } from '../sign-in.js';
import { deviceLabel } from '../../views/account-page.js';

type IdParams = { Params: { id: string } };

/**
 * The second step of a sign-in and of a step-up (docs/mfa.md): a code from the authenticator app or a recovery
 * code; or, for a user who has no factor yet but must give one, setting up an authenticator app on the spot,
 * then the recovery codes, then on to the app. Every form is bound to the interaction's cookie and CSRF token.
 */
export async function secondFactorRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base } = ctx;
  const interactions = p.signInPages;
  const factors = p.secondFactors;
  const page = { config: { page: true } };
  const here = (it: LoadedInteraction) => `${base}/interaction/${it.row.id}/second-factor`;
  const cancelUrl = (it: LoadedInteraction) =>
    `${base}/interaction/${it.row.id}/cancel?csrf=${encodeURIComponent(it.row.csrf)}`;

  /** The interaction and the sign-in that awaits its second factor; anything else is an expired page. */
  async function pendingOf(
    req: FastifyRequest<IdParams>,
    withCsrf: boolean,
  ): Promise<{ it: LoadedInteraction; pending: PendingSecondFactor; code: string | undefined }> {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    const pending = it.payload.secondFactor;
    if (!pending) {
      throw new OAuthError('invalid_request', 'this sign-in page has expired; start again from the app');
    }
    let code: string | undefined;
    if (withCsrf) {
      const form = readParams(req.body, ['csrf', 'code'] as const, { code: 100 });
      interactions.checkCsrf(it, form.csrf);
      code = form.code;
    }
    return { it, pending, code };
  }

  const clientName = async (it: LoadedInteraction) =>
    it.payload.returnTo
      ? 'your account'
      : ((await p.clients.get(it.payload.raw.client_id ?? ''))?.name ?? 'the application');

  /** The second step as shown: the user's passkey (a fresh challenge), and the code field their factors allow. */
  const codeView = async (
    it: LoadedInteraction,
    pending: PendingSecondFactor,
    reply: FastifyReply,
    error?: string,
  ) => {
    const mine = await factors.list(pending.userId);
    const hasTotp = mine.some((f) => f.kind === 'totp');
    const ceremony =
      p.passkeys.available && mine.some((f) => f.kind === 'passkey')
        ? await p.passkeys.secondFactorOptions(pending.userId, it.row.id)
        : undefined;
    const codes = hasTotp
      ? 'totp'
      : !ceremony || (await factors.recoveryCodesLeft(pending.userId)) > 0
        ? 'recovery'
        : 'none';
    return secondFactorPage({
      base,
      action: here(it),
      csrf: it.row.csrf,
      clientName: await clientName(it),
      cancelUrl: cancelUrl(it),
      stepUp: Boolean(pending.sid),
      error,
      codes,
      passkey: ceremony && {
        base,
        action: `${here(it)}/passkey`,
        nonce: reply.cspNonce,
        ceremony: 'authenticate',
        challengeId: ceremony.challengeId,
        options: ceremony.options,
        hidden: { csrf: it.row.csrf },
        label: 'Use your passkey',
        primary: true,
      },
    });
  };

  /**
   * Set up a factor while signing in: an authenticator app (the sealed secret), or — where the issuer allows
   * passkeys — a passkey, whose registration challenge is bound to this interaction.
   */
  const enrolView = async (
    it: LoadedInteraction,
    sealed: string,
    req: FastifyRequest,
    reply: FastifyReply,
    error?: string,
  ) => {
    const user = await p.users.find(it.payload.secondFactor!.userId);
    const label = user?.email ?? user?.username ?? 'account';
    const { secret, qrSvg } = await factors.enrolment(sealed, label);
    const ceremony =
      user && p.passkeys.available ? await p.passkeys.registrationOptions(user, it.row.id) : undefined;
    return totpEnrolPage({
      base,
      action: `${here(it)}/enrol`,
      csrf: it.row.csrf,
      qrSvg,
      secret,
      lede: ceremony
        ? `${await clientName(it)} asks for a second step at sign-in. Set up an authenticator app on your phone, or add a passkey; from now on you will use it after your password.`
        : `${await clientName(it)} asks for a second step at sign-in. Set up an authenticator app on your phone; from now on you will enter a code from it after your password.`,
      cancelUrl: cancelUrl(it),
      error,
      passkey: ceremony && {
        base,
        action: `${here(it)}/enrol-passkey`,
        nonce: reply.cspNonce,
        challengeId: ceremony.challengeId,
        options: ceremony.options,
        // The name the account page lists it by: this browser (it can be told apart from later ones there).
        hidden: { csrf: it.row.csrf, name: deviceLabel(browserContext(req).userAgent) },
      },
    });
  };

  app.get<IdParams>('/interaction/:id/second-factor', page, async (req, reply) => {
    const { it, pending } = await pendingOf(req, false);
    if (pending.enrolled) {
      return sendPage(
        reply,
        recoveryCodesPage({ base, codes: [], next: { action: `${here(it)}/continue`, csrf: it.row.csrf } }),
      );
    }
    if (await factors.hasAny(pending.userId)) return sendPage(reply, await codeView(it, pending, reply));
    // No factor yet, but one is needed: set one up. The secret waits (sealed) in the interaction until confirmed.
    const sealed = pending.enrolment ?? (await factors.startTotp());
    if (!pending.enrolment) await interactions.awaitSecondFactor(it, { ...pending, enrolment: sealed });
    return sendPage(reply, await enrolView(it, sealed, req, reply));
  });

  app.post<IdParams>('/interaction/:id/second-factor', page, async (req, reply) => {
    const { it, pending, code } = await pendingOf(req, true);
    if (!code?.trim()) {
      return sendPage(
        reply,
        await codeView(it, pending, reply, 'Enter the code from your authenticator app.'),
        400,
      );
    }
    const browser = browserContext(req);
    const checked = await factors.checkCode(pending.userId, code, browser.ip ?? 'unknown');
    if (checked.outcome === 'throttled') {
      reply.header('retry-after', String(checked.retryAfterSeconds));
      const message = `Too many wrong codes. Try again in ${checked.retryAfterSeconds} seconds.`;
      return sendPage(reply, await codeView(it, pending, reply, message), 429);
    }
    if (checked.outcome === 'wrong')
      return sendPage(reply, await codeView(it, pending, reply, checked.message), 401);
    const result = await interactions.completeSecondFactor(it, pending, checked.amr, browser);
    return finishSignIn(ctx, reply, it, result);
  });

  // The second step with a passkey: it must be one of this user's; user verification adds `user` (and so phr).
  app.post<IdParams>('/interaction/:id/second-factor/passkey', page, async (req, reply) => {
    const { it, pending } = await pendingOf(req, false);
    const form = readParams(req.body, ['csrf', 'challenge', 'response'] as const, {
      challenge: 64,
      response: MAX_RESPONSE_CHARS,
    });
    interactions.checkCsrf(it, form.csrf);
    const used = await p.passkeys.use(
      'second-factor',
      it.row.id,
      form.challenge,
      form.response,
      pending.userId,
    );
    if (used.outcome === 'failed')
      return sendPage(reply, await codeView(it, pending, reply, used.message), 400);
    const browser = browserContext(req);
    const result = await interactions.completeSecondFactor(it, pending, used.amr, browser);
    return finishSignIn(ctx, reply, it, result);
  });

  app.post<IdParams>('/interaction/:id/second-factor/enrol', page, async (req, reply) => {
    const { it, pending, code } = await pendingOf(req, true);
    if (!pending.enrolment || pending.enrolled) return reply.redirect(here(it), 303);
    const enrolled = await factors.confirmTotp(pending.userId, pending.enrolment, code ?? '');
    if (enrolled.kind === 'wrong') {
      const message = 'That code is not correct. Enter the 6-digit code your app shows now.';
      return sendPage(reply, await enrolView(it, pending.enrolment, req, reply, message), 400);
    }
    await interactions.awaitSecondFactor(it, { ...pending, enrolment: undefined, enrolled: true });
    return sendPage(
      reply,
      recoveryCodesPage({
        base,
        codes: enrolled.recoveryCodes ?? [],
        next: { action: `${here(it)}/continue`, csrf: it.row.csrf },
      }),
    );
  });

  // A passkey instead of the app: the same page's other form. Only a verified registration stores anything; the
  // new passkey (made with user verification) counts as this sign-in's second factor, as a confirmed app code does.
  app.post<IdParams>('/interaction/:id/second-factor/enrol-passkey', page, async (req, reply) => {
    const { it, pending } = await pendingOf(req, false);
    const form = readParams(req.body, ['csrf', 'challenge', 'response', 'name'] as const, {
      challenge: 64,
      response: MAX_RESPONSE_CHARS,
      name: 200,
    });
    interactions.checkCsrf(it, form.csrf);
    if (!pending.enrolment || pending.enrolled || !p.passkeys.available) return reply.redirect(here(it), 303);
    const added = await p.passkeys.register(
      pending.userId,
      it.row.id,
      form.challenge,
      form.response,
      form.name,
    );
    if (added.outcome === 'failed') {
      return sendPage(reply, await enrolView(it, pending.enrolment, req, reply, added.message), 400);
    }
    await interactions.awaitSecondFactor(it, {
      ...pending,
      enrolment: undefined,
      enrolled: true,
      enrolledMethods: added.amr,
    });
    return sendPage(
      reply,
      recoveryCodesPage({
        base,
        codes: added.recoveryCodes ?? [],
        next: { action: `${here(it)}/continue`, csrf: it.row.csrf },
      }),
    );
  });

  app.post<IdParams>('/interaction/:id/second-factor/continue', page, async (req, reply) => {
    const { it, pending } = await pendingOf(req, true);
    if (!pending.enrolled) return reply.redirect(here(it), 303);
    const browser = browserContext(req);
    const methods = pending.enrolledMethods ?? ['otp'];
    const result = await interactions.completeSecondFactor(it, pending, methods, browser);
    return finishSignIn(ctx, reply, it, result);
  });
}
