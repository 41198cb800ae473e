/**
 * A minimal user agent for setup steps that are not measured (signing in, confirming a logout): a cookie jar
 * (tough-cookie), manual redirects, and form submission parsed from the served HTML (node-html-parser).
 */
import { CookieJar } from 'tough-cookie';
import { parse } from 'node-html-parser';
import { RelyingParty } from './oidc.mjs';

export class Browser {
  jar = new CookieJar();

  async cookieHeader(url) {
    return this.jar.getCookieString(url);
  }

  async request(url, { method, form } = {}) {
    const headers = { accept: 'text/html', 'user-agent': 'adieu-bench' };
    const cookie = await this.jar.getCookieString(url);
    if (cookie) headers.cookie = cookie;
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(url, {
      method: method ?? (form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) await this.jar.setCookie(c, url, { ignoreError: true });
    return res;
  }

  /** Follow redirects while they stay on the provider; stop at the first one elsewhere (the RP's redirect_uri). */
  async navigate(url, init = {}) {
    const origin = new URL(url).origin;
    let res = await this.request(url, init);
    let current = url;
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location'), current).toString();
      if (new URL(next).origin !== origin) {
        await res.body?.cancel();
        return { status: res.status, url: current, body: '', doc: parse(''), redirectTo: next };
      }
      await res.body?.cancel();
      current = next;
      res = await this.request(next);
    }
    const body = await res.text();
    return {
      status: res.status,
      url: current,
      body,
      doc: parse(body),
      retryAfter: res.headers.get('retry-after'),
    };
  }

  /** Submit `form` with its own fields, overridden by those of `fields` that the form has. */
  async submit(page, form, fields = {}, extra = {}) {
    const data = {};
    for (const input of form.querySelectorAll('input')) {
      const name = input.getAttribute('name');
      if (!name) continue;
      data[name] = fields[name] ?? input.getAttribute('value') ?? '';
    }
    Object.assign(data, extra);
    const action = new URL(form.getAttribute('action') ?? page.url, page.url).toString();
    return this.navigate(action, { method: 'POST', form: data });
  }

  /**
   * Sign in interactively through `client` (login form with any of the usual field names), exchange the code,
   * and return the token response. The browser keeps the SSO session cookie.
   */
  async signIn(rp, client, user, { scope, prompt } = {}) {
    const req = rp.authorizationRequest(client, { scope, prompt });
    let page = await this.navigate(req.url);
    for (let i = 0; i < 4 && !page.redirectTo; i++) {
      const form =
        page.doc.querySelectorAll('form').find((f) => f.querySelector('input[name=password]')) ??
        page.doc.querySelector('form');
      if (!form)
        throw new Error(`sign-in stuck at ${page.url} (HTTP ${page.status}): ${page.body.slice(0, 300)}`);
      page = await this.submit(page, form, {
        username: user.username,
        login: user.username,
        password: user.password,
      });
    }
    if (!page.redirectTo) throw new Error(`sign-in did not return to the client: ${pageText(page.body)}`);
    const code = RelyingParty.codeFrom(page.redirectTo, req.state);
    return rp.exchange(client, code, req.verifier);
  }
}

/** The visible words of an HTML page (title and main text), short enough for an error line. */
function pageText(html) {
  const main = /<main[^>]*>([\s\S]*?)<\/main>/i.exec(html)?.[1] ?? html;
  return main
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
