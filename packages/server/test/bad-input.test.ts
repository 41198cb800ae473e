/**
 * Bad input, endpoint by endpoint, over real HTTP: missing, duplicated, oversized and malformed parameters (wrong
 * types, bad JSON, wrong content types, broken Basic headers, percent garbage and invalid UTF-8, unknown grants,
 * arrays where strings belong). Every row asserts the spec's answer — `{error, error_description}` JSON with a 4xx
 * for APIs, a readable HTML page with a 4xx for browser endpoints, or an error sent to the client's registered
 * redirect URI with `error` and the exact `state` once client_id and redirect_uri are proven — and every response
 * is also checked for the things that must never happen: a 5xx, a stack trace or internal detail in the body, a
 * redirect anywhere but our own origin or a registered URI.
 *
 * The suite runs on SQLite and, when DATABASE_URL is set, on PostgreSQL, whose text type refuses NUL characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'node-html-parser';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { authorizationRequest, discover, oidc, signIn } from '../../../test/support/oidc.js';
import { hasPostgres } from '../../../test/support/env.js';
import { dropTestSchemas } from './support/schemas.js';

type Engine = 'sqlite' | 'postgres';
const engines: Engine[] = hasPostgres() ? ['sqlite', 'postgres'] : ['sqlite'];

const IAT = 'initial-access-token-for-bad-input-tests';
const WEB_CB = 'http://localhost:4101/cb';
const WEB_LOGOUT = 'http://localhost:4101/signed-out';
const SPA_CB = 'http://localhost:4103/';
const DYN_CB = 'http://localhost:4105/cb';
const EVIL = 'http://localhost:4101/evil';
const WEB_SECRET = 'web-secret-0123456789abcdef';
const MACHINE_SECRET = 'machine-secret-0123456789abcdef';
const ALICE = { username: 'alice', password: 'alice-password' };
/** Every URI a response may send the browser to, besides the provider itself. */
const REGISTERED = [WEB_CB, WEB_LOGOUT, SPA_CB, DYN_CB];

const KB = 1024;
const big = (n: number, ch = 'a') => ch.repeat(n);
const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(pass)}`).toString('base64')}`;
const WEB_BASIC = basic('web', WEB_SECRET);
const MACHINE_BASIC = basic('machine', MACHINE_SECRET);
const FORM = 'application/x-www-form-urlencoded';
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
/** A valid authorization request for the web client, as a query string. */
const authz = (extra: Record<string, string> = {}) =>
  q({
    client_id: 'web',
    redirect_uri: WEB_CB,
    response_type: 'code',
    scope: 'openid',
    state: 'st-123',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUlW0_Nz6',
    code_challenge_method: 'S256',
    ...extra,
  });
/** Bytes that are not UTF-8 (a lone continuation byte, an overlong NUL, an unpaired surrogate). */
const NOT_UTF8 = Buffer.from([0x80, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xff]);
const formBytes = (prefix: string, suffix = '') =>
  Buffer.concat([Buffer.from(prefix), NOT_UTF8, Buffer.from(suffix)]);

/** A Buffer over a plain ArrayBuffer (what Buffer.from and Buffer.concat return), which fetch takes as a body. */
type Bytes = Buffer<ArrayBuffer>;

interface Req {
  method?: string;
  path: string;
  /** Raw query string (duplicates, bad escapes and all). */
  query?: string;
  headers?: Record<string, string>;
  /** A form body: raw string or Buffer; content type defaults to form-urlencoded. */
  form?: string | Bytes;
  /** A JSON body: a raw string is sent as is. */
  json?: unknown;
  /** Any other body, with the content type given in headers. */
  body?: string | Bytes;
  /** Send this browser's cookies. */
  browser?: BrowserSession;
}

type Expect =
  /** An API error: JSON `{error, error_description}`. */
  | { api: number; error: string }
  /** A readable error page for a person. */
  | { page: number; text?: RegExp }
  /** An authorization error at the client's registered redirect URI. */
  | { redirect: string; error: string; state: string | null }
  /** An authorization error auto-posted to the client's registered redirect URI (response_mode=form_post). */
  | { formPost: string; error: string; state: string }
  /** Not an error at all (unknown parameters are ignored, logout without a session is fine, ...). */
  | { ok: number; type?: RegExp };

interface Row {
  name: string;
  req: Req | (() => Req);
  expect: Expect;
  /** A bug in code this suite may not change; the row is expected to fail until it is fixed. */
  knownBug?: string;
}

/** What must never appear in an answer: stack frames, file paths, driver or framework internals. */
const LEAKS = [
  /\bat \S+ \(/,
  /\bat (?:file|node):/,
  /node_modules/,
  /\/work\//,
  /\.(?:ts|js):\d+/,
  /SqliteError|SQLITE_/,
  /\bsyntax error at\b|invalid byte sequence|relation "|violates/,
  /\bFST_[A-Z_]+/,
  /TypeError|ReferenceError|RangeError|URIError/,
  /\[object Object\]/,
];

describe.each(engines)('bad input on %s', (engine) => {
  let op: TestProvider;
  const fx = {
    login: { id: '', csrf: '', browser: new BrowserSession() },
    consent: { id: '', csrf: '', browser: new BrowserSession() },
    tokens: { access: '', refresh: '', idToken: '', sid: '' },
    dynClientId: '',
    registrationToken: '',
    logout: { id: '', t: '' },
    confirm: { interaction: '', csrf: '', browser: new BrowserSession() },
  };

  beforeAll(async () => {
    op = await startTestProvider(
      {
        clients: [
          {
            client_id: 'web',
            client_secret: WEB_SECRET,
            redirect_uris: [WEB_CB],
            post_logout_redirect_uris: [WEB_LOGOUT],
          },
          { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: [SPA_CB] },
          {
            client_id: 'machine',
            client_secret: MACHINE_SECRET,
            grant_types: ['client_credentials'],
            scope: 'api:read',
          },
        ],
        users: [{ ...ALICE, name: 'Alice' }],
        registration: { initial_access_token: IAT },
      },
      { engine },
    );
    const web = await discover({
      issuer: op.issuer,
      clientId: 'web',
      clientSecret: WEB_SECRET,
      redirectUri: WEB_CB,
    });

    // A login page waiting for its form (the interaction, its cookie and its CSRF token).
    {
      const page = await fx.login.browser.navigate(`${op.issuer}/authorize?${authz()}`);
      fx.login.id = new URL(page.url).pathname.split('/').pop()!;
      fx.login.csrf = page.doc.querySelector('input[name=csrf]')!.getAttribute('value')!;
    }

    // Tokens of a live session.
    const signedIn = new BrowserSession();
    const { tokens } = await signIn(web, signedIn, WEB_CB, ALICE);
    fx.tokens = {
      access: tokens.access_token,
      refresh: tokens.refresh_token!,
      idToken: tokens.id_token!,
      sid: tokens.claims()!.sid as string,
    };

    // A dynamically registered client, and a consent page for it in a signed-in browser.
    const reg = await fetch(`${op.issuer}/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${IAT}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [DYN_CB],
        token_endpoint_auth_method: 'none',
        client_name: 'Dyn',
      }),
    });
    expect(reg.status).toBe(201);
    const registered = (await reg.json()) as { client_id: string; registration_access_token: string };
    fx.dynClientId = registered.client_id;
    fx.registrationToken = registered.registration_access_token;
    {
      const b = fx.consent.browser;
      await signIn(web, b, WEB_CB, ALICE);
      const dyn = await discover({
        issuer: op.issuer,
        clientId: fx.dynClientId,
        method: 'none',
        redirectUri: DYN_CB,
      });
      const req = await authorizationRequest(dyn, DYN_CB);
      const page = await b.navigate(req.url.toString());
      expect(page.doc.querySelector('button[name=decision]')).toBeTruthy();
      fx.consent.id = new URL(page.url).pathname.split('/').pop()!;
      fx.consent.csrf = page.doc.querySelector('input[name=csrf]')!.getAttribute('value')!;
    }

    // A finished logout and its receipt token.
    {
      const b = new BrowserSession();
      const { tokens: t } = await signIn(web, b, WEB_CB, ALICE);
      const page = await b.navigate(`${op.issuer}/end_session?${q({ id_token_hint: t.id_token! })}`);
      // The receipt's status URL (id and token) sits in the page's JSON config.
      const m = /\/end_session\/receipt\/([\w-]+)\?t=([\w-]+)/.exec(
        page.doc.querySelector('#adieu-logout')!.text,
      );
      expect(m, 'a receipt URL on the logout page').toBeTruthy();
      fx.logout = { id: m![1]!, t: m![2]! };
    }

    // A logout confirmation page (no id_token_hint: the provider asks first).
    {
      const b = fx.confirm.browser;
      await signIn(web, b, WEB_CB, ALICE);
      const page = await b.navigate(`${op.issuer}/end_session`);
      fx.confirm.csrf = page.doc.querySelector('input[name=csrf]')!.getAttribute('value')!;
      fx.confirm.interaction = page.doc.querySelector('input[name=interaction]')!.getAttribute('value')!;
    }
  });
  afterAll(async () => {
    await op?.close();
    if (op) await dropTestSchemas([op.database]);
  });

  async function send(r: Req): Promise<{ res: Response; text: string }> {
    const headers = new Headers(r.headers);
    let body: string | Bytes | undefined = r.body;
    if (r.form !== undefined) {
      if (!headers.has('content-type')) headers.set('content-type', FORM);
      body = r.form;
    } else if (r.json !== undefined) {
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      body = typeof r.json === 'string' ? r.json : JSON.stringify(r.json);
    }
    const url = `${op.issuer}${r.path}${r.query !== undefined ? `?${r.query}` : ''}`;
    if (r.browser) {
      const cookie = await r.browser.jar.getCookieString(url);
      if (cookie) headers.set('cookie', cookie);
    }
    const res = await fetch(url, {
      method: r.method ?? (body !== undefined ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    return { res, text: await res.text() };
  }

  /** The promises every answer keeps, whatever was sent. */
  function neverBroken(res: Response, text: string) {
    expect(res.status, text.slice(0, 300)).toBeLessThan(500);
    for (const leak of LEAKS) expect(text, `leaks ${leak}`).not.toMatch(leak);
    const location = res.headers.get('location');
    if (location !== null) {
      const to = new URL(location, op.issuer);
      const ours = to.origin === new URL(op.issuer).origin;
      const registered = REGISTERED.some((u) => to.toString().split('?')[0] === u.split('?')[0]);
      expect(ours || registered, `redirect to ${location}`).toBe(true);
    }
  }

  function checkExpectation(res: Response, text: string, e: Expect) {
    const type = res.headers.get('content-type') ?? '';
    if ('api' in e) {
      expect(res.status, text.slice(0, 300)).toBe(e.api);
      expect(type).toMatch(/^application\/json/);
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(body.error).toBe(e.error);
      expect(typeof body.error_description).toBe('string');
      expect((body.error_description as string).length).toBeGreaterThan(0);
      expect(res.headers.get('location')).toBeNull();
    } else if ('page' in e) {
      expect(res.status, text.slice(0, 300)).toBe(e.page);
      expect(type).toMatch(/^text\/html/);
      const doc = parse(text);
      expect(doc.querySelector('title')?.text.trim()).toBeTruthy();
      expect(doc.querySelector('h1')?.text.trim()).toBeTruthy();
      if (e.text) expect(doc.querySelector('main, body')?.text ?? text).toMatch(e.text);
      expect(res.headers.get('location')).toBeNull();
    } else if ('redirect' in e) {
      expect(res.status, text.slice(0, 300)).toBe(303);
      const to = new URL(res.headers.get('location')!);
      expect(`${to.origin}${to.pathname}`).toBe(e.redirect);
      expect(to.searchParams.get('error')).toBe(e.error);
      expect(to.searchParams.get('state')).toBe(e.state);
      expect(to.searchParams.get('iss')).toBe(op.issuer);
      expect(to.searchParams.get('code')).toBeNull();
    } else if ('formPost' in e) {
      expect(res.status).toBe(200);
      expect(type).toMatch(/^text\/html/);
      // noscript is markup here, not raw text (node-html-parser's default would swallow the form).
      const form = parse(text, { blockTextElements: { script: true, style: true } }).querySelector('form')!;
      expect(form.getAttribute('action')).toBe(e.formPost);
      const fields = Object.fromEntries(
        form
          .querySelectorAll('input[type=hidden]')
          .map((i) => [i.getAttribute('name'), i.getAttribute('value')]),
      );
      expect(fields).toMatchObject({ error: e.error, state: e.state, iss: op.issuer });
      expect(fields.code).toBeUndefined();
    } else {
      expect(res.status, text.slice(0, 300)).toBe(e.ok);
      if (e.type) expect(type).toMatch(e.type);
    }
  }

  function table(title: string, rows: Row[]) {
    describe(title, () => {
      for (const row of rows) {
        const test = row.knownBug ? it.fails : it;
        test(row.knownBug ? `${row.name} [known bug: ${row.knownBug}]` : row.name, async () => {
          const { res, text } = await send(typeof row.req === 'function' ? row.req() : row.req);
          neverBroken(res, text);
          checkExpectation(res, text, row.expect);
        });
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  table('discovery and JWKS', [
    {
      name: 'discovery ignores unknown and repeated parameters',
      req: { path: '/.well-known/openid-configuration', query: 'a=1&a=2&%ZZ' },
      expect: { ok: 200, type: /json/ },
    },
    {
      name: 'discovery with a 10 kB parameter',
      req: { path: '/.well-known/openid-configuration', query: `x=${big(10 * KB)}` },
      expect: { ok: 200 },
    },
    {
      name: 'discovery by POST is not an endpoint',
      req: { path: '/.well-known/openid-configuration', method: 'POST', form: 'a=1' },
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'jwks ignores a query',
      req: { path: '/jwks', query: 'kid=%00&kid=x' },
      expect: { ok: 200, type: /jwk-set\+json/ },
    },
    {
      name: 'jwks by DELETE is not an endpoint',
      req: { path: '/jwks', method: 'DELETE' },
      expect: { api: 404, error: 'not_found' },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  const page400 = { page: 400 } as const;
  const toWeb = (error: string, state: string | null = 'st-123') => ({ redirect: WEB_CB, error, state });
  table('authorization endpoint (GET): before client and redirect URI are proven, a page', [
    { name: 'no parameters', req: { path: '/authorize' }, expect: { page: 400, text: /client_id/ } },
    {
      name: 'client_id missing',
      req: { path: '/authorize', query: authz({ client_id: '' }) },
      expect: page400,
    },
    {
      name: 'client_id repeated',
      req: { path: '/authorize', query: `${authz()}&client_id=web` },
      expect: { page: 400, text: /client_id/ },
    },
    {
      name: 'client_id unknown',
      req: { path: '/authorize', query: authz({ client_id: 'nope' }) },
      expect: page400,
    },
    {
      name: 'client_id as array syntax',
      req: { path: '/authorize', query: authz().replace('client_id=web', 'client_id[]=web') },
      expect: page400,
    },
    {
      name: 'client_id 10 kB',
      req: { path: '/authorize', query: authz({ client_id: big(10 * KB) }) },
      expect: page400,
    },
    {
      name: 'client_id percent garbage',
      req: { path: '/authorize', query: authz().replace('client_id=web', 'client_id=%ZZ%E0%A4%A') },
      expect: page400,
    },
    {
      name: 'client_id not UTF-8',
      req: { path: '/authorize', query: authz().replace('client_id=web', 'client_id=%C0%80%ED%A0%80%FF') },
      expect: page400,
    },
    {
      name: 'client_id with a NUL',
      req: { path: '/authorize', query: authz().replace('client_id=web', 'client_id=we%00b') },
      expect: page400,
    },
    {
      name: 'redirect_uri missing',
      req: { path: '/authorize', query: authz({ redirect_uri: '' }) },
      expect: { page: 400, text: /redirect_uri/ },
    },
    {
      name: 'redirect_uri unregistered',
      req: { path: '/authorize', query: authz({ redirect_uri: EVIL }) },
      expect: { page: 400, text: /redirect_uri/ },
    },
    {
      name: 'redirect_uri registered one plus a suffix',
      req: { path: '/authorize', query: authz({ redirect_uri: `${WEB_CB}/../evil` }) },
      expect: page400,
    },
    {
      name: 'redirect_uri of another client',
      req: { path: '/authorize', query: authz({ redirect_uri: SPA_CB }) },
      expect: page400,
    },
    {
      name: 'redirect_uri repeated (registered + evil)',
      req: { path: '/authorize', query: `${authz()}&redirect_uri=${encodeURIComponent(EVIL)}` },
      expect: page400,
    },
    {
      name: 'redirect_uri 10 kB',
      req: { path: '/authorize', query: authz({ redirect_uri: `${WEB_CB}?${big(10 * KB)}` }) },
      expect: page400,
    },
    {
      name: 'redirect_uri with a NUL',
      req: { path: '/authorize', query: authz({ redirect_uri: `${WEB_CB}\u0000` }) },
      expect: page400,
    },
    {
      name: 'unregistered redirect_uri and another error: still a page',
      req: { path: '/authorize', query: authz({ redirect_uri: EVIL, response_type: 'token' }) },
      expect: page400,
    },
    {
      name: 'a 100 kB query string',
      req: { path: '/authorize', query: authz({ junk: big(100 * KB) }) },
      expect: { page: 431 },
    },
  ]);

  table(
    'authorization endpoint (GET): after client and redirect URI are proven, an error at the redirect URI',
    [
      {
        name: 'response_type missing',
        req: { path: '/authorize', query: authz({ response_type: '' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'response_type token',
        req: { path: '/authorize', query: authz({ response_type: 'token' }) },
        expect: toWeb('unsupported_response_type'),
      },
      {
        name: 'response_type repeated',
        req: { path: '/authorize', query: `${authz()}&response_type=code` },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'scope repeated',
        req: { path: '/authorize', query: `${authz()}&scope=openid` },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'nonce 10 kB',
        req: { path: '/authorize', query: authz({ nonce: big(10 * KB) }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'login_hint with a NUL',
        req: { path: '/authorize', query: authz({ login_hint: 'ali\u0000ce' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'state repeated: an error, and no state to echo',
        req: { path: '/authorize', query: `${authz()}&state=other` },
        expect: toWeb('invalid_request', null),
      },
      {
        name: 'state 10 kB: refused, not echoed',
        req: { path: '/authorize', query: authz({ state: big(10 * KB) }) },
        expect: toWeb('invalid_request', null),
      },
      {
        name: 'state with punctuation and unicode comes back exactly',
        req: { path: '/authorize', query: authz({ state: 'a b&c=d/é?#%<>"', response_type: 'x' }) },
        expect: toWeb('unsupported_response_type', 'a b&c=d/é?#%<>"'),
      },
      {
        name: 'response_mode unknown',
        req: { path: '/authorize', query: authz({ response_mode: 'carrier-pigeon' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'response_mode=form_post error is posted with the exact state',
        req: {
          path: '/authorize',
          query: authz({ response_mode: 'form_post', response_type: 'token', state: '"><script>x</script>' }),
        },
        expect: { formPost: WEB_CB, error: 'unsupported_response_type', state: '"><script>x</script>' },
      },
      {
        name: 'max_age not a number',
        req: { path: '/authorize', query: authz({ max_age: 'soon' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'max_age negative',
        req: { path: '/authorize', query: authz({ max_age: '-1' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'max_age huge',
        req: { path: '/authorize', query: authz({ max_age: '99999999999999999999' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'prompt=none combined with login',
        req: { path: '/authorize', query: authz({ prompt: 'none login' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'code_challenge_method plain',
        req: { path: '/authorize', query: authz({ code_challenge_method: 'plain' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'code_challenge too short',
        req: { path: '/authorize', query: authz({ code_challenge: 'abc' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'code_challenge without a method',
        req: { path: '/authorize', query: authz({ code_challenge_method: '' }) },
        expect: toWeb('invalid_request'),
      },
      {
        name: 'a public client without PKCE',
        req: {
          path: '/authorize',
          query: q({
            client_id: 'spa',
            redirect_uri: SPA_CB,
            response_type: 'code',
            scope: 'openid',
            state: 's',
          }),
        },
        expect: { redirect: SPA_CB, error: 'invalid_request', state: 's' },
      },
      {
        name: 'request object',
        req: { path: '/authorize', query: authz({ request: 'eyJhbGciOiJub25lIn0.e30.' }) },
        expect: toWeb('request_not_supported'),
      },
      {
        name: 'request_uri',
        req: { path: '/authorize', query: authz({ request_uri: 'https://evil.example/r' }) },
        expect: toWeb('request_uri_not_supported'),
      },
      {
        name: 'registration parameter',
        req: { path: '/authorize', query: authz({ registration: '{}' }) },
        expect: toWeb('registration_not_supported'),
      },
      {
        name: 'a client without the code grant',
        req: {
          path: '/authorize',
          query: q({ client_id: 'machine', redirect_uri: WEB_CB, response_type: 'code' }),
        },
        expect: page400,
      },
      {
        name: 'prompt=none without a session',
        req: { path: '/authorize', query: authz({ prompt: 'none' }) },
        expect: toWeb('login_required'),
      },
      {
        name: 'an id_token_hint that is garbage does not break prompt=none',
        req: { path: '/authorize', query: authz({ prompt: 'none', id_token_hint: 'not.a.jwt' }) },
        expect: toWeb('login_required'),
      },
    ],
  );

  table('authorization endpoint (GET): never an error', [
    {
      name: 'unknown parameters, display, ui_locales, acr_values, claims_locales',
      req: {
        path: '/authorize',
        query: authz({
          display: 'wap',
          ui_locales: 'xx-YY !!',
          acr_values: 'urn:x',
          claims_locales: 'zz',
          foo: 'bar',
          '%ZZ': '%ZZ',
        }),
      },
      expect: { ok: 303 },
    },
    {
      name: 'unknown scopes are dropped',
      req: { path: '/authorize', query: authz({ scope: 'openid admin:everything %00' }) },
      expect: { ok: 303 },
    },
  ]);

  table('authorization endpoint (POST)', [
    { name: 'empty form', req: { path: '/authorize', form: '' }, expect: page400 },
    {
      name: 'valid form: on to the login page',
      req: { path: '/authorize', form: authz() },
      expect: { ok: 303 },
    },
    {
      name: 'client_id repeated',
      req: { path: '/authorize', form: `${authz()}&client_id=web` },
      expect: page400,
    },
    {
      name: 'redirect_uri unregistered',
      req: { path: '/authorize', form: authz({ redirect_uri: EVIL }) },
      expect: page400,
    },
    {
      name: 'response_type repeated: error at the redirect URI',
      req: { path: '/authorize', form: `${authz()}&response_type=code` },
      expect: toWeb('invalid_request'),
    },
    {
      name: '100 kB body',
      req: { path: '/authorize', form: authz({ junk: big(100 * KB) }) },
      expect: { page: 413 },
    },
    {
      name: 'form body that is not UTF-8',
      req: { path: '/authorize', form: formBytes('client_id=') },
      expect: page400,
    },
    {
      name: 'JSON with a number for client_id',
      req: { path: '/authorize', json: { client_id: 42, redirect_uri: WEB_CB } },
      expect: page400,
    },
    {
      name: 'JSON with an array for redirect_uri',
      req: { path: '/authorize', json: { client_id: 'web', redirect_uri: [WEB_CB, EVIL] } },
      expect: page400,
    },
    {
      name: 'JSON with an object for state',
      req: {
        path: '/authorize',
        json: { client_id: 'web', redirect_uri: WEB_CB, response_type: 'code', state: { $ne: 1 } },
      },
      expect: toWeb('invalid_request', null),
    },
    { name: 'JSON array body', req: { path: '/authorize', json: '[1,2,3]' }, expect: page400 },
    { name: 'JSON null body', req: { path: '/authorize', json: 'null' }, expect: page400 },
    { name: 'bad JSON', req: { path: '/authorize', json: '{"client_id":' }, expect: page400 },
    {
      name: 'JSON with __proto__',
      req: { path: '/authorize', json: '{"__proto__":{"client_id":"web"}}' },
      expect: page400,
    },
    {
      name: 'text/plain body',
      req: { path: '/authorize', body: authz(), headers: { 'content-type': 'text/plain' } },
      expect: page400,
    },
    {
      name: 'multipart body',
      req: {
        path: '/authorize',
        body: '--x\r\n\r\n--x--',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
      },
      expect: { page: 415 },
    },
    {
      name: 'XML body',
      req: {
        path: '/authorize',
        body: '<client_id>web</client_id>',
        headers: { 'content-type': 'application/xml' },
      },
      expect: { page: 415 },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  const login = (form: string | Bytes, headers?: Record<string, string>): Req => ({
    path: `/interaction/${fx.login.id}/login`,
    form,
    browser: fx.login.browser,
    ...(headers ? { headers } : {}),
  });
  const withCsrf = (rest: string) => `csrf=${encodeURIComponent(fx.login.csrf)}&${rest}`;
  table('login page and its form', [
    {
      name: 'the page without its interaction cookie',
      req: () => ({ path: `/interaction/${fx.login.id}` }),
      expect: page400,
    },
    {
      name: 'an unknown interaction',
      req: () => ({ path: '/interaction/nope', browser: fx.login.browser }),
      expect: page400,
    },
    {
      name: 'an interaction id with percent garbage',
      req: () => ({ path: '/interaction/%ZZ%C0%80', browser: fx.login.browser }),
      expect: { page: 400 },
    },
    {
      name: 'an interaction id with a NUL',
      req: () => ({ path: '/interaction/a%00b', browser: fx.login.browser }),
      expect: page400,
    },
    {
      name: 'an interaction id of 10 kB',
      req: () => ({ path: `/interaction/${big(10 * KB)}`, browser: fx.login.browser }),
      expect: { page: 414 },
    },
    {
      name: 'the page with a query ignores it',
      req: () => ({ path: `/interaction/${fx.login.id}`, query: 'a=1&a=2', browser: fx.login.browser }),
      expect: { ok: 200, type: /html/ },
    },
    {
      name: 'POST without the cookie',
      req: () => ({ path: `/interaction/${fx.login.id}/login`, form: withCsrf(q(ALICE)) }),
      expect: page400,
    },
    { name: 'POST without csrf', req: () => login(q(ALICE)), expect: { page: 403 } },
    { name: 'POST with a wrong csrf', req: () => login(`csrf=nope&${q(ALICE)}`), expect: { page: 403 } },
    { name: 'POST with csrf repeated', req: () => login(`${withCsrf(q(ALICE))}&csrf=x`), expect: page400 },
    {
      name: 'POST with username missing',
      req: () => login(withCsrf('password=x')),
      expect: { page: 400, text: /username/i },
    },
    {
      name: 'POST with username repeated',
      req: () => login(withCsrf('username=alice&username=bob&password=x')),
      expect: page400,
    },
    {
      name: 'POST with a 10 kB username',
      req: () => login(withCsrf(q({ username: big(10 * KB), password: 'x' }))),
      expect: page400,
    },
    {
      name: 'POST with a NUL in the username',
      req: () => login(withCsrf('username=ali%00ce&password=x')),
      expect: page400,
    },
    {
      name: 'POST with a 10 kB password',
      req: () => login(withCsrf(q({ username: 'alice', password: big(10 * KB) }))),
      expect: page400,
    },
    {
      name: 'POST with a 100 kB body',
      req: () => login(withCsrf(q({ username: 'alice', password: big(100 * KB) }))),
      expect: { page: 413 },
    },
    {
      name: 'POST with a body that is not UTF-8',
      req: () => login(formBytes(withCsrf('username='), '&password=x')),
      expect: { page: 401 },
    },
    {
      name: 'POST as JSON with arrays',
      req: () => ({
        ...login(''),
        form: undefined,
        json: { csrf: fx.login.csrf, username: ['alice'], password: 'x' },
      }),
      expect: page400,
    },
    {
      name: 'POST as text/plain',
      req: () => ({
        ...login(''),
        form: undefined,
        body: withCsrf(q(ALICE)),
        headers: { 'content-type': 'text/plain' },
      }),
      expect: { page: 403 },
    },
    {
      name: 'POST with bad JSON',
      req: () => ({ ...login(''), form: undefined, json: '{' }),
      expect: page400,
    },
    {
      name: 'cancel without csrf',
      req: () => ({ path: `/interaction/${fx.login.id}/cancel`, form: '', browser: fx.login.browser }),
      expect: { page: 403 },
    },
    {
      name: 'cancel of an unknown interaction',
      req: () => ({ path: '/interaction/nope/cancel', form: 'csrf=x', browser: fx.login.browser }),
      expect: page400,
    },
    {
      name: 'GET on the form action is not an endpoint',
      req: () => ({ path: `/interaction/${fx.login.id}/login`, headers: { accept: 'text/html' } }),
      expect: { page: 404 },
    },
  ]);

  const consent = (form: string): Req => ({
    path: `/interaction/${fx.consent.id}/consent`,
    form,
    browser: fx.consent.browser,
  });
  table('consent page and its form', [
    {
      name: 'the consent page renders',
      req: () => ({ path: `/interaction/${fx.consent.id}`, browser: fx.consent.browser }),
      expect: { ok: 200, type: /html/ },
    },
    { name: 'POST without csrf', req: () => consent('decision=allow'), expect: { page: 403 } },
    {
      name: 'POST with decision repeated',
      req: () => consent(`csrf=${fx.consent.csrf}&decision=allow&decision=deny`),
      expect: page400,
    },
    {
      name: 'POST from a browser without the session',
      req: () => ({
        path: `/interaction/${fx.consent.id}/consent`,
        form: `csrf=${fx.consent.csrf}&decision=allow`,
        headers: { cookie: `adieu_interaction=${fx.consent.id}` },
      }),
      expect: page400,
    },
    {
      name: 'POST to the login action of a consent interaction',
      req: () => ({
        path: `/interaction/${fx.consent.id}/login`,
        form: `csrf=${fx.consent.csrf}&username=alice&password=x`,
        browser: fx.consent.browser,
      }),
      expect: page400,
    },
    {
      name: 'POST as JSON with an object for csrf',
      req: () => ({
        path: `/interaction/${fx.consent.id}/consent`,
        json: { csrf: { a: 1 }, decision: 'allow' },
        browser: fx.consent.browser,
      }),
      expect: page400,
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  const token = (
    form: string | Bytes,
    headers: Record<string, string> = { authorization: WEB_BASIC },
  ): Req => ({
    path: '/token',
    form,
    headers,
  });
  table('token endpoint: client authentication', [
    {
      name: 'no credentials at all',
      req: token('grant_type=client_credentials', {}),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'empty body, no credentials',
      req: { path: '/token', method: 'POST' },
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'unknown client',
      req: token('grant_type=client_credentials', { authorization: basic('nope', 'x') }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'wrong secret',
      req: token('grant_type=client_credentials', { authorization: basic('machine', 'wrong') }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic that is not base64',
      req: token('grant_type=client_credentials', { authorization: 'Basic !!!***' }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic without a colon',
      req: token('grant_type=client_credentials', {
        authorization: `Basic ${Buffer.from('machine').toString('base64')}`,
      }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic with percent garbage',
      req: token('grant_type=client_credentials', {
        authorization: `Basic ${Buffer.from('%ZZ:%E0%A4%A').toString('base64')}`,
      }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic that is not UTF-8',
      req: token('grant_type=client_credentials', {
        authorization: `Basic ${Buffer.concat([NOT_UTF8, Buffer.from(':x')]).toString('base64')}`,
      }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic with a NUL in the client_id',
      req: token('grant_type=client_credentials', { authorization: basic('mach\u0000ine', MACHINE_SECRET) }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic of 10 kB',
      req: token('grant_type=client_credentials', {
        authorization: `Basic ${Buffer.from(`${big(5 * KB)}:${big(5 * KB)}`).toString('base64')}`,
      }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic with an empty value',
      req: token('grant_type=client_credentials', { authorization: 'Basic ' }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'two Authorization headers',
      req: token('grant_type=client_credentials', { authorization: `${MACHINE_BASIC}, ${WEB_BASIC}` }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Bearer instead of Basic',
      req: token('grant_type=client_credentials', { authorization: 'Bearer abc' }),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'Basic and client_secret in the body',
      req: token(`grant_type=client_credentials&client_secret=${MACHINE_SECRET}`, {
        authorization: MACHINE_BASIC,
      }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'Basic and a different client_id in the body',
      req: token('grant_type=client_credentials&client_id=web', { authorization: MACHINE_BASIC }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'client_id repeated in the body',
      req: token('grant_type=client_credentials&client_id=spa&client_id=web', {}),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'client_secret_post for a client_secret_basic client',
      req: token(`grant_type=client_credentials&client_id=machine&client_secret=${MACHINE_SECRET}`, {}),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'a public client pretending with client_id only where a secret is needed',
      req: token('grant_type=client_credentials&client_id=machine', {}),
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'client_id of 10 kB in the body',
      req: token(q({ grant_type: 'client_credentials', client_id: big(10 * KB) }), {}),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'client_id with a NUL in the body',
      req: token('grant_type=authorization_code&client_id=sp%00a&code=x', {}),
      expect: { api: 400, error: 'invalid_request' },
    },
  ]);

  table('token endpoint: grants and parameters', [
    { name: 'grant_type missing', req: token(''), expect: { api: 400, error: 'invalid_request' } },
    {
      name: 'grant_type unknown',
      req: token('grant_type=password&username=alice&password=x'),
      expect: { api: 400, error: 'unsupported_grant_type' },
    },
    {
      name: 'grant_type as a URN nobody supports',
      req: token('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer'),
      expect: { api: 400, error: 'unsupported_grant_type' },
    },
    {
      name: 'grant_type repeated',
      req: token('grant_type=authorization_code&grant_type=refresh_token'),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'grant_type with array syntax',
      req: token('grant_type[]=authorization_code'),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'grant_type 10 kB',
      req: token(q({ grant_type: big(10 * KB) })),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'authorization_code: code missing',
      req: token(q({ grant_type: 'authorization_code', redirect_uri: WEB_CB })),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'authorization_code: code unknown',
      req: token(
        q({ grant_type: 'authorization_code', code: 'nope', redirect_uri: WEB_CB, code_verifier: big(43) }),
      ),
      expect: { api: 400, error: 'invalid_grant' },
    },
    {
      name: 'authorization_code: code repeated',
      req: token(`grant_type=authorization_code&code=a&code=b&redirect_uri=${encodeURIComponent(WEB_CB)}`),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'authorization_code: code 10 kB',
      req: token(q({ grant_type: 'authorization_code', code: big(10 * KB) })),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'authorization_code: code with a NUL',
      req: token('grant_type=authorization_code&code=a%00b'),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'authorization_code: code not UTF-8',
      req: token(formBytes('grant_type=authorization_code&code=')),
      expect: { api: 400, error: 'invalid_grant' },
    },
    {
      name: 'authorization_code: a refresh token as the code',
      req: () =>
        token(q({ grant_type: 'authorization_code', code: fx.tokens.refresh, redirect_uri: WEB_CB })),
      expect: { api: 400, error: 'invalid_grant' },
    },
    {
      name: 'authorization_code: for a client without the grant',
      req: token(q({ grant_type: 'authorization_code', code: 'x' }), { authorization: MACHINE_BASIC }),
      expect: { api: 400, error: 'unauthorized_client' },
    },
    {
      name: 'refresh_token: token missing',
      req: token('grant_type=refresh_token'),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'refresh_token: token unknown',
      req: token('grant_type=refresh_token&refresh_token=nope'),
      expect: { api: 400, error: 'invalid_grant' },
    },
    {
      name: 'refresh_token: token repeated',
      req: () => token(`grant_type=refresh_token&refresh_token=${fx.tokens.refresh}&refresh_token=x`),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'refresh_token: an access token as the refresh token',
      req: () => token(q({ grant_type: 'refresh_token', refresh_token: fx.tokens.access })),
      expect: { api: 400, error: 'invalid_grant' },
    },
    {
      name: 'refresh_token: scope repeated',
      req: () =>
        token(`grant_type=refresh_token&refresh_token=${fx.tokens.refresh}&scope=openid&scope=email`),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'refresh_token: scope wider than granted',
      req: () =>
        token(q({ grant_type: 'refresh_token', refresh_token: fx.tokens.refresh, scope: 'openid admin' })),
      expect: { api: 400, error: 'invalid_scope' },
    },
    {
      name: 'refresh_token: of another client',
      req: () =>
        token(q({ grant_type: 'refresh_token', refresh_token: fx.tokens.refresh, client_id: 'spa' }), {}),
      expect: { api: 400, error: 'invalid_grant' },
    },
    {
      name: 'client_credentials: a scope it may not have',
      req: token('grant_type=client_credentials&scope=openid', { authorization: MACHINE_BASIC }),
      expect: { api: 400, error: 'invalid_scope' },
    },
    {
      name: 'client_credentials: scope with a NUL',
      req: token('grant_type=client_credentials&scope=api%3Aread%00', { authorization: MACHINE_BASIC }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'client_credentials: for a client without the grant',
      req: token('grant_type=client_credentials'),
      expect: { api: 400, error: 'unauthorized_client' },
    },
    {
      name: 'client_credentials: works (control row)',
      req: token('grant_type=client_credentials&scope=api%3Aread&unknown=1', {
        authorization: MACHINE_BASIC,
      }),
      expect: { ok: 200, type: /json/ },
    },
  ]);

  table('token endpoint: bodies', [
    {
      name: '100 kB body',
      req: token(q({ grant_type: 'client_credentials', junk: big(100 * KB) }), {
        authorization: MACHINE_BASIC,
      }),
      expect: { api: 413, error: 'invalid_request' },
    },
    {
      name: 'bad JSON',
      req: { path: '/token', json: '{"grant_type":', headers: { authorization: MACHINE_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'JSON with an array for grant_type',
      req: {
        path: '/token',
        json: { grant_type: ['client_credentials'] },
        headers: { authorization: MACHINE_BASIC },
      },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'JSON with a number for client_id',
      req: { path: '/token', json: { grant_type: 'client_credentials', client_id: 7 } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'JSON string body',
      req: {
        path: '/token',
        json: '"grant_type=client_credentials"',
        headers: { authorization: MACHINE_BASIC },
      },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'JSON with __proto__',
      req: {
        path: '/token',
        json: '{"__proto__":{"grant_type":"client_credentials"}}',
        headers: { authorization: MACHINE_BASIC },
      },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'text/plain body',
      req: {
        path: '/token',
        body: 'grant_type=client_credentials',
        headers: { authorization: MACHINE_BASIC, 'content-type': 'text/plain' },
      },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'XML body',
      req: {
        path: '/token',
        body: '<grant_type/>',
        headers: { authorization: MACHINE_BASIC, 'content-type': 'application/xml' },
      },
      expect: { api: 415, error: 'invalid_request' },
    },
    {
      name: 'a content type that is not a media type',
      req: { path: '/token', body: 'x', headers: { authorization: MACHINE_BASIC, 'content-type': ';;;' } },
      expect: { api: 415, error: 'invalid_request' },
    },
    {
      name: 'GET is not the token endpoint',
      req: {
        path: '/token',
        query: 'grant_type=client_credentials',
        headers: { authorization: MACHINE_BASIC },
      },
      expect: { api: 404, error: 'not_found' },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  const invalidToken = { api: 401, error: 'invalid_token' } as const;
  table('userinfo', [
    { name: 'GET without a token', req: { path: '/userinfo' }, expect: invalidToken },
    {
      name: 'GET with a garbage token',
      req: { path: '/userinfo', headers: { authorization: 'Bearer garbage' } },
      expect: invalidToken,
    },
    {
      name: 'GET with an empty Bearer',
      req: { path: '/userinfo', headers: { authorization: 'Bearer ' } },
      expect: invalidToken,
    },
    {
      name: 'GET with two tokens in the header',
      req: { path: '/userinfo', headers: { authorization: 'Bearer a b' } },
      expect: invalidToken,
    },
    {
      name: 'GET with Basic',
      req: { path: '/userinfo', headers: { authorization: WEB_BASIC } },
      expect: invalidToken,
    },
    {
      name: 'GET with a 10 kB token',
      req: { path: '/userinfo', headers: { authorization: `Bearer ${big(10 * KB)}` } },
      expect: invalidToken,
    },
    {
      // Beyond Node's 16 kB header limit: refused by the HTTP parser, still in the API's JSON shape.
      name: 'GET with a 100 kB Authorization header',
      req: { path: '/userinfo', headers: { authorization: `Bearer ${big(100 * KB)}` } },
      expect: { api: 431, error: 'invalid_request' },
    },
    {
      name: 'GET with a refresh token',
      req: () => ({ path: '/userinfo', headers: { authorization: `Bearer ${fx.tokens.refresh}` } }),
      expect: invalidToken,
    },
    {
      name: 'GET with the ID token',
      req: () => ({ path: '/userinfo', headers: { authorization: `Bearer ${fx.tokens.idToken}` } }),
      expect: invalidToken,
    },
    {
      name: 'GET with a token forged with alg none',
      req: () => ({ path: '/userinfo', headers: { authorization: `Bearer ${noneToken(fx.tokens.access)}` } }),
      expect: invalidToken,
    },
    {
      name: 'GET with the token in the query (not allowed)',
      req: () => ({ path: '/userinfo', query: q({ access_token: fx.tokens.access }) }),
      expect: invalidToken,
    },
    { name: 'POST without a token', req: { path: '/userinfo', form: '' }, expect: invalidToken },
    {
      name: 'POST with the token repeated in the body',
      req: () => ({ path: '/userinfo', form: `access_token=${fx.tokens.access}&access_token=x` }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'POST with the token in header and body',
      req: () => ({
        path: '/userinfo',
        form: q({ access_token: fx.tokens.access }),
        headers: { authorization: `Bearer ${fx.tokens.access}` },
      }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'POST with a JSON number for the token',
      req: { path: '/userinfo', json: { access_token: 12 } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'POST with a 100 kB body',
      req: { path: '/userinfo', form: q({ access_token: big(100 * KB) }) },
      expect: { api: 413, error: 'invalid_request' },
    },
    {
      name: 'POST as text/plain',
      req: { path: '/userinfo', body: 'access_token=x', headers: { 'content-type': 'text/plain' } },
      expect: invalidToken,
    },
    {
      name: 'POST with a body that is not UTF-8',
      req: { path: '/userinfo', form: formBytes('access_token=') },
      expect: invalidToken,
    },
    {
      name: 'GET with a good token works (control row)',
      req: () => ({ path: '/userinfo', headers: { authorization: `Bearer ${fx.tokens.access}` } }),
      expect: { ok: 200, type: /json/ },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  table('revocation (RFC 7009)', [
    {
      name: 'no client authentication',
      req: { path: '/revoke', form: 'token=x' },
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'token missing',
      req: { path: '/revoke', form: '', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token repeated',
      req: { path: '/revoke', form: 'token=a&token=b', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token 10 kB',
      req: { path: '/revoke', form: q({ token: big(10 * KB) }), headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token with a NUL',
      req: { path: '/revoke', form: 'token=a%00b', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token_type_hint unknown',
      req: {
        path: '/revoke',
        form: 'token=a&token_type_hint=id_token',
        headers: { authorization: WEB_BASIC },
      },
      expect: { api: 400, error: 'unsupported_token_type' },
    },
    {
      name: 'JSON array for token',
      req: { path: '/revoke', json: { token: ['a'] }, headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: '100 kB body',
      req: {
        path: '/revoke',
        form: q({ token: 'a', junk: big(100 * KB) }),
        headers: { authorization: WEB_BASIC },
      },
      expect: { api: 413, error: 'invalid_request' },
    },
    {
      name: 'text/plain body',
      req: {
        path: '/revoke',
        body: 'token=a',
        headers: { authorization: WEB_BASIC, 'content-type': 'text/plain' },
      },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'an unknown token is fine (RFC 7009 §2.2)',
      req: { path: '/revoke', form: 'token=unknown', headers: { authorization: WEB_BASIC } },
      expect: { ok: 200 },
    },
    {
      name: 'a token not UTF-8 is just unknown',
      req: { path: '/revoke', form: formBytes('token='), headers: { authorization: WEB_BASIC } },
      expect: { ok: 200 },
    },
  ]);

  table('introspection (RFC 7662)', [
    {
      name: 'no client authentication',
      req: { path: '/introspect', form: 'token=x' },
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'a public client',
      req: { path: '/introspect', form: 'token=x&client_id=spa' },
      expect: { api: 401, error: 'invalid_client' },
    },
    {
      name: 'token missing',
      req: { path: '/introspect', form: '', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token repeated',
      req: { path: '/introspect', form: 'token=a&token=b', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token with a NUL',
      req: { path: '/introspect', form: 'token=a%00b', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'token_type_hint repeated',
      req: {
        path: '/introspect',
        form: 'token=a&token_type_hint=a&token_type_hint=b',
        headers: { authorization: WEB_BASIC },
      },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'JSON object for token',
      req: { path: '/introspect', json: { token: { a: 1 } }, headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: '100 kB body',
      req: { path: '/introspect', form: q({ token: big(100 * KB) }), headers: { authorization: WEB_BASIC } },
      expect: { api: 413, error: 'invalid_request' },
    },
    {
      name: 'bad JSON',
      req: { path: '/introspect', json: '{', headers: { authorization: WEB_BASIC } },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'garbage token is inactive, not an error',
      req: { path: '/introspect', form: formBytes('token='), headers: { authorization: WEB_BASIC } },
      expect: { ok: 200, type: /json/ },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  const register = (json: unknown, headers: Record<string, string> = {}): Req => ({
    path: '/register',
    json,
    headers: { authorization: `Bearer ${IAT}`, ...headers },
  });
  const badMetadata = { api: 400, error: 'invalid_client_metadata' } as const;
  table('dynamic client registration (RFC 7591)', [
    {
      name: 'no initial access token',
      req: { path: '/register', json: { redirect_uris: [DYN_CB] } },
      expect: invalidToken,
    },
    {
      name: 'a wrong initial access token',
      req: register({ redirect_uris: [DYN_CB] }, { authorization: 'Bearer wrong-token' }),
      expect: invalidToken,
    },
    {
      name: 'Basic instead of Bearer',
      req: register({ redirect_uris: [DYN_CB] }, { authorization: WEB_BASIC }),
      expect: invalidToken,
    },
    { name: 'an empty JSON object', req: register({}), expect: { api: 400, error: 'invalid_redirect_uri' } },
    {
      name: 'redirect_uris as a string',
      req: register({ redirect_uris: DYN_CB }),
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'redirect_uris with a relative URI',
      req: register({ redirect_uris: ['/cb'] }),
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'redirect_uris with javascript:',
      req: register({ redirect_uris: ['javascript:alert(1)'] }),
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'redirect_uris with a fragment',
      req: register({ redirect_uris: [`${DYN_CB}#x`] }),
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'redirect_uris with plain http off localhost',
      req: register({ redirect_uris: ['http://example.com/cb'] }),
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'redirect_uris with a NUL',
      req: register({ redirect_uris: [`${DYN_CB}\u0000`] }),
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'client_name as a number',
      req: register({ redirect_uris: [DYN_CB], client_name: 5 }),
      expect: badMetadata,
    },
    {
      name: 'client_name of 10 kB',
      req: register({ redirect_uris: [DYN_CB], client_name: big(10 * KB) }),
      expect: badMetadata,
    },
    {
      name: 'grant_types as a string',
      req: register({ redirect_uris: [DYN_CB], grant_types: 'authorization_code' }),
      expect: badMetadata,
    },
    {
      name: 'grant_types unknown',
      req: register({ redirect_uris: [DYN_CB], grant_types: ['password'] }),
      expect: badMetadata,
    },
    {
      name: 'token_endpoint_auth_method unknown',
      req: register({ redirect_uris: [DYN_CB], token_endpoint_auth_method: 'private_key_jwt' }),
      expect: badMetadata,
    },
    {
      name: 'token_endpoint_auth_method as a number',
      req: register({ redirect_uris: [DYN_CB], token_endpoint_auth_method: 1 }),
      expect: badMetadata,
    },
    {
      name: 'response_types token',
      req: register({ redirect_uris: [DYN_CB], response_types: ['token'] }),
      expect: badMetadata,
    },
    {
      name: 'a back-channel URI on loopback',
      req: register({ redirect_uris: [DYN_CB], backchannel_logout_uri: 'http://127.0.0.1:9/bc' }),
      expect: badMetadata,
    },
    { name: 'a JSON array', req: register([{ redirect_uris: [DYN_CB] }]), expect: badMetadata },
    { name: 'JSON null', req: register('null'), expect: badMetadata },
    { name: 'a JSON string', req: register('"hello"'), expect: badMetadata },
    {
      name: 'bad JSON',
      req: register('{"redirect_uris": ['),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'JSON with __proto__',
      req: register('{"redirect_uris":["http://localhost:4105/cb"],"__proto__":{"x":1}}'),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'a 100 kB body',
      req: register({ redirect_uris: [DYN_CB], client_name: big(100 * KB) }),
      expect: { api: 413, error: 'invalid_request' },
    },
    {
      name: 'a form body',
      req: {
        path: '/register',
        form: `redirect_uris=${encodeURIComponent(DYN_CB)}`,
        headers: { authorization: `Bearer ${IAT}` },
      },
      expect: { api: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'a text/plain body',
      req: {
        path: '/register',
        body: '{}',
        headers: { authorization: `Bearer ${IAT}`, 'content-type': 'text/plain' },
      },
      expect: badMetadata,
    },
    {
      name: 'no body',
      req: { path: '/register', method: 'POST', headers: { authorization: `Bearer ${IAT}` } },
      expect: badMetadata,
    },
    {
      name: 'unknown metadata is ignored (control row)',
      req: register({
        redirect_uris: [DYN_CB],
        token_endpoint_auth_method: 'none',
        software_statement_x: 1,
        client_id: 'mine',
      }),
      expect: { ok: 201, type: /json/ },
    },
    {
      name: 'reading a client without its token',
      req: () => ({ path: `/register/${fx.dynClientId}` }),
      expect: invalidToken,
    },
    {
      name: 'reading a client with another token',
      req: () => ({ path: `/register/${fx.dynClientId}`, headers: { authorization: `Bearer ${IAT}` } }),
      expect: invalidToken,
    },
    {
      name: 'reading an unknown client',
      req: () => ({ path: '/register/nope', headers: { authorization: `Bearer ${fx.registrationToken}` } }),
      expect: invalidToken,
    },
    {
      name: 'reading a client id with a NUL',
      req: () => ({ path: '/register/a%00b', headers: { authorization: `Bearer ${fx.registrationToken}` } }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'reading a client id with percent garbage',
      req: () => ({ path: '/register/%ZZ', headers: { authorization: `Bearer ${fx.registrationToken}` } }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'deleting without a token',
      req: () => ({ path: `/register/${fx.dynClientId}`, method: 'DELETE' }),
      expect: invalidToken,
    },
    {
      name: 'PUT is not supported',
      req: () => ({ path: `/register/${fx.dynClientId}`, method: 'PUT', json: {} }),
      expect: { api: 404, error: 'not_found' },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  table('end_session (RP-Initiated Logout)', [
    {
      name: 'no parameters, no session: signed out, not an error',
      req: { path: '/end_session' },
      expect: { ok: 200, type: /html/ },
    },
    {
      name: 'id_token_hint garbage',
      req: { path: '/end_session', query: q({ id_token_hint: 'not-a-jwt' }) },
      expect: page400,
    },
    {
      name: 'id_token_hint forged with alg none',
      req: () => ({ path: '/end_session', query: q({ id_token_hint: noneToken(fx.tokens.idToken) }) }),
      expect: page400,
    },
    {
      name: 'id_token_hint repeated',
      req: () => ({
        path: '/end_session',
        query: `${q({ id_token_hint: fx.tokens.idToken })}&id_token_hint=x`,
      }),
      expect: page400,
    },
    {
      name: 'id_token_hint 10 kB',
      req: { path: '/end_session', query: q({ id_token_hint: big(10 * KB) }) },
      expect: page400,
    },
    {
      name: 'client_id unknown',
      req: { path: '/end_session', query: q({ client_id: 'nope' }) },
      expect: page400,
    },
    {
      name: 'client_id not matching the hint',
      req: () => ({ path: '/end_session', query: q({ id_token_hint: fx.tokens.idToken, client_id: 'spa' }) }),
      expect: page400,
    },
    {
      name: 'post_logout_redirect_uri unregistered',
      req: { path: '/end_session', query: q({ client_id: 'web', post_logout_redirect_uri: EVIL }) },
      // Issue 12: an unusable URI never blocks a sign-out; it is never followed (200 page, no redirect).
      expect: { ok: 200, type: /html/ },
    },
    {
      name: 'post_logout_redirect_uri without a client',
      req: { path: '/end_session', query: q({ post_logout_redirect_uri: WEB_LOGOUT }) },
      // Issue 12: an unusable URI never blocks a sign-out; it is never followed (200 page, no redirect).
      expect: { ok: 200, type: /html/ },
    },
    {
      name: 'post_logout_redirect_uri repeated',
      req: {
        path: '/end_session',
        query: `${q({ client_id: 'web', post_logout_redirect_uri: WEB_LOGOUT })}&post_logout_redirect_uri=${encodeURIComponent(EVIL)}`,
      },
      expect: page400,
    },
    {
      name: 'post_logout_redirect_uri of another client',
      req: { path: '/end_session', query: q({ client_id: 'spa', post_logout_redirect_uri: WEB_LOGOUT }) },
      // Issue 12: an unusable URI never blocks a sign-out; it is never followed (200 page, no redirect).
      expect: { ok: 200, type: /html/ },
    },
    { name: 'state repeated', req: { path: '/end_session', query: 'state=a&state=b' }, expect: page400 },
    {
      name: 'state 10 kB',
      req: { path: '/end_session', query: q({ state: big(10 * KB) }) },
      expect: page400,
    },
    {
      name: 'client_id with a NUL',
      req: { path: '/end_session', query: 'client_id=we%00b' },
      expect: page400,
    },
    {
      name: 'percent garbage and non-UTF-8 are just unknown values',
      req: { path: '/end_session', query: 'ui_locales=%ZZ%C0%80&logout_hint=%FF' },
      expect: { ok: 200, type: /html/ },
    },
    {
      name: 'no session, a registered redirect: straight there with state',
      req: {
        path: '/end_session',
        query: q({ client_id: 'web', post_logout_redirect_uri: WEB_LOGOUT, state: 'x y' }),
      },
      expect: { ok: 303 },
    },
    {
      name: 'POST with a repeated client_id',
      req: { path: '/end_session', form: 'client_id=web&client_id=spa' },
      expect: page400,
    },
    {
      name: 'POST with JSON arrays',
      req: { path: '/end_session', json: { client_id: ['web'] } },
      expect: page400,
    },
    { name: 'POST with bad JSON', req: { path: '/end_session', json: '{"a"' }, expect: page400 },
    {
      name: 'POST with a 100 kB body',
      req: { path: '/end_session', form: q({ state: big(100 * KB) }) },
      expect: { page: 413 },
    },
    {
      name: 'POST as text/plain',
      req: { path: '/end_session', body: 'client_id=web', headers: { 'content-type': 'text/plain' } },
      expect: { ok: 200, type: /html/ },
    },
    {
      name: 'POST with a body that is not UTF-8',
      req: { path: '/end_session', form: formBytes('client_id=') },
      expect: page400,
    },
  ]);

  const confirm = (form: string): Req => ({
    path: '/end_session/confirm',
    form,
    browser: fx.confirm.browser,
  });
  table('end_session confirmation', [
    { name: 'no fields', req: () => confirm(''), expect: { page: 403 } },
    {
      name: 'a wrong csrf',
      req: () => confirm(q({ interaction: fx.confirm.interaction, csrf: 'nope', confirm: 'yes' })),
      expect: { page: 403 },
    },
    {
      name: 'csrf repeated',
      req: () => confirm(`${q({ interaction: fx.confirm.interaction, csrf: fx.confirm.csrf })}&csrf=x`),
      expect: page400,
    },
    {
      name: 'interaction repeated',
      req: () =>
        confirm(`${q({ interaction: fx.confirm.interaction, csrf: fx.confirm.csrf })}&interaction=x`),
      expect: page400,
    },
    {
      name: 'interaction 10 kB',
      req: () => confirm(q({ interaction: big(10 * KB), csrf: fx.confirm.csrf })),
      expect: page400,
    },
    {
      name: 'interaction with a NUL',
      req: () => confirm(`interaction=a%00b&csrf=${fx.confirm.csrf}&confirm=yes`),
      expect: page400,
    },
    {
      name: 'a login interaction used as a logout one',
      req: () => confirm(q({ interaction: fx.login.id, csrf: fx.login.csrf, confirm: 'yes' })),
      expect: { page: 403 },
    },
    {
      name: 'JSON with an object for csrf',
      req: () => ({
        path: '/end_session/confirm',
        json: { interaction: fx.confirm.interaction, csrf: {} },
        browser: fx.confirm.browser,
      }),
      expect: page400,
    },
    {
      name: 'a 100 kB body',
      req: () => confirm(q({ interaction: fx.confirm.interaction, junk: big(100 * KB) })),
      expect: { page: 413 },
    },
    {
      name: 'GET is not an endpoint',
      req: { path: '/end_session/confirm', headers: { accept: 'text/html' } },
      expect: { page: 404 },
    },
  ]);

  table('end_session receipt', [
    {
      name: 'without its token',
      req: () => ({ path: `/end_session/receipt/${fx.logout.id}` }),
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'with a wrong token',
      req: () => ({ path: `/end_session/receipt/${fx.logout.id}`, query: 't=wrong' }),
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'with the token repeated',
      req: () => ({ path: `/end_session/receipt/${fx.logout.id}`, query: `t=${fx.logout.t}&t=x` }),
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'for an unknown logout',
      req: { path: '/end_session/receipt/lo_nope', query: 't=x' },
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'for a logout id with a NUL',
      req: { path: '/end_session/receipt/lo%00x', query: 't=x' },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'for a logout id with percent garbage',
      req: { path: '/end_session/receipt/%ZZ', query: 't=x' },
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'the receipt with its token works (control row)',
      req: () => ({ path: `/end_session/receipt/${fx.logout.id}`, query: q({ t: fx.logout.t }) }),
      expect: { ok: 200, type: /json/ },
    },
    {
      name: 'front-channel results without the token',
      req: () => ({ path: `/end_session/receipt/${fx.logout.id}/frontchannel`, json: { results: [] } }),
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'front-channel results of the wrong shape are ignored',
      req: () => ({
        path: `/end_session/receipt/${fx.logout.id}/frontchannel`,
        query: q({ t: fx.logout.t }),
        json: {
          results: [
            null,
            1,
            'x',
            { client_id: 5 },
            { client_id: 'web', status: 'hacked' },
            { client_id: 'web', status: 'acknowledged', detail: { a: 1 } },
          ],
        },
      }),
      expect: { ok: 204 },
    },
    {
      name: 'front-channel results as bad JSON',
      req: () => ({
        path: `/end_session/receipt/${fx.logout.id}/frontchannel`,
        query: q({ t: fx.logout.t }),
        json: '[',
      }),
      expect: { api: 400, error: 'invalid_request' },
    },
    {
      name: 'front-channel results of 100 kB',
      req: () => ({
        path: `/end_session/receipt/${fx.logout.id}/frontchannel`,
        query: q({ t: fx.logout.t }),
        json: { results: [{ client_id: big(100 * KB) }] },
      }),
      expect: { api: 413, error: 'invalid_request' },
    },
    {
      name: 'front-channel results as XML',
      req: () => ({
        path: `/end_session/receipt/${fx.logout.id}/frontchannel`,
        query: q({ t: fx.logout.t }),
        body: '<results/>',
        headers: { 'content-type': 'application/xml' },
      }),
      expect: { api: 415, error: 'invalid_request' },
    },
    {
      name: 'the done page without its token',
      req: () => ({ path: `/end_session/done/${fx.logout.id}` }),
      expect: { page: 404 },
    },
    {
      name: 'the done page with the token repeated',
      req: () => ({ path: `/end_session/done/${fx.logout.id}`, query: `t=${fx.logout.t}&t=x` }),
      expect: { page: 404 },
    },
  ]);

  // ---------------------------------------------------------------------------------------------------------------
  table('unknown paths and methods', [
    {
      name: 'an unknown path (API client)',
      req: { path: '/nope' },
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'an unknown path (browser)',
      req: { path: '/nope', headers: { accept: 'text/html' } },
      expect: { page: 404 },
    },
    {
      name: 'an unknown path with markup is escaped',
      req: { path: '/%3Cscript%3Ealert(1)%3C/script%3E', headers: { accept: 'text/html' } },
      expect: { page: 404 },
    },
    {
      name: 'an unknown path of 10 kB',
      req: { path: `/${big(10 * KB)}` },
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'a path with percent garbage',
      req: { path: '/%ZZ/%C0%80' },
      expect: { api: 400, error: 'invalid_request' },
    },
    { name: 'a path with a NUL', req: { path: '/a%00b' }, expect: { api: 400, error: 'invalid_request' } },
    {
      name: 'path traversal in assets',
      req: { path: '/assets/..%2F..%2Fpackage.json' },
      expect: { api: 404, error: 'not_found' },
    },
    { name: 'an unknown asset', req: { path: '/assets/nope.js' }, expect: { api: 404, error: 'not_found' } },
    {
      name: 'PUT on the token endpoint',
      req: { path: '/token', method: 'PUT', form: 'grant_type=client_credentials' },
      expect: { api: 404, error: 'not_found' },
    },
    {
      name: 'DELETE on authorize (browser)',
      req: { path: '/authorize', method: 'DELETE', headers: { accept: 'text/html' } },
      expect: { page: 404 },
    },
    {
      name: 'a body on an unknown path',
      req: { path: '/nope', json: '{' },
      expect: { api: 400, error: 'invalid_request' },
    },
  ]);

  it('an unknown path never reflects markup unescaped', async () => {
    const { res, text } = await send({ path: '/x%3Cimg%20src%3Dx%3E', headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(text).not.toMatch(/<img src=x>/i);
  });

  it('a request after all of this still works: the provider is healthy', async () => {
    const web = await discover({
      issuer: op.issuer,
      clientId: 'web',
      clientSecret: WEB_SECRET,
      redirectUri: WEB_CB,
    });
    const { tokens } = await signIn(web, new BrowserSession(), WEB_CB, ALICE);
    expect(tokens.access_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(web, tokens.access_token, tokens.claims()!.sub);
    expect(info.sub).toBe(tokens.claims()!.sub);
  });
});

/** The same claims, re-encoded with `alg: none` and no signature. */
function noneToken(jwt: string): string {
  const [, payload] = jwt.split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${payload}.`;
}
