import { AdieuError } from './errors.js';
import { json, type HttpResult } from './http.js';
import { verifyLogoutToken } from './logout-token.js';
import type { SdkContext } from './sdk-context.js';

/** A form body as a framework hands it over: already parsed, or the raw string. */
export type FormBody = URLSearchParams | Record<string, unknown> | string | undefined | null;

/** Largest form body read for a logout token (a JWT of a few hundred bytes, with generous room). */
export const BACKCHANNEL_BODY_LIMIT = 64 * 1024;

/** Seconds a "logged out before" time is kept for a user: longer than any app session can live. */
const MIN_REVOCATION_TTL = 30 * 86_400;

/**
 * The back-channel logout receiver (Back-Channel Logout 1.0 §2.5, §2.8). A valid token ends:
 * - with `sid`: exactly the app sessions of that SSO session, and no session for it can be created later;
 * - with only `sub`: every session of that user that authenticated at or before the token's `iat`, and no
 *   such session can be created later (sessions of later logins survive).
 *
 * Answers 200 with `Cache-Control: no-store`, or 400 with JSON naming the failed check
 * (`{"error":"invalid_request","code":"jti_replayed","check":"jti",...}`); 503/500 when the app cannot
 * check or act right now, so the provider retries.
 *
 * @example
 * ```ts
 * // A framework without an adapter: hand over the content type and the raw (or parsed) form body.
 * const result = await backchannelLogout(adieu, { contentType: req.headers['content-type'], body: rawBody });
 * res.writeHead(result.status, result.headers).end(result.body);
 * ```
 */
export async function backchannelLogout(
  core: Pick<SdkContext, 'config' | 'store' | 'provider' | 'sessionsEnded' | 'report'>,
  request: { contentType: string | undefined; body: FormBody },
): Promise<HttpResult> {
  const { config, store } = core;
  try {
    const token = readLogoutToken(request.contentType, request.body);
    const info = await core.provider.get();
    const claims = await verifyLogoutToken(token, {
      issuer: config.issuer,
      audience: config.clientId,
      keys: info.keys,
      ...config.logoutToken,
      algorithms: info.logoutTokenAlgorithms,
      now: config.now,
      replay: store,
    });
    const ended =
      claims.sid !== undefined
        ? await store.destroyBySid(claims.sid, 'backchannel', config.session.absolute)
        : await store.destroyBySub(
            claims.sub!,
            claims.iat,
            'backchannel',
            Math.max(MIN_REVOCATION_TTL, config.session.absolute),
          );
    core.sessionsEnded(ended, 'backchannel');
    return { status: 200, headers: { 'cache-control': 'no-store' }, cookies: [] };
  } catch (e) {
    core.report(e, 'backchannel');
    if (e instanceof AdieuError) {
      return json(e.status, {
        error: e.status >= 500 ? 'temporarily_unavailable' : 'invalid_request',
        error_description: e.message,
        code: e.code,
        check: e.check,
      });
    }
    return json(500, { error: 'server_error', error_description: 'the logout could not be processed' });
  }
}

/**
 * The single `logout_token` parameter of an `application/x-www-form-urlencoded` POST (§2.5); throws
 * `malformed_request` otherwise (wrong content type, no token, or more than one).
 *
 * @example
 * ```ts
 * const token = readLogoutToken('application/x-www-form-urlencoded', 'logout_token=eyJ...');
 * ```
 */
export function readLogoutToken(contentType: string | undefined, body: FormBody): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new AdieuError('malformed_request', 'expected an application/x-www-form-urlencoded POST', {
      check: 'content-type',
    });
  }
  let values: unknown[];
  if (typeof body === 'string') values = new URLSearchParams(body).getAll('logout_token');
  else if (body instanceof URLSearchParams) values = body.getAll('logout_token');
  else if (body && typeof body === 'object') {
    const v = (body as Record<string, unknown>).logout_token;
    values = v === undefined ? [] : Array.isArray(v) ? v : [v];
  } else values = [];
  if (values.length !== 1 || typeof values[0] !== 'string' || values[0] === '') {
    throw new AdieuError('malformed_request', 'expected exactly one logout_token parameter', {
      check: 'logout_token',
    });
  }
  return values[0];
}
