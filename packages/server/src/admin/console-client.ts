import type { Provider } from '../provider.js';
import { Client } from '../domain/clients.js';
import { clientMetadataSchema } from '../domain/client-metadata.js';
import { CONSOLE_CLIENT_ID } from './admin-auth.js';

/**
 * The console signs in through the provider itself, as an ordinary OIDC client (code + PKCE, public: the
 * exchange happens inside the provider process, so there is no secret to keep). Created or refreshed at every
 * start, so its redirect URI always follows the issuer.
 */
export async function ensureConsoleClient(p: Provider): Promise<void> {
  const base = p.issuer.replace(/\/$/, '');
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
  const existing = await p.store.clients.find(CONSOLE_CLIENT_ID);
  const row = Client.toRow(metadata, 'cli', p.now());
  if (existing?.metadata === row.metadata) return;
  await p.store.clients.upsert(existing ? { ...row, created_at: existing.created_at } : row);
  p.clients.forget(CONSOLE_CLIENT_ID);
}
