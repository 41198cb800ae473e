import type { Client } from '../domain/clients.js';
import { OAuthError, invalidRequest, unsupportedResponseType, unauthorizedClient } from './errors.js';
import { readParams, splitScope } from './params.js';
import { PKCE_PATTERN } from './pkce.js';
import { requiredLevel, type AcrValue } from '../domain/acr.js';

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** A validated authorization request (OIDC Core §3.1.2.1). */
export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  responseMode: ResponseMode;
  scope: string[];
  state?: string | undefined;
  nonce?: string | undefined;
  codeChallenge?: string | undefined;
  prompt: ReadonlySet<string>;
  maxAge?: number | undefined;
  loginHint?: string | undefined;
  idTokenHint?: string | undefined;
  uiLocales?: string | undefined;
  /** The authentication level the request demands (acr_values and the client's mfa policy, domain/acr.ts). */
  level?: AcrValue | undefined;
}

/** Where an error may be sent: nowhere (render a page) until client and redirect_uri are proven. */
export interface ErrorTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string | undefined;
}

/** An authorization error that can be returned to the client's (validated) redirect URI. */
export class RedirectableError extends Error {
  constructor(
    override readonly cause: OAuthError,
    readonly target: ErrorTarget,
  ) {
    super(cause.message);
  }
}

const NAMES = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'ui_locales',
  'acr_values',
  'request',
  'request_uri',
  'registration',
  // Adieu: go straight to this upstream identity provider (CONTRACT.md, connections).
  'connection',
] as const;

/** Stored with an interaction so the request can be resumed in another process after login. */
export type RawAuthorizationParams = Partial<Record<(typeof NAMES)[number], string>>;

/**
 * Validate an authorization request. Client and redirect URI are checked first and their errors are plain
 * OAuthErrors (the edge renders a page: RFC 6749 §4.1.2.1 forbids redirecting to an unverified URI). Every
 * later problem is a RedirectableError carrying the validated target.
 */
export async function parseAuthorizationRequest(
  source: unknown,
  findClient: (id: string) => Promise<Client | undefined>,
): Promise<{ request: AuthorizationRequest; raw: RawAuthorizationParams }> {
  // client_id and redirect_uri alone first: a problem with the rest must not stop us from finding the target.
  const head = readParams(source, ['client_id', 'redirect_uri'] as const);
  if (!head.client_id) throw invalidRequest('client_id is missing');
  const client = await findClient(head.client_id);
  if (!client) throw new OAuthError('invalid_client', 'this application is not registered', 400);
  if (!head.redirect_uri) throw invalidRequest('redirect_uri is missing');
  if (!client.hasRedirectUri(head.redirect_uri)) {
    throw new OAuthError('invalid_request', 'redirect_uri is not registered for this application', 400);
  }
  const modeParam = readSafe(source, 'response_mode');
  const responseMode: ResponseMode =
    modeParam === 'fragment' || modeParam === 'form_post' || modeParam === 'query' ? modeParam : 'query';
  const target: ErrorTarget = {
    redirectUri: head.redirect_uri,
    responseMode,
    state: readSafe(source, 'state'),
  };
  const fail = (e: OAuthError) => new RedirectableError(e, target);

  let p: RawAuthorizationParams;
  try {
    p = readParams(source, NAMES, { state: 2048, nonce: 2048, id_token_hint: 8192 });
  } catch (e) {
    throw e instanceof OAuthError ? fail(e) : e;
  }
  if (modeParam !== undefined && modeParam !== responseMode) {
    throw fail(invalidRequest('response_mode must be query, fragment or form_post'));
  }
  if (p.request) throw fail(new OAuthError('request_not_supported', 'request objects are not supported'));
  if (p.request_uri) throw fail(new OAuthError('request_uri_not_supported', 'request_uri is not supported'));
  if (p.registration)
    throw fail(new OAuthError('registration_not_supported', 'registration is not supported'));
  if (!p.response_type) throw fail(invalidRequest('response_type is missing'));
  if (p.response_type !== 'code') throw fail(unsupportedResponseType('only response_type=code is supported'));
  if (!client.allowsGrant('authorization_code')) {
    throw fail(unauthorizedClient('this client may not use the authorization code flow'));
  }

  if (p.code_challenge !== undefined || p.code_challenge_method !== undefined) {
    if (p.code_challenge_method !== 'S256') throw fail(invalidRequest('code_challenge_method must be S256'));
    if (!p.code_challenge || !PKCE_PATTERN.test(p.code_challenge)) {
      throw fail(invalidRequest('code_challenge must be 43-128 characters of [A-Za-z0-9-._~]'));
    }
  } else if (client.isPublic) {
    throw fail(invalidRequest('PKCE (code_challenge with S256) is required for public clients'));
  }

  const prompt = new Set(splitScope(p.prompt));
  if (prompt.has('none') && prompt.size > 1) throw fail(invalidRequest('prompt=none cannot be combined'));

  let maxAge: number | undefined;
  if (p.max_age !== undefined) {
    if (!/^\d{1,10}$/.test(p.max_age)) throw fail(invalidRequest('max_age must be a non-negative integer'));
    maxAge = Number(p.max_age);
  } else if (client.metadata.default_max_age !== undefined) {
    maxAge = client.metadata.default_max_age;
  }

  // Scopes the client may not have are dropped (RFC 6749 §3.3 lets the server grant less than asked).
  const scope = splitScope(p.scope).filter((s) => client.allowedScopes.has(s));

  return {
    raw: p,
    request: {
      client,
      redirectUri: head.redirect_uri,
      responseMode,
      scope,
      state: p.state,
      nonce: p.nonce,
      codeChallenge: p.code_challenge,
      prompt,
      maxAge,
      loginHint: p.login_hint,
      idTokenHint: p.id_token_hint,
      uiLocales: p.ui_locales,
      level: requiredLevel(splitScope(p.acr_values), client.mfa),
    },
  };
}

/** Read one parameter for the error target without throwing (a repeated state is simply not echoed). */
function readSafe(source: unknown, name: 'response_mode' | 'state'): string | undefined {
  try {
    return readParams(source, [name], { state: 2048 })[name];
  } catch {
    return undefined;
  }
}
