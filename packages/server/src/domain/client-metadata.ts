import { z } from 'zod';
import { SIGNING_ALGS } from '../keys/algorithms.js';

/**
 * Client metadata with the standard registration names (OIDC Dynamic Client Registration 1.0 §2, Front-Channel
 * Logout §2, Back-Channel Logout §2.2, RP-Initiated Logout §3.1) plus two Adieu extensions for per-client
 * session maxima. The same rules run for the config file and for POST /register, so a client that the config
 * accepts is one registration would accept too (except the SSRF guard, which only applies to registration).
 */

/**
 * Scopes that act on users other than the one signed in (the management API, `/api/v1/users/...`). Only clients
 * the operator configures (config file or CLI) may hold them; dynamic registration refuses them.
 */
export const MANAGEMENT_SCOPES: ReadonlySet<string> = new Set(['admin']);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Loopback hosts may use plain http during development (RFC 8252 §7.3, OIDC Registration §2). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

type UriRule = { allowCustomScheme?: boolean; httpsOnly?: boolean };

function uriProblem(value: string, rule: UriRule = {}): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  // The URL parser silently drops spaces and control characters that a URI cannot contain (RFC 3986 §2).
  if (/[\s\p{Cc}]/u.test(value)) return 'must not contain spaces or control characters';
  if (value.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'https:') return undefined;
  // Pages link these for people to follow: never javascript:, file: or plain http, not even on localhost.
  if (rule.httpsOnly) return 'must use https';
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : 'must use https (http is allowed only on localhost)';
  }
  if (rule.allowCustomScheme && /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/i.test(url.protocol)) return undefined;
  return 'must use https';
}

const uri = (rule?: UriRule) =>
  z.string().superRefine((value, ctx) => {
    const problem = uriProblem(value, rule);
    if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} ${problem}` });
  });

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

const fields = {
  client_id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  client_secret: z.string().min(1).max(512).optional(),
  client_name: z.string().max(200).optional(),
  application_type: z.enum(['web', 'native']).default('web'),
  redirect_uris: z
    .array(uri({ allowCustomScheme: true }))
    .max(100)
    .default([]),
  post_logout_redirect_uris: z
    .array(uri({ allowCustomScheme: true }))
    .max(100)
    .default([]),
  frontchannel_logout_uri: uri().optional(),
  frontchannel_logout_session_required: z.boolean().default(false),
  backchannel_logout_uri: uri().optional(),
  backchannel_logout_session_required: z.boolean().default(false),
  token_endpoint_auth_method: z.enum(AUTH_METHODS).optional(),
  grant_types: z.array(z.enum(GRANT_TYPES)).min(1).default(['authorization_code', 'refresh_token']),
  // Empty is allowed (RFC 7591 §2): a client_credentials-only client has no response type. When omitted it
  // follows grant_types (["code"] with authorization_code, else []), so machine clients need not spell it out.
  response_types: z
    .array(z.literal('code'))
    .max(1)
    .optional()
    .describe('["code"] with the authorization_code grant, [] without it; follows grant_types when omitted'),
  scope: z
    .string()
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'must be space-separated scope tokens')
    .default('openid profile email offline_access'),
  id_token_signed_response_alg: z
    .enum(SIGNING_ALGS)
    .optional()
    .describe(
      'RS256 (default) or ES256, which must be in keys.algorithms; also the alg of its logout tokens',
    ),
  require_auth_time: z.boolean().optional(),
  default_max_age: z.number().int().nonnegative().optional(),
  logo_uri: uri({ httpsOnly: true }).optional(),
  client_uri: uri({ httpsOnly: true }).optional(),
  policy_uri: uri({ httpsOnly: true }).optional(),
  tos_uri: uri({ httpsOnly: true }).optional(),
  contacts: z.array(z.string().max(320)).max(20).optional(),
  connections: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a connection id'))
    .max(50)
    .optional()
    .describe('Adieu: the upstream identity providers this app offers on the login page (default: all)'),
  password_login: z
    .boolean()
    .optional()
    .describe(
      'Adieu: offer the password form (and sign-up, password reset) on the login page of this app (default true); false: users sign in only through the connections the app offers',
    ),
  mfa: z
    .enum(['off', 'optional', 'required'])
    .optional()
    .describe(
      'Adieu: second factor at sign-in to this app: "off" (never asked, unless acr_values asks), "optional" (default: asked of users who set one up), "required" (every user; those without one set it up while signing in)',
    ),
  session_idle_max: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Adieu: tighter idle timeout (seconds) for SSO sessions this client participates in'),
  session_absolute_max: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Adieu: tighter absolute lifetime (seconds) for SSO sessions this client participates in'),
};

type Raw = z.output<z.ZodObject<typeof fields>>;

/** Cross-field rules, shared by the config and registration schemas. */
function crossFieldRules(m: Raw, ctx: z.RefinementCtx): void {
  const method = m.token_endpoint_auth_method ?? (m.client_secret ? 'client_secret_basic' : 'none');
  if (method !== 'none' && !m.client_secret) {
    ctx.addIssue({
      code: 'custom',
      path: ['client_secret'],
      message: `is required when token_endpoint_auth_method is ${method}`,
    });
  }
  if (method === 'none' && m.grant_types.includes('client_credentials')) {
    ctx.addIssue({
      code: 'custom',
      path: ['grant_types'],
      message: 'client_credentials needs a confidential client',
    });
  }
  // RFC 7591 §2.1: the "code" response type goes with the authorization_code grant, and the reverse.
  if (m.response_types) {
    const code = m.response_types.includes('code');
    const authorizationCode = m.grant_types.includes('authorization_code');
    if (code && !authorizationCode) {
      ctx.addIssue({
        code: 'custom',
        path: ['response_types'],
        message: '"code" needs the authorization_code grant in grant_types',
      });
    }
    if (authorizationCode && !code) {
      ctx.addIssue({
        code: 'custom',
        path: ['response_types'],
        message: 'must contain "code" when grant_types contains authorization_code',
      });
    }
  }
  if (m.grant_types.includes('authorization_code') && m.redirect_uris.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['redirect_uris'],
      message: 'at least one is required for authorization_code',
    });
  }
  if (m.frontchannel_logout_uri) {
    // Front-Channel Logout §2: scheme, host and port must equal those of a registered redirect URI.
    const origin = safeOrigin(m.frontchannel_logout_uri);
    if (!m.redirect_uris.some((r) => safeOrigin(r) === origin)) {
      ctx.addIssue({
        code: 'custom',
        path: ['frontchannel_logout_uri'],
        message: 'scheme, host and port must equal those of one of the redirect_uris',
      });
    }
  }
}

function safeOrigin(u: string): string | undefined {
  try {
    return new URL(u).origin;
  } catch {
    return undefined;
  }
}

/** Fill response_types from grant_types when the client did not send it. */
function withResponseTypes<T extends Raw>(m: T): T & { response_types: 'code'[] } {
  return {
    ...m,
    response_types: m.response_types ?? (m.grant_types.includes('authorization_code') ? ['code'] : []),
  };
}

/** Client metadata in the config file: unknown keys are errors. */
export const clientMetadataSchema = z
  .object(fields)
  .strict()
  .superRefine(crossFieldRules)
  .transform(withResponseTypes);

/** Client metadata in POST /register: unknown keys are ignored (RFC 7591 §2), client_id is assigned by us. */
export const registrationMetadataSchema = z
  .object({ ...fields, client_id: fields.client_id.optional() })
  .strip()
  .superRefine((m, ctx) => crossFieldRules(m as Raw, ctx))
  .transform((m) => withResponseTypes(m as Raw));

export type ClientMetadata = z.output<typeof clientMetadataSchema>;

/** Format the first problem of a zod error as "field.path: message" for logs, CLIs and registration errors. */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}
