import { createHash } from 'node:crypto';
import type { HttpResult } from './http.js';
import type { SdkContext } from './sdk-context.js';
import type { AppSession } from './session-store.js';

/** The acknowledgement the provider's logout page waits for (docs/protocol-extensions.md §1). */
export const FRONTCHANNEL_ACK_TYPE = 'adieu:frontchannel-logout';

type Detail = 'no-matching-session' | 'iss-mismatch' | 'missing-iss-or-sid' | 'store-unavailable';

/**
 * The script posted back to the logout page. It holds nothing from the request: `iss` and `sid` are read
 * from the frame's own URL, and the target origin is the configured issuer's, so the page is static per
 * (origin, outcome) and is allowed by a CSP hash instead of markup built from input.
 */
function ackScript(issuerOrigin: string, cleared: boolean, detail: Detail | undefined): string {
  const message = `{type:${JSON.stringify(FRONTCHANNEL_ACK_TYPE)},iss:q.get('iss'),sid:q.get('sid'),cleared:${cleared}${
    detail ? `,detail:${JSON.stringify(detail)}` : ''
  }}`;
  return `var q=new URLSearchParams(location.search);if(parent!==window)parent.postMessage(${message},${JSON.stringify(issuerOrigin)});`;
}

const pages = new Map<string, { body: string; hash: string }>();

function page(issuerOrigin: string, cleared: boolean, detail: Detail | undefined) {
  const key = `${issuerOrigin} ${cleared} ${detail ?? ''}`;
  let p = pages.get(key);
  if (!p) {
    // An origin is scheme://host[:port]; URL parsing has already refused '<', '>', quotes and spaces in it.
    const script = ackScript(issuerOrigin, cleared, detail);
    p = {
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><script>${script}</script></body></html>`,
      hash: createHash('sha256').update(script).digest('base64'),
    };
    pages.set(key, p);
  }
  return p;
}

/**
 * The front-channel logout page (Front-Channel Logout 1.0 §2-§4), loaded by the provider in a hidden iframe.
 * With `iss` and `sid`: `iss` must be our issuer, and every app session of that SSO session ends; this works
 * without any cookie, so it still works when the browser blocks third-party cookies. Without both: the
 * session of the cookie the frame carries (if the browser sends it) ends.
 *
 * The answer is never cached, may only be framed by the provider (`frame-ancestors`), and posts the
 * `adieu:frontchannel-logout` acknowledgement to the provider's logout page.
 *
 * @example
 * ```ts
 * const result = await frontchannelLogout(adieu, new URL(req.url, base).searchParams, undefined);
 * res.writeHead(result.status, result.headers).end(result.body);
 * ```
 */
export async function frontchannelLogout(
  core: Pick<SdkContext, 'config' | 'store' | 'cookies' | 'destroySession' | 'sessionsEnded' | 'report'>,
  query: URLSearchParams,
  cookieSession: AppSession | undefined,
): Promise<HttpResult> {
  const { config, store } = core;
  const iss = query.get('iss');
  const sid = query.get('sid');
  let status = 200;
  let cleared = true;
  let detail: Detail | undefined;
  try {
    if (iss !== null && iss !== config.issuer) {
      [status, cleared, detail] = [400, false, 'iss-mismatch'];
    } else if ((iss === null) !== (sid === null) || sid === '') {
      [status, cleared, detail] = [400, false, 'missing-iss-or-sid'];
    } else if (sid !== null) {
      const ended = await store.destroyBySid(sid, 'frontchannel', config.session.absolute);
      core.sessionsEnded(ended, 'frontchannel');
      if (ended.length === 0) detail = 'no-matching-session';
    } else if (cookieSession) {
      await core.destroySession(cookieSession.id, 'frontchannel');
    } else {
      detail = 'no-matching-session';
    }
  } catch (e) {
    core.report(e, 'frontchannel');
    [status, cleared, detail] = [500, false, 'store-unavailable'];
  }
  const p = page(config.issuerOrigin, cleared, detail);
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; script-src 'sha256-${p.hash}'; base-uri 'none'; frame-ancestors ${config.issuerOrigin}`,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
    cookies: cookieSession && cleared && sid === null ? [core.cookies.clear(config.cookies.session)] : [],
    body: p.body,
  };
}
