/**
 * Provider metadata (OIDC Discovery 1.0), fetched once by `initialize()` or given inline as MSAL.js's
 * `auth.authorityMetadata`. The issuer must equal the configured authority (Discovery §4.3).
 */
import { AdieuError } from './errors.js';
import { getJson, type Fetch } from './http.js';

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  [key: string]: unknown;
}

/** Where the session events push lives (docs/protocol-extensions.md §2): under the issuer. */
export function sessionEventsEndpoints(issuer: string): { ticket: string; events: string } {
  return { ticket: `${issuer}/session/events/ticket`, events: `${issuer}/session/events` };
}

export async function loadMetadata(f: Fetch, authority: string, inline?: string): Promise<ProviderMetadata> {
  let m: ProviderMetadata;
  if (inline) {
    try {
      m = JSON.parse(inline) as ProviderMetadata;
    } catch (cause) {
      throw new AdieuError('invalid_config', 'auth.authorityMetadata is not JSON', { cause });
    }
  } else {
    try {
      m = await getJson<ProviderMetadata>(f, `${authority}/.well-known/openid-configuration`);
    } catch (cause) {
      throw new AdieuError('discovery_failed', `could not load the discovery document of ${authority}`, {
        cause,
      });
    }
  }
  if (m.issuer !== authority) {
    throw new AdieuError('discovery_failed', `the provider says its issuer is ${m.issuer}, not ${authority}`);
  }
  if (typeof m.authorization_endpoint !== 'string' || typeof m.token_endpoint !== 'string') {
    throw new AdieuError('discovery_failed', 'the discovery document lacks authorization or token endpoint');
  }
  return m;
}
