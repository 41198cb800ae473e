import type { RolesRepo } from '../store/repos/audit.js';
import { OAuthError } from '../protocol/errors.js';
import { ADMIN_ROLE, type Actor } from './admin-auth.js';

/** Granting and taking roles (issue 16: the console admits `admin`), with who granted each. */
export class Roles {
  constructor(
    private readonly store: Pick<RolesRepo, 'list' | 'grant' | 'revoke'>,
    private readonly now: () => number,
  ) {}

  /** The roles a user holds. */
  list(userId: string): Promise<string[]> {
    return this.store.list(userId);
  }

  /** Grant a role, recording who granted it. */
  async grant(userId: string, role: string, actor: Actor): Promise<void> {
    await this.store.grant(userId, role, `${actor.type}:${actor.id ?? ''}`, this.now());
  }

  /**
   * Take a role away. The last way in must not be closed from inside: an admin cannot take their own admin
   * role (409).
   */
  async revoke(userId: string, role: string, actor: Actor): Promise<void> {
    if (actor.type === 'user' && actor.id === userId && role === ADMIN_ROLE) {
      throw new OAuthError('invalid_request', 'you cannot take your own admin role; ask another admin', 409);
    }
    await this.store.revoke(userId, role);
  }
}
