import type { FastifyReply } from 'fastify';
import type { AuthorizeOutcome } from '../protocol/authorize.js';
import type { Authenticated, LoadedInteraction } from '../protocol/interaction.js';
import { INTERACTION_COOKIE } from './cookies.js';
import { withPendingSignIn, withoutPendingSignIn } from '../protocol/pending-sign-ins.js';
import { sendClientResponse, type HttpContext } from './context.js';
import { setAccountCookies } from './browser-cookies.js';

// What this response has made of the interaction cookie so far: one request may close one page and open the next.
const pendingAfterReply = new WeakMap<FastifyReply, string | undefined>();

function pendingNow(reply: FastifyReply): string | undefined {
  return pendingAfterReply.has(reply)
    ? pendingAfterReply.get(reply)
    : reply.request.cookies[INTERACTION_COOKIE];
}

/** Add sign-in page `id` to the pages this browser has open (several tabs may each hold one). */
export function openSignInPage(ctx: HttpContext, reply: FastifyReply, id: string): void {
  const value = withPendingSignIn(pendingNow(reply), id);
  pendingAfterReply.set(reply, value);
  reply.setCookie(INTERACTION_COOKIE, value, ctx.cookies.interaction());
}

/** Sign-in page `id` is done (finished, cancelled or gone): the browser's other open pages stay valid. */
export function closeSignInPage(ctx: HttpContext, reply: FastifyReply, id: string): void {
  const value = withoutPendingSignIn(pendingNow(reply), id);
  pendingAfterReply.set(reply, value);
  if (value) reply.setCookie(INTERACTION_COOKIE, value, ctx.cookies.interaction());
  else reply.clearCookie(INTERACTION_COOKIE, ctx.cookies.clear());
}

/** Answer an authorization outcome: the client's response, or the page of a new interaction. */
export function sendOutcome(ctx: HttpContext, reply: FastifyReply, outcome: AuthorizeOutcome): FastifyReply {
  if (outcome.kind === 'respond') return sendClientResponse(ctx, reply, outcome.response);
  openSignInPage(ctx, reply, outcome.interactionId);
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
): Promise<FastifyReply> {
  const { p, base } = ctx;
  setAccountCookies(ctx, reply, result.accounts);
  closeSignInPage(ctx, reply, it.row.id);
  if (it.payload.returnTo) return reply.redirect(`${base}${it.payload.returnTo}`, 303);
  return sendOutcome(ctx, reply, await p.authorization.resume(it.payload, result.session));
}
