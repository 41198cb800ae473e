import { invalidClientMetadata } from '../errors.js';
import { isPrivateAddress } from '../../logout/backchannel-sender.js';
import { MANAGEMENT_SCOPES } from '../../domain/client-metadata.js';

/**
 * Rules that keep dynamic registration (RFC 7591) from minting operators. Anyone holding the initial access
 * token (or, with open registration, anyone at all) may register an app; none of them may register an app that
 * manages other users or changes how other apps' sessions behave. Such clients come only from the config file
 * or the CLI, where the operator vouches for them.
 */

/**
 * Adieu extensions whose effect reaches beyond the registering app: the session maxima cut every SSO session
 * the app takes part in, and with it every other app's sign-in.
 */
export const OPERATOR_ONLY_FIELDS = ['session_idle_max', 'session_absolute_max'] as const;

/** RFC 7591 §2: `scope` is a space-separated string; anything else is left to the schema to refuse. */
function scopesOf(input: Record<string, unknown>): string[] {
  return typeof input.scope === 'string' ? input.scope.split(' ') : [];
}

/** Registration may not ask for a management scope (`admin`), with any grant. */
export function rejectManagementScopes(input: Record<string, unknown>): void {
  const reserved = scopesOf(input).filter((s) => MANAGEMENT_SCOPES.has(s));
  if (reserved.length === 0) return;
  const grants = Array.isArray(input.grant_types) ? input.grant_types : [];
  throw invalidClientMetadata(
    `scope: ${reserved.join(' ')} is reserved for clients the operator configures (config file or CLI)` +
      (grants.includes('client_credentials')
        ? '; grant_types: client_credentials may not be combined with a management scope'
        : ''),
  );
}

/** Registration may not set an Adieu extension that affects other apps (see OPERATOR_ONLY_FIELDS). */
export function rejectOperatorOnlyFields(input: Record<string, unknown>): void {
  const present = OPERATOR_ONLY_FIELDS.filter((f) => input[f] !== undefined);
  if (present.length === 0) return;
  throw invalidClientMetadata(
    `${present.join(', ')}: only clients the operator configures (config file or CLI) may shorten SSO sessions`,
  );
}

/** Pages link these for people to follow; the schema already demands https. */
export const INFO_URI_FIELDS = ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri'] as const;

/** Is this a host name or literal address that only makes sense inside the provider's own network? */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    (/^[\d.:a-f]+$/i.test(host) && isPrivateAddress(host))
  );
}

/**
 * URIs the provider calls (back-channel logout) or shows people (logo, home page, policy, terms) must not point
 * into a loopback or private network: literal addresses and `localhost` are refused here, names are checked
 * again at connect time by the back-channel sender.
 */
export function rejectInternalUris(metadata: Record<string, unknown>): void {
  for (const field of ['backchannel_logout_uri', ...INFO_URI_FIELDS] as const) {
    const uri = metadata[field];
    if (typeof uri !== 'string' || !URL.canParse(uri)) continue;
    if (isInternalHost(new URL(uri).hostname)) {
      throw invalidClientMetadata(`${field}: must not point to a loopback or private network address`);
    }
  }
}
