import { z } from 'zod';

/**
 * Upstream identity providers ("connections", CONTRACT.md). Config-file connections are trusted like static
 * clients: any host, loopback included. Secrets may come from the environment as "${NAME}" like every config
 * string.
 */
const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, - and _ (at most 40)')
    .describe('stable id: appears in URLs (<issuer>/connections/<id>/...) and in `connection=<id>`'),
  name: z.string().min(1).max(100).describe('button label on the login page, e.g. "Acme Corp"'),
  client_id: z.string().min(1).max(500).describe("Adieu's client_id at the upstream"),
  client_secret: z.string().min(1).max(2000).optional().describe("Adieu's client secret at the upstream"),
  logout: z
    .enum(['upstream', 'local'])
    .default('local')
    .describe(
      '"upstream": single logout also ends the upstream session; "local": only when end_session carries `federated`',
    ),
  domains: z
    .array(z.string().min(1).max(253))
    .default([])
    .describe('email domains sent straight to this connection (home-realm discovery)'),
  reauthenticate_after_logout: z
    .boolean()
    .default(true)
    .describe(
      'shared-device protection: after a logout that could not end the upstream session, the next sign-in from that browser asks the upstream to re-authenticate',
    ),
};

export const oidcConnectionSchema = z
  .object({
    ...common,
    type: z.literal('oidc'),
    issuer: z.string().url().describe("the upstream's issuer; its discovery document names the endpoints"),
    scope: z.string().default('openid email profile').describe('scopes asked of the upstream'),
  })
  .strict();

export const oauth2ConnectionSchema = z
  .object({
    ...common,
    type: z.literal('oauth2'),
    issuer: z
      .string()
      .min(1)
      .optional()
      .describe('identifier recorded in account links (default: the authorization endpoint origin)'),
    authorization_endpoint: z.string().url(),
    token_endpoint: z.string().url(),
    userinfo_endpoint: z.string().url().describe('profile endpoint read with the access token'),
    scope: z.string().default('').describe('scopes asked of the upstream'),
    claims: z
      .object({
        sub: z.string().default('id'),
        email: z.string().default('email'),
        email_verified: z.string().optional(),
        name: z.string().default('name'),
        preferred_username: z.string().optional(),
      })
      .strict()
      .prefault({})
      .describe('profile field -> claim mapping (GitHub: id, email, name, login)'),
  })
  .strict();

export const connectionSchema = z.discriminatedUnion('type', [oidcConnectionSchema, oauth2ConnectionSchema]);

export type ConnectionInput = z.input<typeof connectionSchema>;
export type Connection = z.output<typeof connectionSchema>;
export type OidcConnection = z.output<typeof oidcConnectionSchema>;
export type OAuth2Connection = z.output<typeof oauth2ConnectionSchema>;

/** The identifier recorded for links and bindings: the upstream issuer, or the OAuth 2 server's origin. */
export function upstreamIssuer(c: Connection): string {
  if (c.type === 'oidc') return c.issuer;
  return c.issuer ?? new URL(c.authorization_endpoint).origin;
}

/** Paths Adieu uses at the upstream, to register there (CONTRACT.md). */
export function connectionUrls(issuer: string, id: string) {
  const base = `${issuer}/connections/${encodeURIComponent(id)}`;
  return {
    callback: `${base}/callback`,
    loggedOut: `${base}/logged-out`,
    backchannelLogout: `${base}/backchannel-logout`,
    frontchannelLogout: `${base}/frontchannel-logout`,
  };
}
