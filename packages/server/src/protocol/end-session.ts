import type { Provider } from '../provider.js';
import type { Client } from '../domain/clients.js';
import type { SessionRow } from '../domain/sessions.js';
import { OAuthError, invalidRequest } from './errors.js';
import { readParams } from './params.js';

/** A validated RP-Initiated Logout request (RP-Initiated Logout 1.0 §2). */
export interface EndSessionRequest {
  client?: Client | undefined;
  /** Subject and session named by a valid id_token_hint. */
  hint?: { sub: string; sid?: string | undefined } | undefined;
  /** Exact match of the client's registered list; only ever set when the client is known. */
  postLogoutRedirectUri?: string | undefined;
  state?: string | undefined;
  logoutHint?: string | undefined;
  uiLocales?: string | undefined;
}

const NAMES = [
  'id_token_hint',
  'logout_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
  'ui_locales',
] as const;

const page = (d: string) => new OAuthError('invalid_request', d, 400);

/**
 * Validate end_session parameters. Every problem is an error page, never a redirect: until the client and the
 * URI are both proven, we must not send the browser anywhere (§2, §3).
 */
export async function parseEndSessionRequest(p: Provider, source: unknown): Promise<EndSessionRequest> {
  const params = readParams(source, NAMES, { id_token_hint: 8192, state: 2048 });
  let hint: EndSessionRequest['hint'];
  let hintAud: string | undefined;
  if (params.id_token_hint) {
    let claims;
    try {
      // Ours only: our keys, RS256; `alg: none` and foreign keys fail here. An expired hint is still a hint.
      claims = await p.signer.verifyOwn(params.id_token_hint, { allowExpired: true, nowMs: p.now() });
    } catch {
      throw page('id_token_hint is not an ID token issued by this provider');
    }
    if (typeof claims.sub !== 'string') throw page('id_token_hint has no subject');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    hintAud = typeof claims.azp === 'string' ? claims.azp : aud.length === 1 ? aud[0] : undefined;
    hint = { sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : undefined };
  }
  if (params.client_id && hintAud !== undefined && params.client_id !== hintAud) {
    throw page('client_id does not match the audience of id_token_hint');
  }
  const clientId = params.client_id ?? hintAud;
  const client = clientId ? await p.clients.get(clientId) : undefined;
  if (params.client_id && !client) throw page('client_id is not a registered application');

  let postLogoutRedirectUri: string | undefined;
  if (params.post_logout_redirect_uri) {
    if (!client)
      throw page('post_logout_redirect_uri needs id_token_hint or client_id to identify the application');
    if (!client.hasPostLogoutRedirectUri(params.post_logout_redirect_uri)) {
      throw page('post_logout_redirect_uri is not registered for this application');
    }
    postLogoutRedirectUri = params.post_logout_redirect_uri;
  }
  return {
    client,
    hint,
    postLogoutRedirectUri,
    state: params.state,
    logoutHint: params.logout_hint,
    uiLocales: params.ui_locales,
  };
}

/** A valid hint is proof of intent only for the session it was issued in (or, without sid, for its user). */
export function hintMatchesSession(req: EndSessionRequest, session: SessionRow): boolean {
  if (!req.hint) return false;
  if (req.hint.sid !== undefined) return req.hint.sid === session.sid;
  return req.hint.sub === session.user_id;
}

/** Where the browser goes after logout: the registered URI, byte for byte, plus `state` when one was sent. */
export function postLogoutTarget(req: EndSessionRequest): string | undefined {
  const uri = req.postLogoutRedirectUri;
  if (!uri) return undefined;
  if (req.state === undefined) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}state=${encodeURIComponent(req.state)}`;
}

/** Stored with a logout confirmation so the confirm POST can finish the same request. */
export interface LogoutConfirmationPayload {
  sid: string;
  clientId?: string | undefined;
  redirectTo?: string | undefined;
}

export function requireHintError(): OAuthError {
  return invalidRequest(
    'this provider requires id_token_hint on logout requests; sign out from the application',
  );
}
