import { Headers, getSetCookies } from 'undici';
import type { Client } from '../../domain/clients.js';
import type { KeyStore } from '../../keys/keystore.js';
import { algNotOffered } from '../../keys/algorithms.js';
import type { TokenSigner } from '../../protocol/jwt.js';
import { notFound } from '../../protocol/errors.js';
import { describeSendError, type BackchannelSender, type Exchange } from '../../logout/backchannel-sender.js';
import { framingVerdict, type FramingVerdict } from './framing.js';
import {
  LogoutTokenMatrix,
  NEGATIVE_CASES,
  syntheticSubject,
  type NegativeCase,
} from './logout-token-matrix.js';

/** One thing wrong with an app's logout endpoints, named by a stable `check` code. */
export interface Problem {
  check: string;
  severity: 'error' | 'warning';
  message: string;
}

export interface HttpAnswer {
  status: number;
  latency_ms: number;
  headers: Record<string, string>;
  body_excerpt: string;
}

export interface TransportReport {
  scheme: string;
  /** `valid`: the provider's own CA set trusts it; `not_https`: plain http; `unknown`: never connected. */
  tls: 'valid' | 'invalid' | 'not_https' | 'unknown';
  tls_error?: string;
  redirects: { status: number; location: string }[];
}

export interface NegativeResult {
  name: NegativeCase;
  label: string;
  status: number | null;
  latency_ms: number | null;
  /** `rejected`: 400 as the spec asks; `accepted`: 2xx (a real problem); `wrong_status`: refused, but not 400. */
  verdict: 'rejected' | 'accepted' | 'wrong_status' | 'error' | 'skipped';
  detail: string;
}

export interface BackchannelReport {
  uri: string;
  transport: TransportReport;
  test: { ok: boolean; answer?: HttpAnswer; error?: string };
  negatives: NegativeResult[];
}

export interface CookieReport {
  name: string;
  same_site: string | null;
  secure: boolean;
}

export interface FrontchannelReport {
  uri: string;
  /** The URL fetched, with `iss` and `sid` as the provider's iframe carries them. */
  fetched: string;
  transport: TransportReport;
  answer?: HttpAnswer;
  error?: string;
  framing?: FramingVerdict;
  cookies: CookieReport[];
}

/** What `adieu doctor --client ID` and `POST /api/v1/clients/{id}/doctor` answer. */
export interface DoctorReport {
  client_id: string;
  client_name: string;
  checked_at: string;
  /** No problem of severity `error`. */
  ok: boolean;
  backchannel: BackchannelReport | null;
  frontchannel: FrontchannelReport | null;
  problems: Problem[];
}

/** Only what the doctor needs from the provider: its own signer, keys and outbound HTTP client. */
export interface DoctorDeps {
  issuer: string;
  signer: TokenSigner;
  keys: KeyStore;
  sender: BackchannelSender;
  timeoutMs: number;
  now: () => number;
  clients: { get(clientId: string): Promise<Client | undefined> };
}

const MAX_REDIRECTS = 5;
const EXCERPT = 500;

/**
 * Check an app's logout endpoints the way the provider will use them: the same signer, keys, outbound agents
 * (SSRF guard for dynamically registered clients, the configured CA set, timeouts) and the same URL shapes.
 * Every request goes to the app's registered URIs only, with a synthetic session, so nothing real is ended.
 */
export async function runDoctor(deps: DoctorDeps, clientId: string): Promise<DoctorReport> {
  const client = clientId.length <= 200 ? await deps.clients.get(clientId) : undefined;
  if (!client) throw notFound('no such client');
  const problems: Problem[] = [];
  const m = client.metadata;
  const guarded = client.source === 'registration';
  const signable = deps.keys.offers(client.idTokenAlg);
  if (!signable) {
    problems.push({
      check: 'alg_not_offered',
      severity: 'error',
      message: algNotOffered(client.idTokenAlg),
    });
  }
  const backchannel =
    m.backchannel_logout_uri && signable
      ? await checkBackchannel(deps, client, m.backchannel_logout_uri, guarded, problems)
      : null;
  const frontchannel = m.frontchannel_logout_uri
    ? await checkFrontchannel(deps, m.frontchannel_logout_uri, guarded, problems)
    : null;
  if (!backchannel && !frontchannel) {
    problems.push({
      check: 'no_logout_uri',
      severity: 'warning',
      message:
        'the client registered neither backchannel_logout_uri nor frontchannel_logout_uri: single logout can only revoke its refresh tokens',
    });
  }
  return {
    client_id: client.id,
    client_name: client.name,
    checked_at: new Date(deps.now()).toISOString(),
    ok: !problems.some((p) => p.severity === 'error'),
    backchannel,
    frontchannel,
    problems,
  };
}

const TLS_ERROR = /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/i;

function transportOf(uri: string): TransportReport {
  const scheme = new URL(uri).protocol.replace(':', '');
  return { scheme, tls: scheme === 'https' ? 'unknown' : 'not_https', redirects: [] };
}

/** Note the TLS outcome of a request: it connected (valid) or failed in the handshake (invalid). */
function noteTls(t: TransportReport, error: unknown): void {
  if (t.scheme !== 'https') return;
  if (error === undefined) {
    if (t.tls === 'unknown') t.tls = 'valid';
    return;
  }
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = (error as Error).message ?? '';
  if (TLS_ERROR.test(code) || TLS_ERROR.test(message)) {
    t.tls = 'invalid';
    t.tls_error = code ? `${code}: ${message}` : message;
  }
}

function answerOf(x: Exchange): HttpAnswer {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join('\n') : v;
  }
  return {
    status: x.statusCode,
    latency_ms: x.durationMs,
    headers,
    body_excerpt: x.text.slice(0, EXCERPT),
  };
}

async function checkBackchannel(
  deps: DoctorDeps,
  client: Client,
  uri: string,
  guarded: boolean,
  problems: Problem[],
): Promise<BackchannelReport> {
  const transport = transportOf(uri);
  if (transport.scheme !== 'https') {
    problems.push({
      check: 'backchannel_not_https',
      severity: 'warning',
      message: `${uri} is not https: logout tokens travel unencrypted`,
    });
  }
  const matrix = new LogoutTokenMatrix(deps.signer, deps.keys, deps.issuer, client.idTokenAlg);
  const subject = syntheticSubject();
  const post = async (token: string) => {
    try {
      const x = await deps.sender.exchange(uri, {
        method: 'POST',
        guarded,
        form: { logout_token: token },
        limit: EXCERPT,
      });
      noteTls(transport, undefined);
      return { answer: answerOf(x) };
    } catch (e) {
      noteTls(transport, e);
      return { error: describeSendError(e, deps.timeoutMs) };
    }
  };

  const original = await matrix.wellFormed(client.id, subject, deps.now());
  const first = await post(original);
  const status = first.answer?.status;
  const ok = status === 200 || status === 204;
  const report: BackchannelReport = {
    uri,
    transport,
    test: { ok, ...first },
    negatives: [],
  };
  if (first.error) {
    problems.push(
      transport.tls === 'invalid'
        ? {
            check: 'backchannel_tls_invalid',
            severity: 'error',
            message: `the provider does not trust ${uri}: ${transport.tls_error}`,
          }
        : { check: 'backchannel_unreachable', severity: 'error', message: `${uri}: ${first.error}` },
    );
    return report;
  }
  if (status !== undefined && status >= 300 && status < 400) {
    const location = first.answer?.headers.location ?? '';
    transport.redirects.push({ status, location });
    problems.push({
      check: 'backchannel_redirects',
      severity: 'error',
      message: `${uri} answers ${status} (to ${location || 'nowhere'}); the provider never follows redirects for logout tokens, so register the final URI`,
    });
  } else if (!ok) {
    problems.push({
      check: 'backchannel_refuses_valid_token',
      severity: 'error',
      message: `a well-formed logout token got HTTP ${status}, not 200: ${first.answer?.body_excerpt.replace(/\s+/g, ' ').slice(0, 200) ?? ''}`,
    });
  }

  for (const c of NEGATIVE_CASES) {
    if (c.name === 'replayed_jti' && !ok) {
      report.negatives.push({
        ...c,
        status: null,
        latency_ms: null,
        verdict: 'skipped',
        detail: 'the well-formed token was not accepted, so a replay of it proves nothing',
      });
      continue;
    }
    const token = await matrix.negative(c.name, client.id, subject, deps.now(), original);
    const r = await post(token);
    const s = r.answer?.status ?? null;
    const verdict: NegativeResult['verdict'] =
      s === null ? 'error' : s === 400 ? 'rejected' : s >= 200 && s < 300 ? 'accepted' : 'wrong_status';
    const detail =
      verdict === 'error'
        ? (r.error ?? '')
        : verdict === 'rejected'
          ? 'refused with 400'
          : verdict === 'accepted'
            ? `accepted with ${s}`
            : `refused with ${s}; Back-Channel Logout §2.8 asks for 400`;
    report.negatives.push({ ...c, status: s, latency_ms: r.answer?.latency_ms ?? null, verdict, detail });
    if (verdict === 'accepted') {
      problems.push({
        check: `accepts_${c.name}`,
        severity: 'error',
        message: `the app accepted a logout token with ${c.label} (HTTP ${s}); it must answer 400`,
      });
    } else if (verdict === 'wrong_status' || verdict === 'error') {
      problems.push({
        check: `${c.name}_not_400`,
        severity: 'warning',
        message: `a logout token with ${c.label}: ${detail}`,
      });
    }
  }
  return report;
}

async function checkFrontchannel(
  deps: DoctorDeps,
  uri: string,
  guarded: boolean,
  problems: Problem[],
): Promise<FrontchannelReport> {
  const provider = new URL(deps.issuer);
  const transport = transportOf(uri);
  // The same URL shape as the logout plan: iss and sid, always (Front-Channel Logout §2).
  const url = new URL(uri);
  url.searchParams.set('iss', deps.issuer);
  url.searchParams.set('sid', syntheticSubject().sid);
  const report: FrontchannelReport = { uri, fetched: url.toString(), transport, cookies: [] };
  if (provider.protocol === 'https:' && transport.scheme !== 'https') {
    problems.push({
      check: 'frontchannel_not_https',
      severity: 'error',
      message: `${uri} is http while the provider is https: browsers block it as mixed content in the logout page's iframe`,
    });
  }

  // A frame follows redirects, so follow them (each hop through the same guarded agent) and judge the last page.
  let current = url;
  let exchange: Exchange | undefined;
  for (let hop = 0; ; hop++) {
    try {
      exchange = await deps.sender.exchange(current.toString(), {
        method: 'GET',
        guarded,
        limit: EXCERPT,
      });
      noteTls(transport, undefined);
    } catch (e) {
      noteTls(transport, e);
      report.error = describeSendError(e, deps.timeoutMs);
      problems.push(
        transport.tls === 'invalid'
          ? {
              check: 'frontchannel_tls_invalid',
              severity: 'error',
              message: `${current.origin} has a certificate the provider does not trust: ${transport.tls_error}`,
            }
          : { check: 'frontchannel_unreachable', severity: 'error', message: `${current}: ${report.error}` },
      );
      return report;
    }
    const location = exchange.headers.location;
    if (exchange.statusCode < 300 || exchange.statusCode >= 400 || typeof location !== 'string') break;
    if (hop >= MAX_REDIRECTS) {
      problems.push({
        check: 'frontchannel_redirect_loop',
        severity: 'error',
        message: `more than ${MAX_REDIRECTS} redirects`,
      });
      break;
    }
    const next = new URL(location, current);
    transport.redirects.push({ status: exchange.statusCode, location: next.toString() });
    current = next;
  }
  report.answer = answerOf(exchange);
  if (transport.redirects.length > 0) {
    problems.push({
      check: 'frontchannel_redirects',
      severity: 'warning',
      message: `${uri} redirects (${transport.redirects.map((r) => `${r.status} → ${r.location}`).join(', ')}); register the final URL so the iframe loads at once`,
    });
  }
  if (exchange.statusCode < 200 || exchange.statusCode >= 300) {
    problems.push({
      check: 'frontchannel_status',
      severity: 'error',
      message: `the front-channel page answers HTTP ${exchange.statusCode}`,
    });
  }
  report.framing = framingVerdict(exchange.headers, provider, current);
  if (report.framing.blocked) {
    problems.push({
      check:
        report.framing.by === 'x-frame-options'
          ? 'frontchannel_x_frame_options'
          : 'frontchannel_frame_ancestors',
      severity: 'error',
      message: `${report.framing.reason}: the provider's logout iframe cannot load it, so this app is never told by the front channel`,
    });
  }

  const headers = new Headers();
  const setCookie = exchange.headers['set-cookie'];
  for (const v of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
    headers.append('set-cookie', v);
  }
  report.cookies = getSetCookies(headers).map((c) => ({
    name: c.name,
    same_site: c.sameSite ?? null,
    secure: c.secure === true,
  }));
  const crossSite = provider.hostname !== current.hostname;
  const unsent = report.cookies.filter((c) => c.same_site !== 'None' || !c.secure);
  if (crossSite && unsent.length > 0) {
    problems.push({
      check: 'frontchannel_cookie_samesite',
      severity: 'warning',
      message: `${unsent.map((c) => `${c.name} (SameSite=${c.same_site ?? 'unset, so Lax'}${c.secure ? '' : ', not Secure'})`).join(', ')}: a browser does not send these cookies to a frame on another site, so the front-channel page cannot find the session by cookie; SameSite=None; Secure, or find it by sid`,
    });
  }
  return report;
}
