import type { Config } from '../config/schema.js';
import { ACR_VALUES_SUPPORTED } from '../domain/acr.js';

/** The OpenID Provider Metadata (OIDC Discovery 1.0 §3) plus the logout and session specs' entries. */
export function discoveryDocument(config: Config) {
  const i = config.issuer;
  return {
    issuer: i,
    authorization_endpoint: `${i}/authorize`,
    token_endpoint: `${i}/token`,
    userinfo_endpoint: `${i}/userinfo`,
    jwks_uri: `${i}/jwks`,
    registration_endpoint: config.registration.initial_access_token ? `${i}/register` : undefined,
    revocation_endpoint: `${i}/revoke`,
    introspection_endpoint: `${i}/introspect`,
    end_session_endpoint: `${i}/end_session`,
    check_session_iframe: `${i}/check_session`,
    scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'account'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...config.keys.algorithms],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    // Levels apps may ask for with acr_values (docs/mfa.md); the ID token's acr says which was reached.
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'amr',
      'nonce',
      'at_hash',
      'sid',
      // Opaque, per account in this browser: send it back as login_hint or logout_hint (issue 19).
      'login_hint',
      'azp',
      'name',
      'preferred_username',
      'updated_at',
      'email',
      'email_verified',
    ],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    ui_locales_supported: ['en'],
    prompt_values_supported: ['none', 'login', 'consent'],
  };
}
