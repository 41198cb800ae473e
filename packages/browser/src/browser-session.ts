/**
 * "A closed browser is not a way around single logout" (issue 12 point 1), in the SPA. When the user did not
 * choose "keep me signed in", the provider's session cookie dies with the browser, but a `localStorage` cache
 * does not: reopened, the app would show the previous user with tokens that still refresh (the provider cannot
 * know the browser closed until it sees it again). So an account whose ID token says `session_persistent:
 * false` is tied to a marker: a cookie on the app's own origin with no expiry, which the browser drops when it
 * closes, exactly like the provider's. An account whose marker is gone is dropped before the app sees it. An
 * account without the claim (persistent, or another provider) is kept as before.
 *
 * The cookie is written and read with the `cookie` package (never by hand); it holds a random id, nothing else,
 * and is never sent anywhere that matters (it is the app's own origin's cookie, `SameSite=Lax`).
 */
import { parse as parseCookie, serialize } from 'cookie';
import type { AccountRecord } from './account.js';
import { randomString } from './pkce.js';

/** The marker cookie's name for this client. */
export const markerName = (clientId: string) => `adieu_bs_${clientId.replace(/[^\w-]/g, '_')}`;

/** Access to `document.cookie`, or none (outside a document, or refused). */
export interface CookieJar {
  read(): string;
  write(setCookie: string): void;
}

export function documentCookies(): CookieJar | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  return {
    read: () => {
      try {
        return document.cookie;
      } catch {
        return '';
      }
    },
    write: (c) => {
      try {
        document.cookie = c;
      } catch {
        // a sandboxed document refuses cookies: the marker is then simply absent
      }
    },
  };
}

export class BrowserSessionMarker {
  constructor(
    private readonly name: string,
    private readonly jar: CookieJar | undefined,
    private readonly secure: boolean,
  ) {}

  /** The marker of this browser session, if one was set. */
  current(): string | undefined {
    return this.jar ? parseCookie(this.jar.read())[this.name] : undefined;
  }

  /** The marker, set now if needed (a session cookie: no Max-Age, no Expires). */
  ensure(): string | undefined {
    const existing = this.current();
    if (existing || !this.jar) return existing;
    const value = randomString(16);
    this.jar.write(serialize(this.name, value, { path: '/', sameSite: 'lax', secure: this.secure }));
    return this.current() === value ? value : undefined;
  }

  /**
   * A record from a login: tie it to this browser session when the provider's session is not persistent. If
   * the marker cannot be written (cookies refused), the record is kept as before rather than lost at once.
   */
  bind(record: AccountRecord): AccountRecord {
    if (record.account.idTokenClaims?.session_persistent !== false) return record;
    const marker = this.ensure();
    return marker === undefined ? record : { ...record, browserSession: marker };
  }

  /** Has the browser session this record belongs to ended (the browser was closed since)? */
  outlived(record: AccountRecord): boolean {
    return record.browserSession !== undefined && record.browserSession !== this.current();
  }
}
