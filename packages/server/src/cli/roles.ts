import type { Provider } from '../provider.js';
import { ADMIN_ROLE } from '../admin/admin-auth.js';

const ROLES = [ADMIN_ROLE];

/** Check a --role value before anything is written, so a typo leaves no half-made user behind. */
export function checkRoleOption(role: string | undefined): string | undefined {
  if (role !== undefined && !ROLES.includes(role)) {
    throw new Error(`unknown role ${role}; roles are: ${ROLES.join(', ')}`);
  }
  return role;
}

/** `adieu user grant --username U --role admin` (and `user add --role admin`): give a user a role. */
export async function grantRole(p: Provider, username: string | undefined, role: string | undefined) {
  if (!username || !role) throw new Error('--username and --role are required');
  checkRoleOption(role);
  const user = await p.store.users.findByIdOrUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  await p.store.roles.grant(user.id, role, 'cli', p.now());
  await p.store.audit.append({
    at: p.now(),
    actor_type: 'cli',
    actor_id: null,
    actor_name: process.env.USER ?? null,
    client_id: null,
    action: 'user.grant_role',
    target_type: 'user',
    target_id: user.id,
    status: null,
    ip: null,
    user_agent: null,
    detail: JSON.stringify({ role }),
  });
  console.log(`${user.username} has the role ${role}`);
  return 0;
}
