/**
 * User journeys through an SDK app and the real provider, driven with the cookie-jar browser of the shared
 * test support (no JavaScript; redirects followed by hand).
 */
import { randomBytes } from 'node:crypto';
import type { BrowserSession } from '../../../../test/support/browser-session.js';
import type { AppSession, SessionStore } from '../../src/index.js';

export interface Me {
  authenticated: boolean;
  sub?: string;
  sid?: string;
  name?: string;
  accessToken?: string;
  idToken?: string;
}

// A type alias, not an interface, so that it fits the form fields' Record<string, string>.
export type Credentials = {
  username: string;
  password: string;
};

/** Sign in at the app (login page if the provider asks, SSO otherwise); returns what /me shows. */
export async function appSignIn(
  browser: BrowserSession,
  appUrl: string,
  issuer: string,
  credentials?: Credentials,
  params: Record<string, string> = {},
): Promise<Me & { loginShown: boolean; continuedAs?: string | undefined }> {
  const stayOn = [new URL(appUrl).origin, new URL(issuer).origin];
  const query = new URLSearchParams({ returnTo: '/me', ...params });
  let page = await browser.navigate(`${appUrl}/login?${query}`, {}, stayOn);
  // An app that already took part in the SSO session gets "Continuing as …" first (issue 19 point 6): like a
  // person who reads the name, click "Continue" (the page's first form) and report the name it showed.
  const continuing = page.doc.querySelector('[data-adieu=continuing]');
  const continuedAs = continuing?.text.replace(/\s+/g, ' ').trim();
  if (continuing) page = await browser.submit(page, {}, 'form', stayOn);
  const loginShown = !!page.doc.querySelector('input[name=password]');
  if (loginShown) {
    if (!credentials) throw new Error('the provider asked for a password but no credentials were given');
    page = await browser.submit(page, credentials, 'form', stayOn);
  }
  if (page.status !== 200 || !page.url.startsWith(`${appUrl}/me`)) {
    throw new Error(`sign-in ended at ${page.url} (${page.status}): ${page.body.slice(0, 300)}`);
  }
  return { ...(JSON.parse(page.body) as Me), loginShown, continuedAs };
}

/** What the app's public page says about this browser. */
export async function whoAmI(browser: BrowserSession, appUrl: string): Promise<Me> {
  const res = await browser.request(`${appUrl}/`);
  return (await res.json()) as Me;
}

/** POST a logout token the way a provider does. */
export async function postLogoutToken(appUrl: string, token: string, path = '/backchannel-logout') {
  const res = await fetch(`${appUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  });
  const text = await res.text();
  return {
    status: res.status,
    cacheControl: res.headers.get('cache-control'),
    body: (text ? JSON.parse(text) : {}) as { error?: string; code?: string; check?: string },
  };
}

/** Put a session straight into an app's store, as if the user had signed in, and give the browser its cookie. */
export async function seedSession(
  store: SessionStore,
  browser: BrowserSession,
  appUrl: string,
  cookieName: string,
  s: { sub: string; sid?: string; authTime?: number; name?: string },
): Promise<AppSession> {
  const now = Date.now();
  const session: AppSession = {
    id: randomBytes(32).toString('base64url'),
    sub: s.sub,
    sid: s.sid,
    authTime: s.authTime ?? Math.floor(now / 1000) - 60,
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: now + 3_600_000,
    expiresAt: now + 3_600_000,
    user: { sub: s.sub, name: s.name ?? s.sub },
    tokens: { idToken: 'seeded', accessToken: 'seeded' },
  };
  const created = await store.create(session);
  if (created !== 'created') throw new Error(`seeding a session failed: ${created}`);
  await browser.jar.setCookie(`${cookieName}=${session.id}; Path=/`, appUrl);
  return session;
}

/** A Server-Sent Events reader over fetch, for the app's push route. */
export async function openEvents(browser: BrowserSession, url: string) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { cookie: await browser.jar.getCookieString(url), accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const events: { event: string; data: string }[] = [];
  let buffer = '';
  let closed = false;
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
          if (event) events.push({ event, data });
        }
      }
    } catch {
      // aborted
    }
    closed = true;
  })();
  return {
    status: res.status,
    events,
    get closed() {
      return closed;
    },
    async next(name: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.event === name);
        if (found) return found;
        if (closed || Date.now() > deadline)
          throw new Error(`no ${name} event (got ${JSON.stringify(events)})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
