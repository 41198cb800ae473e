import type { Provider } from '../provider.js';
import type { EndSessionDeps } from '../protocol/end-session/end-session-service.js';
import type { InteractionService } from '../protocol/interaction-service.js';
import type { SignOutEverywhereDeps } from '../logout/sign-out-everywhere.js';

/**
 * The narrow dependencies each logout-side service receives, built once from the provider. Services never see
 * the whole provider; this is the one place that knows where each piece comes from.
 */
export interface Services {
  interactions: InteractionService;
  endSession: EndSessionDeps;
  signOutEverywhere: SignOutEverywhereDeps;
}

export function buildServices(p: Provider): Services {
  const interactions = p.interactions;
  const browserSessions = async (cookie: string | undefined) =>
    (await p.sessions.accounts(cookie, (s) => p.logout.endExpired(s))).map((a) => a.session);
  const displayName = async (userId: string) => {
    const user = await p.users.find(userId);
    return user?.name ?? user?.username ?? 'you';
  };
  return {
    interactions,
    endSession: {
      verifyOwnJwt: (token) => p.signer.verifyOwn(token, { allowExpired: true, nowMs: p.now() }),
      findClient: (id) => p.clients.get(id),
      browserSessions,
      interactions,
      logout: p.logout,
      displayName,
      describeUser: async (userId: string) => {
        const user = await p.users.find(userId);
        return { name: user?.name ?? user?.username ?? 'you', username: user?.username ?? '' };
      },
      requireIdTokenHint: p.config.logout.require_id_token_hint,
    },
    signOutEverywhere: { activeOfUser: (userId) => p.sessions.activeOfUser(userId), logout: p.logout },
  };
}
