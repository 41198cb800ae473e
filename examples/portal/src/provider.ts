import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, startServer, type ConfigInput, type RunningServer } from '@adieu/server';
import type { DemoCerts } from './certs.js';
import type { DemoSites } from './sites.js';
import { ACME_CONNECTION } from './acme-people.js';

export interface DemoSecrets {
  portal: string;
  expenses: string;
  ops: string;
  /** Adieu's client secret at the Acme Corp upstream. */
  acme: string;
}

/**
 * Client secrets made at first start and kept with the demo's data (a demo still deserves real secrets). A data
 * folder from an older demo gets the secrets it lacks added.
 */
export function demoSecrets(dataDir: string): DemoSecrets {
  const file = join(dataDir, 'secrets.json');
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoSecrets>) : {};
  const make = () => randomBytes(24).toString('base64url');
  const secrets: DemoSecrets = {
    portal: kept.portal ?? make(),
    expenses: kept.expenses ?? make(),
    ops: kept.ops ?? make(),
    acme: kept.acme ?? make(),
  };
  if (Object.keys(kept).length !== Object.keys(secrets).length)
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export const DEMO_USERS = [
  { username: 'alice', password: 'alice', name: 'Alice Andersen', email: 'alice@example.com' },
  { username: 'bob', password: 'bob', name: 'Bob Brown', email: 'bob@example.com' },
];

/**
 * The provider's configuration for the demo: the three apps, each with front-channel and back-channel logout
 * URIs, an admin client the apps use to show the "last logout" panel, the two seed users, and the "Acme Corp"
 * upstream (a connection: "Continue with Acme Corp" on the sign-in page).
 */
export function providerConfig(
  sites: DemoSites,
  certs: DemoCerts,
  secrets: DemoSecrets,
  dataDir: string,
): ConfigInput {
  const o = (n: Parameters<DemoSites['origin']>[0]) => sites.origin(n);
  return {
    issuer: o('idp'),
    port: sites.ports.idp,
    host: '127.0.0.1',
    tls: { cert: certs.certFile, key: certs.keyFile },
    database: `sqlite:${join(dataDir, 'adieu.db')}`,
    outbound_ca: [certs.caFile],
    resolve: Object.fromEntries(
      (['portal', 'bookings', 'expenses', 'acme'] as const).map((n) => [sites.host(n), '127.0.0.1']),
    ),
    // "Create account" on the login page; with no mail server the messages land as .eml files in .data/mail.
    signup: 'open',
    email: { folder: join(dataDir, 'mail') },
    // Short retries, so "an app that was down is logged out once it is back" shows within seconds.
    logout: { backchannel_backoff: { initial: 1, max: 5 }, backchannel_timeout: 3 },
    connections: [
      {
        ...ACME_CONNECTION,
        type: 'oidc',
        issuer: o('acme'),
        client_id: 'adieu',
        client_secret: secrets.acme,
        // offline_access: an Acme ID token that expired by logout time is refreshed first (docs/federation.md).
        scope: 'openid email profile offline_access',
        // Signing out of the apps signs you out of Acme too, and the receipt says so.
        logout: 'upstream',
        // Home-realm discovery: typing dave@acme.example into the sign-in form goes to Acme.
        domains: ['acme.example'],
      },
    ],
    clients: [
      {
        client_id: 'portal',
        client_name: 'Portal',
        client_secret: secrets.portal,
        redirect_uris: [`${o('portal')}/callback`],
        post_logout_redirect_uris: [`${o('portal')}/logout/callback`],
        frontchannel_logout_uri: `${o('portal')}/frontchannel-logout`,
        frontchannel_logout_session_required: true,
        backchannel_logout_uri: `${o('portal')}/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
      {
        client_id: 'bookings',
        client_name: 'Bookings',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${o('bookings')}/`],
        post_logout_redirect_uris: [`${o('bookings')}/`],
        frontchannel_logout_uri: `${o('bookings')}/frontchannel-logout.html`,
        frontchannel_logout_session_required: true,
        // A single-page app has no back channel of its own; it hears about logouts through the push channel.
      },
      {
        client_id: 'expenses',
        client_name: 'Expenses',
        client_secret: secrets.expenses,
        redirect_uris: [`${o('expenses')}/callback`],
        post_logout_redirect_uris: [`${o('expenses')}/logout/callback`],
        frontchannel_logout_uri: `${o('expenses')}/frontchannel-logout`,
        frontchannel_logout_session_required: true,
        backchannel_logout_uri: `${o('expenses')}/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
      {
        client_id: 'demo-ops',
        client_name: 'Demo operations panel',
        client_secret: secrets.ops,
        grant_types: ['client_credentials'],
        scope: 'admin',
      },
    ],
    users: DEMO_USERS,
  };
}

/** Start the provider, and write the config it runs with next to the data so it can be read and reused. */
export async function startDemoProvider(
  config: ConfigInput,
  dataDir: string,
  quiet: boolean,
): Promise<RunningServer> {
  writeFileSync(join(dataDir, 'adieu.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  // The provider logs at ADIEU_LOG_LEVEL; the demo keeps it to warnings unless asked.
  process.env.ADIEU_LOG_LEVEL ??= quiet ? 'warn' : 'info';
  return startServer(parseConfig(config));
}
