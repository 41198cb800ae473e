import type { Config } from '../config/schema.js';
import { Provider } from '../provider.js';

/**
 * `adieu user reset-factors --config FILE --username NAME`: remove a user's second factors and recovery codes
 * (a lost phone), the same as `POST /api/v1/users/{id}/resetFactors`. Every session of the user ends (reason
 * `credentials_changed`), so the next sign-in is a fresh one; their apps are told by the running provider, which
 * delivers the logout tokens this command leaves in the outbox.
 */
export async function userResetFactors(config: Config, username: string | undefined): Promise<number> {
  if (!username) throw new Error('--username is required');
  const p = await Provider.start(config, { workers: false });
  try {
    const user = await p.store.users.findByIdOrUsername(username);
    if (!user) throw new Error(`no user ${username}`);
    const reset = await p.secondFactors.resetAll(user.id);
    console.log(
      `reset ${user.username}: ${reset.factors} second factor(s) removed, ${reset.endedSessions} session(s) ended`,
    );
    return 0;
  } finally {
    await p.stop();
  }
}
