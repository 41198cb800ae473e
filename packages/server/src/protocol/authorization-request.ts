import type { Client } from '../domain/clients.js';
import { OAuthError } from './errors.js';
import { readParams, splitScope } from './params.js';
import { requiredLevel, type AcrValue } from '../domain/acr.js';
import { checkClientAndRedirectUri, type FindClient } from './authorization/check-client.js';
import { checkResponseMode, type ResponseMode } from './authorization/check-response-mode.js';
import { checkUnsupportedFeatures } from './authorization/check-unsupported-features.js';
import { checkResponseType } from './authorization/check-response-type.js';
import { checkPkce } from './authorization/check-pkce.js';
import { checkPrompt } from './authorization/check-prompt.js';
import { checkMaxAge } from './authorization/check-max-age.js';
import { grantableScope } from './authorization/check-scope.js';
import { checkIdTokenAlg } from './check-id-token-alg.js';

export type { ResponseMode };

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

/** What validating a request looks up: the client, and whether its ID token alg is offered (keys.algorithms). */
export interface RequestLookups {
  findClient: FindClient;
  offersAlg: (alg: string) => boolean;
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
 * Validate an authorization request, one named check per rule (protocol/authorization/check-*.ts). Client and
 * redirect URI are checked first and their errors are plain OAuthErrors (the edge renders a page: RFC 6749
 * §4.1.2.1 forbids redirecting to an unverified URI). Every later problem is a RedirectableError carrying the
 * validated target.
 */
export async function parseAuthorizationRequest(
  source: unknown,
  { findClient, offersAlg }: RequestLookups,
): Promise<{ request: AuthorizationRequest; raw: RawAuthorizationParams }> {
  // client_id and redirect_uri alone first: a problem with the rest must not stop us from finding the target.
  const head = readParams(source, ['client_id', 'redirect_uri'] as const);
  const { client, redirectUri } = await checkClientAndRedirectUri(
    head.client_id,
    head.redirect_uri,
    findClient,
  );
  const responseMode = checkResponseMode(readSafe(source, 'response_mode'));
  const target: ErrorTarget = {
    redirectUri,
    responseMode: responseMode.mode,
    state: readSafe(source, 'state'),
  };
  const fail = (e: OAuthError) => new RedirectableError(e, target);

  let p: RawAuthorizationParams;
  try {
    p = readParams(source, NAMES, { state: 2048, nonce: 2048, id_token_hint: 8192 });
  } catch (e) {
    throw e instanceof OAuthError ? fail(e) : e;
  }
  const prompt = checkPrompt(p.prompt);
  const maxAge = checkMaxAge(p.max_age, client);
  const scope = grantableScope(p.scope, client);
  const problem =
    responseMode.error ??
    checkUnsupportedFeatures(p) ??
    checkResponseType(p.response_type, client) ??
    checkPkce(p.code_challenge, p.code_challenge_method, client) ??
    prompt.error ??
    maxAge.error ??
    checkIdTokenAlg(scope.includes('openid'), client, offersAlg);
  if (problem) throw fail(problem);

  return {
    raw: p,
    request: {
      client,
      redirectUri,
      responseMode: responseMode.mode,
      scope,
      state: p.state,
      nonce: p.nonce,
      codeChallenge: p.code_challenge,
      prompt: prompt.prompt,
      maxAge: maxAge.maxAge,
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
