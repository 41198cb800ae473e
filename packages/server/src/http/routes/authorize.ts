import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizeOutcome } from '../../protocol/authorize.js';
import type { LoadedInteraction } from '../../protocol/interaction.js';
import { readParams, splitScope } from '../../protocol/params.js';
import { OAuthError } from '../../protocol/errors.js';
import { consentPage, errorPage, loginPage, type LoginView } from '../../views/pages.js';
import { pageLang } from '../../views/layout.js';
import { accountPickerPage } from '../../views/account-picker.js';
import { INTERACTION_COOKIE } from '../cookies.js';
import { browserContext, sendPage, type HttpContext } from '../context.js';
import { keepLiveAccounts, setAccountCookies } from '../browser-cookies.js';
import { continueAsPage } from '../../views/continue-page.js';
import { sendReceipt } from '../receipt.js';
import { closeSignInPage, finishSignIn, sendOutcome } from '../sign-in.js';
import { startUpstreamTrip } from './connections.js';
import { connectionForEmail } from '../../federation/home-realm.js';
import { MAX_RESPONSE_CHARS } from '../../mfa/passkeys.js';

type IdParams = { Params: { id: string } };

/** How long "Continuing as …" stays before it goes on by itself: long enough to read a name and react. */
const CONTINUE_AS_SECONDS = 5;

/** Authorization endpoint (GET and POST, OIDC Core §3.1.2.1) and the login/consent pages it leads to. */
export async function authorizeRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { p, base } = ctx;
  const flow = p.authorization;
  const interactions = p.signInPages;
  const page = { config: { page: true } };

  const respond = (reply: FastifyReply, outcome: AuthorizeOutcome) => sendOutcome(ctx, reply, outcome);

  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    const source = req.method === 'POST' ? req.body : req.query;
    return respond(reply, await flow.start(source, browserContext(req)));
  };
  app.get('/authorize', page, authorize);
  app.post('/authorize', page, authorize);

  app.get<IdParams>('/interaction/:id', page, async (req, reply) => {
    const bound = req.cookies[INTERACTION_COOKIE];
    const it = await interactions.load(req.params.id, bound, 'login', 'consent');
    if (it.row.kind === 'consent') return showConsent(reply, it);
    // The password was given (or this is a step-up): the second factor comes next.
    if (it.payload.secondFactor) return reply.redirect(`${base}/interaction/${it.row.id}/second-factor`, 303);
    const another = (req.query as { another?: string }).another !== undefined;
    if (!another) {
      const browser = browserContext(req);
      const session = await interactions.signedInMeanwhile(it, browser);
      if (session) {
        await interactions.finish(it);
        closeSignInPage(ctx, reply, it.row.id);
        if (it.payload.returnTo) return reply.redirect(`${base}${it.payload.returnTo}`, 303);
        // The same continuation as a picked account: step-up and consent still apply to this app's request.
        return respond(reply, await flow.continueAsPicked(it.payload, session));
      }
    }
    // These helpers answer true once they sent their page: a Fastify reply is thenable, so one returned from an
    // async helper would resolve to undefined and the route would go on to send a second page.
    if (it.payload.confirmAccount && !another && (await showContinueAs(req, reply, it))) return reply;
    if (it.payload.pick && !another && (await showPicker(req, reply, it))) return reply;
    // connection=<id>, or a login_hint whose domain belongs to a connection: straight to that upstream.
    const hint = it.payload.raw.login_hint;
    const offered = await p.connections.offeredTo(await p.clients.get(it.payload.raw.client_id ?? ''));
    const upstream = it.payload.raw.connection ?? connectionForEmail(offered, hint);
    if (upstream) return startUpstreamTrip(ctx, req, reply, it, upstream, hint);
    return sendPage(reply, loginPage(await withPasskey(await loginView(it, hint), it, reply)));
  });

  /** Send the account picker of an interaction; false (nothing sent) when no account is left here to pick. */
  async function showPicker(
    req: FastifyRequest,
    reply: FastifyReply,
    it: LoadedInteraction,
    error?: string,
  ): Promise<boolean> {
    const accounts = await interactions.pickerAccounts(browserContext(req));
    if (accounts.length === 0) return false;
    const client = await p.clients.get(it.payload.raw.client_id ?? '');
    const view = {
      base,
      action: `${base}/interaction/${it.row.id}/select`,
      csrf: it.row.csrf,
      clientName: client?.name ?? 'the application',
      accounts: accounts.map(({ value, name, username }) => ({ value, name, username })),
      anotherUrl: `${base}/interaction/${it.row.id}?another=1`,
      cancelUrl: `${base}/interaction/${it.row.id}/cancel?csrf=${encodeURIComponent(it.row.csrf)}`,
      error,
      lang: pageLang(it.payload.raw.ui_locales),
    };
    sendPage(reply, accountPickerPage(view), error ? 400 : 200);
    return true;
  }

  /** The account an app came back to, while it is still one of this browser's accounts. */
  const accountToConfirm = (req: FastifyRequest, it: LoadedInteraction) =>
    flow.browserSession(browserContext(req).sessionCookie, it.payload.confirmAccount);

  /**
   * Send "Continuing as Alice… Not you?" (issue 19 point 6); false (nothing sent) when that account is no longer
   * signed in here (the login page follows).
   */
  async function showContinueAs(
    req: FastifyRequest,
    reply: FastifyReply,
    it: LoadedInteraction,
  ): Promise<boolean> {
    const session = await accountToConfirm(req, it);
    const user = session ? await p.users.find(session.user_id) : undefined;
    if (!user) return false;
    const client = await p.clients.get(it.payload.raw.client_id ?? '');
    const at = `${base}/interaction/${it.row.id}`;
    const view = {
      base,
      clientName: client?.name ?? 'the application',
      name: user.name ?? user.username,
      username: user.username,
      csrf: it.row.csrf,
      continueAction: `${at}/continue`,
      continueUrl: `${at}/continue?csrf=${encodeURIComponent(it.row.csrf)}`,
      anotherUrl: `${at}?another=1`,
      signOutAction: `${at}/sign-out`,
      seconds: CONTINUE_AS_SECONDS,
      nonce: reply.cspNonce,
      lang: pageLang(it.payload.raw.ui_locales),
    };
    sendPage(reply, continueAsPage(view));
    return true;
  }

  // "Continue" (or the countdown): the named account goes on to the app. A GET too, for the page's refresh
  // without scripts; the CSRF token rides along, so no other site can continue for the person.
  const continueAs = async (req: FastifyRequest<IdParams>, reply: FastifyReply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    interactions.checkCsrf(
      it,
      readParams(req.method === 'POST' ? req.body : req.query, ['csrf'] as const).csrf,
    );
    const session = await accountToConfirm(req, it);
    // Signed out meanwhile (another tab): the login page of the same request.
    if (!session) return reply.redirect(`${base}/interaction/${it.row.id}?another=1`, 303);
    await interactions.finish(it);
    closeSignInPage(ctx, reply, it.row.id);
    return respond(reply, await flow.continueAsPicked(it.payload, session));
  };
  app.get<IdParams>('/interaction/:id/continue', page, continueAs);
  app.post<IdParams>('/interaction/:id/continue', page, continueAs);

  // "Not you? Sign out": that account ends through the one logout path (its apps are told, the receipt shows
  // which), then the same request's login page, where the person at the browser signs in as themselves.
  app.post<IdParams>('/interaction/:id/sign-out', page, async (req, reply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    interactions.checkCsrf(it, readParams(req.body, ['csrf'] as const).csrf);
    const signIn = `${base}/interaction/${it.row.id}?another=1`;
    const session = await accountToConfirm(req, it);
    const [ended] = session
      ? await p.logout.endSessions([session], {
          reason: 'user',
          initiator: 'user',
          browserPresent: true,
          redirectTo: signIn,
        })
      : [];
    // Read beside the receipt's report (sendReceipt waits for both).
    const staying = keepLiveAccounts(ctx, req, reply);
    if (!ended) {
      await staying;
      return reply.redirect(signIn, 303);
    }
    return sendReceipt(ctx, reply, {
      staying,
      logouts: [{ ended }],
      redirect: true,
      next: 'Going on to sign in',
      thisBrowser: true,
      lang: pageLang(it.payload.raw.ui_locales),
    });
  });

  // The picker's choice: that account continues to the app and becomes the browser's current one.
  app.post<IdParams>('/interaction/:id/select', page, async (req, reply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    const form = readParams(req.body, ['csrf', 'account'] as const, { account: 100 });
    interactions.checkCsrf(it, form.csrf);
    const browser = browserContext(req);
    const picked = await interactions.pick(it, form.account, browser);
    if (!picked) {
      const again = await showPicker(
        req,
        reply,
        it,
        'That account is no longer signed in here. Choose another.',
      );
      return again ? reply : reply.redirect(`${base}/interaction/${it.row.id}?another=1`, 303);
    }
    setAccountCookies(ctx, reply, picked.accounts);
    closeSignInPage(ctx, reply, it.row.id);
    return respond(reply, await flow.continueAsPicked(it.payload, picked.session));
  });

  /** The login page of an interaction (shown first, and again after a failed attempt). */
  async function loginView(it: LoadedInteraction, username: string | undefined): Promise<LoginView> {
    const client = await p.clients.get(it.payload.raw.client_id ?? '');
    const password = await interactions.passwordOffered(it);
    return {
      base,
      password,
      action: `${base}/interaction/${it.row.id}/login`,
      cancelAction: `${base}/interaction/${it.row.id}/cancel`,
      forgotUrl: `${base}/interaction/${it.row.id}/forgot`,
      signupUrl:
        password && p.accounts.signupMode === 'open' ? `${base}/interaction/${it.row.id}/signup` : undefined,
      csrf: it.row.csrf,
      clientName: it.payload.returnTo ? 'your account' : (client?.name ?? 'the application'),
      username,
      lang: pageLang(it.payload.raw.ui_locales),
      connections: {
        action: `${base}/interaction/${it.row.id}/connection`,
        choices: (await p.connections.offeredTo(client)).map((c) => ({ id: c.id, name: c.name })),
      },
    };
  }

  /**
   * The login page as shown: with "Sign in with a passkey" where the issuer allows passkeys. Its challenge is made
   * only for a page that is rendered (not for a password post that succeeds).
   */
  async function withPasskey(
    view: LoginView,
    it: LoadedInteraction,
    reply: FastifyReply,
  ): Promise<LoginView> {
    // An app that turned its password form off signs in only through its connections: no local passkey either.
    if (!p.passkeys.available || !view.password) return view;
    const ceremony = await p.passkeys.signInOptions(it.row.id);
    return {
      ...view,
      passkey: {
        base,
        action: `${base}/interaction/${it.row.id}/passkey`,
        nonce: reply.cspNonce,
        ceremony: 'authenticate',
        challengeId: ceremony.challengeId,
        options: ceremony.options,
        hidden: { csrf: it.row.csrf },
        label: 'Sign in with a passkey',
        separated: true,
        // The username field's suggestions offer the passkeys too, where the browser can (conditional UI).
        autofill: true,
      },
    };
  }

  // Passwordless: a passkey verified by its user names the account and is both factors at once (docs/mfa.md).
  app.post<IdParams>('/interaction/:id/passkey', page, async (req, reply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    const form = readParams(req.body, ['csrf', 'challenge', 'response'] as const, {
      challenge: 64,
      response: MAX_RESPONSE_CHARS,
    });
    interactions.checkCsrf(it, form.csrf);
    await interactions.requirePasswordOffered(it);
    const used = await p.passkeys.use('sign-in', it.row.id, form.challenge, form.response);
    const browser = browserContext(req);
    const result =
      used.outcome === 'ok'
        ? await interactions.signInWithPasskey(it, used.userId, used.amr, browser)
        : { kind: 'retry' as const, status: 400, message: used.message };
    if (result.kind === 'retry') {
      const view = {
        ...(await loginView(it, undefined)),
        getAddress: { url: `${base}/interaction/${it.row.id}`, nonce: reply.cspNonce },
        error: result.message,
      };
      return sendPage(reply, loginPage(await withPasskey(view, it, reply)), result.status);
    }
    return finishSignIn(ctx, reply, it, result);
  });

  async function showConsent(reply: FastifyReply, it: LoadedInteraction) {
    const client = await p.clients.get(it.payload.raw.client_id ?? '');
    const user = await flow.consentingUser(it.payload.sid);
    return sendPage(
      reply,
      consentPage({
        base,
        action: `${base}/interaction/${it.row.id}/consent`,
        csrf: it.row.csrf,
        clientName: client?.name ?? 'the application',
        username: user?.name ?? user?.username ?? '',
        scopes: splitScope(it.payload.raw.scope).filter((s) => client?.allowedScopes.has(s)),
        lang: pageLang(it.payload.raw.ui_locales),
      }),
    );
  }

  app.post<IdParams>('/interaction/:id/login', page, async (req, reply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login');
    const form = readParams(req.body, ['csrf', 'username', 'password', 'remember'] as const, {
      username: 200,
      password: 1024,
    });
    interactions.checkCsrf(it, form.csrf);
    await interactions.requirePasswordOffered(it);
    // Home-realm discovery: an email of a domain that signs in elsewhere goes to that upstream.
    const offered = await p.connections.offeredTo(await p.clients.get(it.payload.raw.client_id ?? ''));
    const upstream = connectionForEmail(offered, form.username);
    if (upstream) return startUpstreamTrip(ctx, req, reply, it, upstream, form.username);
    // A failed attempt answers this POST with the page (and its 401/429); the history entry is turned into the
    // GET address of the same page, so Back and reload never ask to resubmit the form.
    const view = {
      ...(await loginView(it, form.username)),
      getAddress: { url: `${base}/interaction/${it.row.id}`, nonce: reply.cspNonce },
    };
    if (!form.username || !form.password) {
      const empty = { ...view, error: 'Enter your username and password.' };
      return sendPage(reply, loginPage(await withPasskey(empty, it, reply)), 400);
    }
    const browser = browserContext(req);
    const result = await interactions.login(
      it,
      { username: form.username, password: form.password, rememberMe: form.remember === 'yes' },
      browser,
    );
    if (result.kind === 'retry') {
      if (result.retryAfterSeconds) reply.header('retry-after', String(result.retryAfterSeconds));
      const failed = { ...view, error: result.message };
      return sendPage(reply, loginPage(await withPasskey(failed, it, reply)), result.status);
    }
    if (result.kind === 'second_factor') {
      return reply.redirect(`${base}/interaction/${it.row.id}/second-factor`, 303);
    }
    return finishSignIn(ctx, reply, it, result);
  });

  app.post<IdParams>('/interaction/:id/consent', page, async (req, reply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'consent');
    const form = readParams(req.body, ['csrf', 'decision'] as const);
    interactions.checkCsrf(it, form.csrf);
    const browser = browserContext(req);
    const session = await flow.browserSession(browser.sessionCookie, it.payload.sid);
    if (!session) {
      throw new OAuthError('invalid_request', 'your sign-in session changed; start again from the app');
    }
    closeSignInPage(ctx, reply, it.row.id);
    if (form.decision !== 'allow') {
      await interactions.finish(it);
      return flow.deny(it.payload);
    }
    const client = await p.clients.get(it.payload.raw.client_id ?? '');
    const scopes = splitScope(it.payload.raw.scope).filter((s) => client?.allowedScopes.has(s));
    await interactions.consent(it, session, scopes);
    return respond(reply, await flow.resume(it.payload, session));
  });

  // A link, not a second form: the login page keeps exactly one form with one submit button (the contract).
  // The CSRF token still rides along, so another site cannot cancel a sign-in in progress.
  const cancel = async (req: FastifyRequest<IdParams>, reply: FastifyReply) => {
    const it = await interactions.load(req.params.id, req.cookies[INTERACTION_COOKIE], 'login', 'consent');
    interactions.checkCsrf(
      it,
      readParams(req.method === 'POST' ? req.body : req.query, ['csrf'] as const).csrf,
    );
    await interactions.finish(it);
    closeSignInPage(ctx, reply, it.row.id);
    if (it.payload.returnTo) {
      return sendPage(reply, errorPage(base, 'Sign-in cancelled', 'You did not sign in.'), 200);
    }
    return flow.deny(it.payload);
  };
  app.get<IdParams>('/interaction/:id/cancel', page, cancel);
  app.post<IdParams>('/interaction/:id/cancel', page, cancel);
}
