/**
 * A minimal browser for protocol tests that do not need rendering: a real cookie jar (tough-cookie), manual
 * redirects, and form submission parsed from the served HTML (node-html-parser). Real Chromium tests live in
 * test/e2e; this keeps the many protocol tests fast.
 */
import { CookieJar } from 'tough-cookie';
import { parse, type HTMLElement } from 'node-html-parser';

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  doc: HTMLElement;
}

export class BrowserSession {
  readonly jar = new CookieJar();

  constructor(private readonly userAgent = 'adieu-tests') {}

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', this.userAgent);
    headers.set('accept', 'text/html,application/json');
    const cookie = await this.jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) await this.jar.setCookie(c, url, { ignoreError: true });
    return res;
  }

  /**
   * Fetch and follow redirects while they stay on `stayOn` origins; stop (without fetching) at the first
   * redirect elsewhere, e.g. the client's redirect_uri. Returns the last page and where it would go next.
   */
  async navigate(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
    stayOn: string[] = [new URL(url).origin],
  ): Promise<Page & { redirectTo?: string }> {
    let res = await this.request(url, init);
    let current = url;
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location')!, current).toString();
      if (!stayOn.includes(new URL(next).origin)) {
        return { ...(await toPage(res, current)), redirectTo: next };
      }
      current = next;
      res = await this.request(next);
    }
    return toPage(res, current);
  }

  /** Submit the first form on the page (or the one matching `selector`) with its hidden fields plus `fields`. */
  async submit(page: Page, fields: Record<string, string>, selector = 'form', stayOn?: string[]) {
    const form = page.doc.querySelector(selector);
    if (!form) throw new Error(`no ${selector} on ${page.url}: ${page.body.slice(0, 300)}`);
    const data: Record<string, string> = {};
    for (const input of form.querySelectorAll('input')) {
      const name = input.getAttribute('name');
      const type = input.getAttribute('type');
      // Like a browser: unchecked boxes are not sent.
      if ((type === 'checkbox' || type === 'radio') && !input.hasAttribute('checked')) continue;
      if (name && (type === 'hidden' || fields[name] === undefined))
        data[name] = input.getAttribute('value') ?? '';
    }
    Object.assign(data, fields);
    const action = new URL(form.getAttribute('action') ?? page.url, page.url).toString();
    return this.navigate(action, { method: 'POST', form: data }, stayOn ?? [new URL(action).origin]);
  }
}

async function toPage(res: Response, url: string): Promise<Page> {
  const body = await res.text();
  return { status: res.status, url, headers: res.headers, body, doc: parse(body) };
}
