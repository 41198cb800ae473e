import type { Provider } from '../provider.js';
import type { EndSessionDeps } from '../protocol/end-session/end-session-service.js';
import { InteractionService } from '../protocol/interaction-service.js';

/**
 * The narrow dependencies each logout-side service receives, built once from the provider. Services never see
 * the whole provider; this is the one place that knows where each piece comes from.
 */
export interface Services {
  interactions: InteractionService;
  endSession: EndSessionDeps;
}

export function buildServices(p: Provider): Services {
  const interactions = new InteractionService(p.store.interactions, p.now);
  const currentSession = (cookie: string | undefined) =>
    p.sessions.current(cookie, (s) => p.logout.endExpired(s));
  const displayName = async (userId: string) => {
    const user = await p.store.users.findById(userId);
    return user?.name ?? user?.username ?? 'you';
  };
  return {
    interactions,
    endSession: {
      verifyOwnJwt: (token) => p.signer.verifyOwn(token, { allowExpired: true, nowMs: p.now() }),
      findClient: (id) => p.clients.get(id),
      currentSession,
      interactions,
      logout: p.logout,
      displayName,
      requireIdTokenHint: p.config.logout.require_id_token_hint,
    },
  };
}
