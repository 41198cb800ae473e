/** Roles (admin/roles.ts) without HTTP or a database: who granted a role is recorded; the last way in stays open. */
import { describe, expect, it } from 'vitest';
import { Roles } from '../../../src/admin/roles.js';
import { OAuthError } from '../../../src/protocol/errors.js';
import type { Actor } from '../../../src/admin/admin-auth.js';

function fixture() {
  const held = new Map<string, string | null>();
  const roles = new Roles(
    {
      list: async (userId) =>
        [...held.keys()].filter((k) => k.startsWith(`${userId} `)).map((k) => k.split(' ')[1]!),
      // Like RolesRepo: grant answers whether the role is new, revoke whether the user had it.
      grant: async (userId, role, by) => {
        const key = `${userId} ${role}`;
        const fresh = !held.has(key);
        if (fresh) held.set(key, by);
        return fresh;
      },
      revoke: async (userId, role) => held.delete(`${userId} ${role}`),
    },
    () => 1000,
  );
  return { roles, held };
}
const admin = (id: string): Actor => ({ type: 'user', id, name: null, clientId: 'adieu-console' });

describe('roles', () => {
  it('a grant records who granted it', async () => {
    const { roles, held } = fixture();
    await roles.grant('usr_b', 'admin', admin('usr_a'));
    expect(held.get('usr_b admin')).toBe('user:usr_a');
    expect(await roles.list('usr_b')).toEqual(['admin']);
  });

  it('an admin cannot take their own admin role (409), but can take another admin’s', async () => {
    const { roles } = fixture();
    await roles.grant('usr_a', 'admin', admin('usr_a'));
    await roles.grant('usr_b', 'admin', admin('usr_a'));
    const own = await roles.revoke('usr_a', 'admin', admin('usr_a')).catch((e: unknown) => e);
    expect(own).toBeInstanceOf(OAuthError);
    expect((own as OAuthError).status).toBe(409);
    expect(await roles.list('usr_a')).toEqual(['admin']);
    await roles.revoke('usr_b', 'admin', admin('usr_a'));
    expect(await roles.list('usr_b')).toEqual([]);
  });

  it('a client (not a person) may take any user’s admin role', async () => {
    const { roles } = fixture();
    await roles.grant('usr_a', 'admin', admin('usr_a'));
    await roles.revoke('usr_a', 'admin', { type: 'client', id: 'usr_a', name: null, clientId: 'ops' });
    expect(await roles.list('usr_a')).toEqual([]);
  });
});
