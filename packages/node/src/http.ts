import { parse as parseCookieHeader, serialize, type SerializeOptions } from 'cookie';
import type { ResolvedConfig } from './config.js';

/**
 * A framework-neutral HTTP answer. The core computes these; the Express and Fastify adapters only copy them
 * onto their response objects.
 */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  /** Set-Cookie header values. */
  cookies: string[];
  body?: string | undefined;
}

export function redirect(location: string, cookies: string[] = [], status = 302): HttpResult {
  return { status, headers: { location, 'cache-control': 'no-store' }, cookies };
}

export function json(status: number, data: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    cookies: [],
    body: JSON.stringify(data),
  };
}

/** Cookies from a `Cookie` header, parsed by the `cookie` package. */
export function readCookies(header: string | undefined): Record<string, string | undefined> {
  return header ? parseCookieHeader(header) : {};
}

/** Set-Cookie values for the SDK's cookies, all HttpOnly and bound to the app's origin. */
export class CookieJar {
  constructor(private readonly config: ResolvedConfig) {}

  private options(maxAge?: number): SerializeOptions {
    const c = this.config.cookies;
    return {
      httpOnly: true,
      secure: c.secure,
      sameSite: c.sameSite,
      path: '/',
      ...(c.domain ? { domain: c.domain } : {}),
      ...(maxAge !== undefined ? { maxAge } : {}),
    };
  }

  /** A cookie for `maxAgeSeconds`; without it, a browser-session cookie (no Max-Age: it dies with the browser). */
  set(name: string, value: string, maxAgeSeconds?: number): string {
    return serialize(
      name,
      value,
      this.options(maxAgeSeconds === undefined ? undefined : Math.max(0, Math.floor(maxAgeSeconds))),
    );
  }

  clear(name: string): string {
    return serialize(name, '', { ...this.options(0), expires: new Date(0) });
  }
}

/**
 * A path on this app to go to after login or logout, or `/`. Only same-origin paths are kept, so `returnTo`
 * can never become an open redirect (`//evil.example`, `/\evil.example` and absolute URLs are refused).
 *
 * @example
 * ```ts
 * safeReturnTo('/expenses?month=3', 'https://portal.example.com'); // '/expenses?month=3'
 * safeReturnTo('//evil.example/', 'https://portal.example.com'); // '/'
 * ```
 */
export function safeReturnTo(value: unknown, baseUrl: string): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return '/';
  }
  try {
    const url = new URL(value, baseUrl);
    return url.origin === baseUrl ? url.pathname + url.search + url.hash : '/';
  } catch {
    return '/';
  }
}
