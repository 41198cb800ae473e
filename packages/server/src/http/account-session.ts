import type { FastifyRequest } from 'fastify';
import type { SessionRow } from '../domain/sessions.js';
import { OAuthError } from '../protocol/errors.js';
import { readParams } from '../protocol/params.js';
import { safeEqual } from '../util/crypto.js';
import { browserContext, type HttpContext } from './context.js';

/**
 * Every account-page form: the CSRF token of a page rendered for this very session (an `account` interaction
 * holding its sid). Returns that session; anything else is a readable 403.
 */
export async function verifiedAccountSession(ctx: HttpContext, req: FastifyRequest): Promise<SessionRow> {
  return (await verifiedAccountPage(ctx, req)).session;
}

/** What an account page was rendered for: its session, and the browser's accounts it listed (their sids). */
export interface AccountPagePayload {
  sid: string;
  /** The browser's accounts the page listed, each with a "Sign out" (issue 19); only these may be signed out. */
  accounts?: string[];
}

/** `verifiedAccountSession`, with the page's payload (which accounts of the browser it showed). */
export async function verifiedAccountPage(
  ctx: HttpContext,
  req: FastifyRequest,
): Promise<{ session: SessionRow; payload: AccountPagePayload }> {
  const { p } = ctx;
  const form = readParams(req.body, ['csrf', 'interaction'] as const, { interaction: 64 });
  const row = form.interaction ? await p.store.interactions.find(form.interaction, p.now()) : undefined;
  const session = await p.authorization.currentSession(browserContext(req).sessionCookie);
  const payload = row ? (JSON.parse(row.payload) as AccountPagePayload) : undefined;
  const sid = payload?.sid;
  if (
    !row ||
    row.kind !== 'account' ||
    !form.csrf ||
    !safeEqual(form.csrf, row.csrf) ||
    !session ||
    session.sid !== sid
  ) {
    throw new OAuthError(
      'invalid_request',
      'this page has expired or was not sent from your account page; reload it',
      403,
    );
  }
  return { session, payload: payload! };
}
