import { OAuthError } from '../errors.js';

/**
 * OIDC Core §6 and §7.2.1: request objects, request_uri and the registration parameter are refused with their
 * own error codes, so a client learns at once what it may not rely on instead of having them ignored.
 */
export function checkUnsupportedFeatures(p: {
  request?: string | undefined;
  request_uri?: string | undefined;
  registration?: string | undefined;
}): OAuthError | undefined {
  if (p.request) return new OAuthError('request_not_supported', 'request objects are not supported');
  if (p.request_uri) return new OAuthError('request_uri_not_supported', 'request_uri is not supported');
  if (p.registration) return new OAuthError('registration_not_supported', 'registration is not supported');
  return undefined;
}
