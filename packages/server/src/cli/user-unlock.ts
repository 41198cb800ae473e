import type { Config } from '../config/schema.js';
import { Provider } from '../provider.js';

/**
 * `adieu user unlock --config FILE --username NAME`: lift a lockout after too many failed passwords and forget
 * the failures, the same as `POST /api/v1/users/{id}/unlock`. Locks also expire on their own; this is for the
 * user on the phone who cannot wait.
 */
export async function userUnlock(config: Config, username: string | undefined): Promise<number> {
  if (!username) throw new Error('--username is required');
  const p = await Provider.start(config, { workers: false });
  try {
    const user = await p.store.users.findByIdOrUsername(username);
    if (!user) throw new Error(`no user ${username}`);
    await p.throttle.unlock(user.username);
    console.log(`unlocked ${user.username}: failed sign-ins forgotten`);
    return 0;
  } finally {
    await p.stop();
  }
}
