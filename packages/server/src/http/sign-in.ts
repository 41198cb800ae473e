import type { FastifyReply } from 'fastify';
import type { AuthorizeOutcome, BrowserContext } from '../protocol/authorize.js';
import type { Authenticated, LoadedInteraction } from '../protocol/interaction.js';
import { BROWSER_STATE_COOKIE, INTERACTION_COOKIE } from './cookies.js';
import { sendClientResponse, type HttpContext } from './context.js';
import { setAccountCookies } from './browser-cookies.js';

/** Answer an authorization outcome: the client's response, or the page of a new interaction. */
export function sendOutcome(ctx: HttpContext, reply: FastifyReply, outcome: AuthorizeOutcome): FastifyReply {
  if (outcome.kind === 'respond') return sendClientResponse(ctx, reply, outcome.response);
  reply.setCookie(INTERACTION_COOKIE, outcome.interactionId, ctx.cookies.interaction());
  return reply.redirect(`${ctx.base}/interaction/${outcome.interactionId}`, 303);
}

/**
 * The user is authenticated (after the password, or after the second factor): set the session cookies and go
 * on to where the interaction was headed — a provider page, or the app's authorization request.
 */
export async function finishSignIn(
  ctx: HttpContext,
  reply: FastifyReply,
  it: LoadedInteraction,
  result: Authenticated,
  browser: BrowserContext,
): Promise<FastifyReply> {
  const { p, base, cookies } = ctx;
  setAccountCookies(ctx, reply, result.accounts);
  reply.setCookie(BROWSER_STATE_COOKIE, result.browserState, cookies.browserState());
  reply.clearCookie(INTERACTION_COOKIE, cookies.clear());
  if (it.payload.returnTo) return reply.redirect(`${base}${it.payload.returnTo}`, 303);
  return sendOutcome(
    ctx,
    reply,
    await p.authorization.resume(it.payload, result.session, {
      ...browser,
      browserState: result.browserState,
    }),
  );
}
