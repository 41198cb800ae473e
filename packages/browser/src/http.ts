/**
 * The HTTP layer: the only place that calls `fetch`. Requests carry no cookies (tokens authenticate, not the
 * SSO cookie, so nothing depends on third-party cookies), and failures become {@link AdieuError}s.
 */
import { AdieuError, fromOAuthError } from './errors.js';

export type Fetch = typeof fetch;

/** POST a form (a CORS "simple" request: no preflight) and read a JSON answer. */
export async function postForm<T>(f: Fetch, url: string, form: Record<string, string>): Promise<T> {
  return json<T>(
    f,
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    },
    true,
  );
}

/** GET a JSON document. */
export async function getJson<T>(f: Fetch, url: string): Promise<T> {
  return json<T>(f, url, { method: 'GET' }, false);
}

async function json<T>(f: Fetch, url: string, init: RequestInit, oauth: boolean): Promise<T> {
  let res: Response;
  try {
    res = await f(url, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch (cause) {
    throw new AdieuError('network_error', `could not reach ${url}`, { cause });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.ok && body && typeof body === 'object') return body as T;
  const e = body as { error?: unknown; error_description?: unknown } | undefined;
  if (oauth && typeof e?.error === 'string') {
    throw fromOAuthError(e.error, typeof e.error_description === 'string' ? e.error_description : undefined);
  }
  throw new AdieuError('server_error', `${url} answered ${res.status}`);
}
