import type { FastifyReply } from 'fastify';
import type { EndedLogout } from '../logout/logout-service.js';
import { receiptPage } from '../views/logout-pages.js';
import { sendPage, type HttpContext } from './context.js';

export interface ReceiptInput {
  /** The logout of this browser's own session first (its front-channel iframes run here), then any others. */
  logouts: { ended: EndedLogout; title?: string | undefined }[];
  /** Where to go when the receipt is done (defaults to the final page of the first logout). */
  doneUrl?: string;
  redirect: boolean;
  /** Whether the first logout is this browser's session (render its front-channel iframes). */
  thisBrowser: boolean;
  lang?: string | undefined;
}

const receiptQuery = (e: EndedLogout) => `t=${encodeURIComponent(e.receiptToken)}`;

export function receiptDoneUrl(base: string, e: EndedLogout): string {
  return `${base}/end_session/done/${e.logoutId}?${receiptQuery(e)}`;
}

/** Render the live logout receipt for one or more logouts started by this browser. */
export async function sendReceipt(
  ctx: HttpContext,
  reply: FastifyReply,
  input: ReceiptInput,
): Promise<FastifyReply> {
  const { p, base } = ctx;
  const first = input.logouts[0]!.ended;
  const sections = [];
  for (const { ended, title } of input.logouts) {
    sections.push({ title, logoutId: ended.logoutId, report: (await p.logout.report(ended.logoutId))! });
  }
  const frames = input.thisBrowser
    ? first.plan.participants
        .filter((x) => x.frontchannelUrl)
        .map((x) => ({
          clientId: x.clientId,
          url: x.frontchannelUrl!,
          origin: new URL(x.frontchannelUrl!).origin,
        }))
    : [];
  const doneUrl = input.doneUrl ?? receiptDoneUrl(base, first);
  const cfg = p.config.logout;
  return sendPage(
    reply,
    receiptPage({
      base,
      sections,
      frames,
      doneUrl,
      refreshSeconds: cfg.frontchannel_timeout + 1,
      nonce: reply.cspNonce,
      lang: input.lang,
      redirectNote: first.redirectNote,
      config: {
        sections: input.logouts.map(({ ended }) => ({
          logoutId: ended.logoutId,
          statusUrl: `${base}/end_session/receipt/${ended.logoutId}?${receiptQuery(ended)}`,
        })),
        resultsUrl: `${base}/end_session/receipt/${first.logoutId}/frontchannel?${receiptQuery(first)}`,
        doneUrl,
        frontchannelTimeoutMs: cfg.frontchannel_timeout * 1000,
        receiptWaitMs: cfg.receipt_wait * 1000,
        redirect: input.redirect,
      },
    }),
  );
}
