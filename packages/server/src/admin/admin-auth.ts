import type { Config } from '../config/schema.js';
import type { ClientRegistry } from '../domain/clients.js';
import type { RolesRepo } from '../store/repos/audit.js';
import { checkAccessToken, type TokenCheckDeps } from '../protocol/access-tokens.js';
import { insufficientScope, invalidToken } from '../protocol/errors.js';
import { digest, safeEqual } from '../util/crypto.js';

/** The built-in OIDC client the web console signs in with (created at start; see admin/console-client.ts). */
export const CONSOLE_CLIENT_ID = 'adieu-console';

/** The role that opens the console and, through the console's tokens, the admin API. */
export const ADMIN_ROLE = 'admin';

/** Who is calling an admin API: the audit log's "who". */
export interface Actor {
  type: 'user' | 'client' | 'secret';
  id: string | null;
  name: string | null;
  /** The client the call came through: the admin client, or the console for a person. */
  clientId: string | null;
}

/** What admin authentication reads (the provider satisfies it). */
export interface AdminAuthDeps extends TokenCheckDeps {
  config: { admin: Pick<Config['admin'], 'bearer_secret'> };
  clients: Pick<ClientRegistry, 'get'>;
  store: TokenCheckDeps['store'] & { roles: Pick<RolesRepo, 'has'> };
}

/**
 * Admin authentication. Three ways in:
 * - the configured static bearer secret;
 * - a client_credentials token with scope `admin` of a client allowed that scope (CONTRACT.md);
 * - a person's access token issued to the built-in console client with scope `admin`, while that person holds
 *   the `admin` role and is enabled. The role is checked on every call, so taking it away takes effect at once.
 */
export async function authenticateAdmin(d: AdminAuthDeps, token: string | undefined): Promise<Actor> {
  if (!token) throw invalidToken('an admin access token is required');
  const secret = d.config.admin.bearer_secret;
  if (secret && safeEqual(token, secret))
    return remember(token, { type: 'secret', id: null, name: null, clientId: null });
  const r = await checkAccessToken(d, token);
  if (!r.active) throw invalidToken(r.why);
  const c = r.claims;
  const scopes = c.scope.split(' ');
  const client = await d.clients.get(c.client_id);
  if (scopes.includes('admin') && client?.allowedScopes.has('admin')) {
    if (c.sub === c.client_id && !c.sid) {
      return remember(token, { type: 'client', id: c.client_id, name: client.name, clientId: c.client_id });
    }
    if (c.client_id === CONSOLE_CLIENT_ID && r.user && !r.user.disabled) {
      if (await d.store.roles.has(r.user.id, ADMIN_ROLE)) {
        return remember(token, { type: 'user', id: r.user.id, name: r.user.username, clientId: c.client_id });
      }
    }
  }
  throw insufficientScope(
    'an access token with the admin scope is required: from client_credentials, or from the console for a user with the admin role',
  );
}

/**
 * The actor of a token authenticated in the last minute, for the audit hook: an action may end the very
 * session (or role) its token depended on, and the record must still say who did it.
 */
const recent = new Map<string, { actor: Actor; at: number }>();
const RECENT_MS = 60_000;

function remember(token: string, actor: Actor): Actor {
  const now = Date.now();
  if (recent.size > 1000) {
    for (const [k, v] of recent) if (now - v.at > RECENT_MS || recent.size > 1000) recent.delete(k);
  }
  recent.set(digest(token), { actor, at: now });
  return actor;
}

export function recentActor(token: string | undefined): Actor | undefined {
  if (!token) return undefined;
  const hit = recent.get(digest(token));
  return hit && Date.now() - hit.at <= RECENT_MS ? hit.actor : undefined;
}
