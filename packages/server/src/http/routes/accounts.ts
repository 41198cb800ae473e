import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashingBusyMessage, type LoadedInteraction } from '../../protocol/interaction.js';
import { HashingBusyError } from '../../domain/hashing-slots.js';
import { OAuthError } from '../../protocol/errors.js';
import type { UniformOutcome } from '../../accounts/account-service.js';
import { FormError, readFields } from '../../accounts/forms.js';
import {
  changePasswordPage,
  checkEmailPage,
  forgotPasswordPage,
  messagePage,
  setPasswordPage,
  signupPage,
  type FieldError,
} from '../../views/account-flow-pages.js';
import { INTERACTION_COOKIE } from '../cookies.js';
import { openSignInPage } from '../sign-in.js';
import { pendingSignIns } from '../../protocol/pending-sign-ins.js';
import { browserContext, sendPage, type HttpContext } from '../context.js';

type IdParams = { Params: { id: string } };
type TokenParams = { Params: { token: string } };

const fieldError = (e: FormError): FieldError => ({ field: e.field, message: e.message });
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

/**
 * Self-service account pages: forgot password and sign-up (reached from a sign-in page, bound to its
 * interaction and CSRF token), the pages mailed links open (reset, invitation, verification), and the password
 * change of a signed-in user. Routes parse, call the account service, and render.
 */
export async function accountFlowRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base } = ctx;
  const accounts = p.accounts;
  const interactions = p.signInPages;
  const flow = p.authorization;
  const page = { config: { page: true } };

  const signInUrl = (it: LoadedInteraction) => `${base}/interaction/${it.row.id}`;
  // Sign-up and reset start from a sign-in page that takes passwords (an app may sign in through connections only).
  const loginInteraction = async (req: FastifyRequest<IdParams>) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    await interactions.requirePasswordOffered(it);
    return it;
  };
  const loginInteractionWithCsrf = async (req: FastifyRequest<IdParams>) => {
    const it = await loginInteraction(req);
    interactions.checkCsrf(it, readFields(req.body, { csrf: { label: 'csrf', max: 200 } }).csrf);
    return it;
  };
  const ip = (req: FastifyRequest) => browserContext(req).ip ?? 'unknown';

  const throttledError = (reply: FastifyReply, o: Extract<UniformOutcome, { kind: 'throttled' }>) => {
    reply.header('retry-after', String(o.retryAfterSeconds));
    return {
      field: 'email',
      message: `Too many requests for this address. Try again in ${o.retryAfterSeconds} seconds.`,
    };
  };

  /**
   * No password hashing slot is free (domain/hashing-slots.ts): the same form again, with what was typed (but
   * passwords), the wait, and 503 + Retry-After; not the generic error page, which would lose the form.
   */
  const busy = (reply: FastifyReply, e: HashingBusyError): FieldError => {
    reply.header('retry-after', String(e.retryAfterSeconds));
    // Not about one field: the message box only, no input marked invalid.
    return { field: 'form', message: hashingBusyMessage(e.retryAfterSeconds) };
  };

  // ---- forgot password --------------------------------------------------------------------------------

  const forgotView = (it: LoadedInteraction, email?: string, error?: FieldError) =>
    forgotPasswordPage({
      base,
      action: `${base}/interaction/${it.row.id}/forgot`,
      csrf: it.row.csrf,
      email,
      error,
      backUrl: signInUrl(it),
    });

  app.get<IdParams>('/interaction/:id/forgot', page, async (req, reply) =>
    sendPage(reply, forgotView(await loginInteraction(req))),
  );

  app.post<IdParams>('/interaction/:id/forgot', page, async (req, reply) => {
    const it = await loginInteractionWithCsrf(req);
    const typed =
      typeof (req.body as { email?: unknown })?.email === 'string'
        ? (req.body as { email: string }).email
        : '';
    try {
      const outcome = await accounts.requestReset(req.body, ip(req));
      if (outcome.kind === 'throttled') {
        return sendPage(reply, forgotView(it, typed, throttledError(reply, outcome)), 429);
      }
      return sendPage(
        reply,
        checkEmailPage({
          base,
          email: outcome.email,
          message:
            'If an account uses this address, we sent it a link to choose a new password. The link works once, for 30 minutes.',
          backUrl: signInUrl(it),
        }),
      );
    } catch (e) {
      if (e instanceof FormError)
        return sendPage(reply, forgotView(it, typed.slice(0, 320), fieldError(e)), 400);
      throw e;
    }
  });

  // ---- sign-up ----------------------------------------------------------------------------------------

  const signupEnabled = () => {
    if (accounts.signupMode !== 'open') {
      throw new OAuthError(
        'not_found',
        'sign-up is not open here; ask an administrator for an invitation',
        404,
      );
    }
  };
  const signupView = (it: LoadedInteraction, values: { email?: string; name?: string }, error?: FieldError) =>
    signupPage({
      base,
      action: `${base}/interaction/${it.row.id}/signup`,
      csrf: it.row.csrf,
      values,
      error,
      nameMode: p.config.accounts.name,
      domains: p.config.accounts.allowed_email_domains,
      policy: accounts.policy,
      backUrl: signInUrl(it),
    });
  const checkSignupEmail = (it: LoadedInteraction, email: string, notice?: string) =>
    checkEmailPage({
      base,
      email,
      message:
        'We sent a link to confirm your address. If this address already has an account, we sent it a way to sign in instead.',
      resend: { action: `${base}/interaction/${it.row.id}/resend`, csrf: it.row.csrf },
      notice,
      backUrl: signInUrl(it),
    });

  app.get<IdParams>('/interaction/:id/signup', page, async (req, reply) => {
    signupEnabled();
    return sendPage(reply, signupView(await loginInteraction(req), {}));
  });

  app.post<IdParams>('/interaction/:id/signup', page, async (req, reply) => {
    signupEnabled();
    const it = await loginInteractionWithCsrf(req);
    const raw = req.body as { email?: unknown; name?: unknown };
    // Echo back what was typed (bounded), so a correction does not mean retyping everything.
    const values = {
      email: typeof raw?.email === 'string' ? raw.email.slice(0, 320) : undefined,
      name: typeof raw?.name === 'string' ? raw.name.slice(0, 200) : undefined,
    };
    try {
      const outcome = await accounts.signUp(req.body, ip(req));
      if (outcome.kind === 'throttled') {
        return sendPage(reply, signupView(it, values, throttledError(reply, outcome)), 429);
      }
      return sendPage(reply, checkSignupEmail(it, outcome.email));
    } catch (e) {
      if (e instanceof FormError) return sendPage(reply, signupView(it, values, fieldError(e)), 400);
      if (e instanceof HashingBusyError) return sendPage(reply, signupView(it, values, busy(reply, e)), 503);
      throw e;
    }
  });

  app.post<IdParams>('/interaction/:id/resend', page, async (req, reply) => {
    const it = await loginInteractionWithCsrf(req);
    try {
      const outcome = await accounts.resendVerification(req.body, ip(req));
      if (outcome.kind === 'throttled') {
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        const email = readFields(req.body, { email: { label: 'Email', max: 320 } }).email ?? '';
        return sendPage(
          reply,
          checkSignupEmail(
            it,
            email,
            `Too many requests. Try again in ${outcome.retryAfterSeconds} seconds.`,
          ),
          429,
        );
      }
      return sendPage(
        reply,
        checkSignupEmail(it, outcome.email, 'If the address needs confirming, we sent a new link.'),
      );
    } catch (e) {
      if (e instanceof FormError) {
        return sendPage(
          reply,
          messagePage({
            base,
            title: 'Check the address',
            message: e.message,
            alert: true,
            links: [{ href: signInUrl(it), label: 'Back to sign in' }],
          }),
          400,
        );
      }
      throw e;
    }
  });

  // ---- mailed links -----------------------------------------------------------------------------------

  const deadLink = (reply: FastifyReply, state: 'used' | 'expired' | 'unknown') =>
    sendPage(
      reply,
      messagePage({
        base,
        title: state === 'used' ? 'This link was already used' : 'This link does not work any more',
        message:
          state === 'used'
            ? 'Each link works once. If you already chose a password with it, sign in with that password; otherwise ask for a new link from the sign-in page ("Forgot password?").'
            : 'The link has expired or is not valid. Ask for a new one from the sign-in page ("Forgot password?").',
        links: [{ href: `${base}/account`, label: 'Go to sign in' }],
        alert: true,
      }),
      state === 'used' ? 410 : 400,
    );

  for (const kind of ['reset', 'invite'] as const) {
    const title = kind === 'reset' ? 'Choose a new password' : 'Choose your password';
    const view = (token: string, username: string, error?: FieldError) =>
      setPasswordPage({
        base,
        action: `${base}/account/${kind}/${token}`,
        title,
        lede:
          kind === 'reset'
            ? `For ${username}. Every device signed in to this account will be signed out, and its apps told.`
            : `Welcome. Your account is ${username}.`,
        policy: accounts.policy,
        username,
        error,
      });

    app.get<TokenParams>(`/account/${kind}/:token`, page, async (req, reply) => {
      const token = req.params.token;
      const link = TOKEN.test(token)
        ? await accounts.inspectLink(kind, token)
        : ({ state: 'unknown' } as const);
      if (link.state !== 'valid') return deadLink(reply, link.state);
      return sendPage(reply, view(token, link.user.email ?? link.user.username));
    });

    // The token in the path is the proof: another site cannot know it, so this form needs no other CSRF token.
    app.post<TokenParams>(`/account/${kind}/:token`, page, async (req, reply) => {
      const token = req.params.token;
      if (!TOKEN.test(token)) return deadLink(reply, 'unknown');
      try {
        const outcome = await accounts.setPasswordWithLink(kind, token, req.body);
        if (outcome.kind !== 'changed') return deadLink(reply, outcome.kind);
        const others = outcome.ended.length;
        return sendPage(
          reply,
          messagePage({
            base,
            title: 'Your password is changed',
            message:
              others > 0
                ? `Sign in with your new password. ${others === 1 ? 'One device was' : `${others} devices were`} signed out, and the apps there were told.`
                : 'Sign in with your new password.',
            links: [{ href: `${base}/account`, label: 'Sign in' }],
          }),
        );
      } catch (e) {
        if (e instanceof FormError) {
          const link = await accounts.inspectLink(kind, token);
          if (link.state !== 'valid') return deadLink(reply, link.state);
          return sendPage(reply, view(token, link.user.email ?? link.user.username, fieldError(e)), 400);
        }
        if (e instanceof HashingBusyError) {
          const link = await accounts.inspectLink(kind, token);
          if (link.state !== 'valid') return deadLink(reply, link.state);
          return sendPage(reply, view(token, link.user.email ?? link.user.username, busy(reply, e)), 503);
        }
        throw e;
      }
    });
  }

  app.get<TokenParams>('/account/verify/:token', page, async (req, reply) => {
    const token = req.params.token;
    const outcome = TOKEN.test(token) ? await accounts.verifyEmail(token) : 'unknown';
    if (outcome === 'verified' || outcome === 'already_verified') {
      return sendPage(
        reply,
        messagePage({
          base,
          title: outcome === 'verified' ? 'Your email address is confirmed' : 'Already confirmed',
          message:
            outcome === 'verified'
              ? 'Thank you. You can now sign in, or go back to the page where you signed up.'
              : 'This address was confirmed already; there is nothing more to do.',
          links: [{ href: `${base}/account`, label: 'Sign in' }],
        }),
      );
    }
    return sendPage(
      reply,
      messagePage({
        base,
        title: 'This link does not work any more',
        message:
          outcome === 'used'
            ? 'This link was already used. Sign in, and ask for a new confirmation link if you need one.'
            : 'The link has expired or is not valid. Sign in, and ask for a new confirmation link if you need one.',
        links: [{ href: `${base}/account`, label: 'Sign in' }],
        alert: true,
      }),
      outcome === 'used' ? 410 : 400,
    );
  });

  // ---- change password (signed in) ---------------------------------------------------------------------

  app.get('/account/password', page, async (req, reply) => {
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (!session) {
      const id = await flow.accountSignIn(
        browserContext(req),
        pendingSignIns(req.cookies[INTERACTION_COOKIE]),
        '/account/password',
      );
      openSignInPage(ctx, reply, id);
      return reply.redirect(`${base}/interaction/${id}`, 303);
    }
    const user = (await p.users.find(session.user_id))!;
    // Bound to this session and to a CSRF token, like the account page's forms.
    const { csrf } = await ctx.services.interactions.open(
      'password',
      { sid: session.sid },
      { csrfIsId: true },
    );
    return sendPage(
      reply,
      changePasswordPage({
        base,
        action: `${base}/account/password`,
        csrf,
        policy: accounts.policy,
        username: user.username,
      }),
    );
  });

  app.post('/account/password', page, async (req, reply) => {
    const form = readFields(req.body, {
      csrf: { label: 'csrf', max: 64 },
      current: { label: 'Current password', max: 4096 },
    });
    const it = await ctx.services.interactions.fromForm({ interaction: form.csrf, csrf: form.csrf }, [
      'password',
    ] as const);
    const session = await flow.currentSession(browserContext(req).sessionCookie);
    if (!it || !session || session.sid !== it.payload.sid) {
      throw new OAuthError(
        'invalid_request',
        'this page has expired or was not sent from your account; reload it',
        403,
      );
    }
    const user = (await p.users.find(session.user_id))!;
    const view = (error: FieldError) =>
      changePasswordPage({
        base,
        action: `${base}/account/password`,
        csrf: it.csrf,
        policy: accounts.policy,
        username: user.username,
        error,
      });
    try {
      const outcome = await accounts.changeOwnPassword(user, session.sid, req.body, ip(req));
      if (outcome.kind === 'throttled') {
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        return sendPage(
          reply,
          view({
            field: 'current',
            message: `Too many attempts. Try again in ${outcome.retryAfterSeconds} seconds.`,
          }),
          429,
        );
      }
      await ctx.services.interactions.take(it);
      const others = outcome.ended.length;
      return sendPage(
        reply,
        messagePage({
          base,
          title: 'Your password is changed',
          message:
            others > 0
              ? `${others === 1 ? 'One other device was' : `${others} other devices were`} signed out, and the apps there were told. This device stays signed in.`
              : 'You were not signed in anywhere else. This device stays signed in.',
          links: [{ href: `${base}/account`, label: 'Back to your sign-ins' }],
        }),
      );
    } catch (e) {
      if (e instanceof FormError) return sendPage(reply, view(fieldError(e)), 400);
      if (e instanceof HashingBusyError) return sendPage(reply, view(busy(reply, e)), 503);
      throw e;
    }
  });
}
