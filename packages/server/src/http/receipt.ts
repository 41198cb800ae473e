import type { FastifyReply } from 'fastify';
import type { EndedLogout } from '../logout/logout-service.js';
import { receiptPage } from '../views/logout-pages.js';
import type { BrowserAccount } from '../domain/sessions.js';
import { accountName, stillSignedInText } from '../logout/report-text.js';
import { accountNames } from './browser-cookies.js';
import { sendPage, type HttpContext } from './context.js';

export interface ReceiptInput {
  /**
   * The logout of this browser's own session first (its front-channel iframes run here), then any others. An
   * entry marked `inThisBrowser` is another session of this browser (issue 19, "all accounts"): its iframes run
   * here too.
   */
  logouts: { ended: EndedLogout; title?: string | undefined; inThisBrowser?: boolean }[];
  /** Where to go when the receipt is done (defaults to the final page of the first logout). */
  doneUrl?: string;
  redirect: boolean;
  /** What the countdown says when the receipt goes on by itself (default: back to the app). */
  next?: string | undefined;
  /** Whether the first logout is this browser's session (render its front-channel iframes). */
  thisBrowser: boolean;
  lang?: string | undefined;
  /**
   * The browser's accounts still signed in after this logout (issue 19): the receipt names them. A promise is
   * awaited together with the receipt's own reads (on PostgreSQL one round trip's wait for both).
   */
  staying?: readonly BrowserAccount[] | PromiseLike<readonly BrowserAccount[]> | undefined;
}

const receiptQuery = (e: EndedLogout) => `t=${encodeURIComponent(e.receiptToken)}`;

/**
 * How long the finished receipt stays before the browser goes on by itself (back to the app, or on to the
 * upstream provider's sign-out). Long enough to read which apps were signed out — the point of the page — with a
 * visible countdown and a link to go at once.
 */
const RETURN_DELAY_MS = 4000;

/** Where the receipt page reports what it saw of one logout's front-channel frames. */
const resultsUrl = (base: string, e: EndedLogout) =>
  `${base}/end_session/receipt/${e.logoutId}/frontchannel?${receiptQuery(e)}`;

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
  const [reports, stayingAccounts] = await Promise.all([
    Promise.all(input.logouts.map(({ ended }) => p.logout.report(ended.record))),
    input.staying,
  ]);
  const sections = input.logouts.map(({ ended, title }, i) => ({
    title,
    logoutId: ended.logoutId,
    report: reports[i]!,
  }));
  // Every ended session of this browser gets its apps' frames; what each frame did goes to its own logout.
  const frames = input.logouts
    .filter((l, i) => l.inThisBrowser ?? (i === 0 && input.thisBrowser))
    .flatMap(({ ended }) =>
      ended.plan.participants
        .filter((x) => x.frontchannelUrl)
        .map((x) => ({
          clientId: x.clientId,
          url: x.frontchannelUrl!,
          origin: new URL(x.frontchannelUrl!).origin,
          resultsUrl: resultsUrl(base, ended),
        })),
    );
  const doneUrl = input.doneUrl ?? receiptDoneUrl(base, first);
  // One account signed out while others stay: "you" would be ambiguous, so the receipt names who left and who
  // is still signed in here.
  const staying = stayingAccounts?.length ? await accountNames(ctx, stayingAccounts) : [];
  const account = staying.length && sections.length === 1 ? accountName(sections[0]!.report.user) : undefined;
  // One other device's sign-in ended from here: the person stays signed in on this one, so "you" would be untrue.
  const device =
    sections.length === 1 && !input.thisBrowser && !input.logouts[0]!.inThisBrowser
      ? (sections[0]!.title ?? 'that device')
      : undefined;
  const cfg = p.config.logout;
  // The receipt moves on by itself only when there is somewhere to go: back to the app that asked, or to the
  // upstream provider's own sign-out. Otherwise it is the last page, and stays until the person leaves.
  const upstream = sections[0]!.report.upstream;
  const next =
    upstream?.status === 'pending'
      ? `Signing you out at ${upstream.name}`
      : input.redirect
        ? (input.next ?? 'Returning to the app')
        : undefined;
  const continues = next !== undefined;
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
      continues,
      account,
      device,
      stillSignedIn: stillSignedInText(staying),
      config: {
        doneTitle: account || device ? `Signed out ${account || device}` : 'You are signed out',
        sections: input.logouts.map(({ ended }) => ({
          logoutId: ended.logoutId,
          statusUrl: `${base}/end_session/receipt/${ended.logoutId}?${receiptQuery(ended)}`,
        })),
        resultsUrl: resultsUrl(base, first),
        doneUrl,
        frontchannelTimeoutMs: cfg.frontchannel_timeout * 1000,
        receiptWaitMs: cfg.receipt_wait * 1000,
        redirect: input.redirect,
        next,
        returnDelayMs: RETURN_DELAY_MS,
      },
    }),
  );
}
