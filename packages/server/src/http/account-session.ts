import type { FastifyRequest } from 'fastify';
import type { SessionRow } from '../domain/sessions.js';
import { OAuthError } from '../protocol/errors.js';
import { readParams } from '../protocol/params.js';
import type { InteractionKinds } from '../protocol/interaction-service.js';
import { browserContext, type HttpContext } from './context.js';

/**
 * Every account-page form: the CSRF token of a page rendered for this very session (an `account` interaction
 * holding its sid). Returns that session; anything else is a readable 403.
 */
export async function verifiedAccountSession(ctx: HttpContext, req: FastifyRequest): Promise<SessionRow> {
  return (await verifiedAccountPage(ctx, req)).session;
}

/**
 * What an account page was rendered for: its session, and the browser's accounts it listed (their sids), each
 * with a "Sign out" (issue 19); only these may be signed out.
 */
export type AccountPagePayload = InteractionKinds['account'];

/** `verifiedAccountSession`, with the page's payload (which accounts of the browser it showed). */
export async function verifiedAccountPage(
  ctx: HttpContext,
  req: FastifyRequest,
): Promise<{ session: SessionRow; payload: AccountPagePayload }> {
  const { p } = ctx;
  const form = readParams(req.body, ['csrf', 'interaction'] as const, { interaction: 64 });
  const it = await ctx.services.interactions.fromForm(form, ['account'] as const);
  const session = await p.authorization.currentSession(browserContext(req).sessionCookie);
  if (!it || !session || session.sid !== it.payload.sid) {
    throw new OAuthError(
      'invalid_request',
      'this page has expired or was not sent from your account page; reload it',
      403,
    );
  }
  return { session, payload: it.payload };
}
