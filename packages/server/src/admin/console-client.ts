import { Client, type ClientRegistry } from '../domain/clients.js';
import type { ClientsRepo } from '../store/repos/clients.js';
import { clientMetadataSchema } from '../domain/client-metadata.js';
import { CONSOLE_CLIENT_ID } from './admin-auth.js';

/**
 * The console signs in through the provider itself, as an ordinary OIDC client (code + PKCE, public: the
 * exchange happens inside the provider process, so there is no secret to keep). Created or refreshed at every
 * start, so its redirect URI always follows the issuer.
 */
export async function ensureConsoleClient(d: {
  issuer: string;
  now: () => number;
  store: { clients: Pick<ClientsRepo, 'find' | 'upsert'> };
  clients: Pick<ClientRegistry, 'forget'>;
}): Promise<void> {
  const base = d.issuer.replace(/\/$/, '');
  const metadata = clientMetadataSchema.parse({
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Adieu console',
    redirect_uris: [`${base}/admin/callback`],
    post_logout_redirect_uris: [`${base}/admin/signed-out`],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid profile admin',
  });
  const existing = await d.store.clients.find(CONSOLE_CLIENT_ID);
  const row = Client.toRow(metadata, 'cli', d.now());
  if (existing?.metadata === row.metadata) return;
  await d.store.clients.upsert(existing ? { ...row, created_at: existing.created_at } : row);
  d.clients.forget(CONSOLE_CLIENT_ID);
}
