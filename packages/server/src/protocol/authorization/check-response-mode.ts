import { invalidRequest, type OAuthError } from '../errors.js';

export type ResponseMode = 'query' | 'fragment' | 'form_post';

const MODES: readonly string[] = ['query', 'fragment', 'form_post'];

/**
 * OAuth 2.0 Multiple Response Types §2.1 and Form Post Response Mode: the modes we answer in. An unknown mode
 * is an error, and that error itself goes back in the default mode (query), since the asked one is unusable.
 */
export function checkResponseMode(param: string | undefined): {
  mode: ResponseMode;
  error?: OAuthError | undefined;
} {
  if (param === undefined) return { mode: 'query' };
  if (MODES.includes(param)) return { mode: param as ResponseMode };
  return { mode: 'query', error: invalidRequest('response_mode must be query, fragment or form_post') };
}
