import type { Config } from '../config/schema.js';
import type { ClientRegistry } from '../domain/clients.js';
import type { LoginThrottle } from '../domain/throttle.js';
import type { ConnectionRegistry } from '../federation/connection-registry.js';
import type { KeyStore } from '../keys/keystore.js';
import type { LogoutService } from '../logout/logout-service.js';
import type { SessionEventBus } from '../logout/session-event-bus.js';
import type { OutboxWorker } from '../logout/outbox-worker.js';
import type { AuditRepo, RolesRepo } from '../store/repos/audit.js';
import type { ClientsRepo } from '../store/repos/clients.js';
import type { ConsoleQueriesRepo } from '../store/repos/console-queries.js';
import type { FactorsRepo } from '../store/repos/factors.js';
import type { KeysRepo } from '../store/repos/keys.js';
import type { LogoutsRepo } from '../store/repos/logouts.js';
import type { UsersRepo } from '../store/repos/users.js';

/** What the console's admin operations read and call (the provider satisfies it; provider.ts is not imported). */
export interface AdminServiceDeps {
  issuer: string;
  now: () => number;
  config: { logout: Pick<Config['logout'], 'backchannel_deadline'> };
  store: {
    audit: Pick<AuditRepo, 'list'>;
    clients: Pick<ClientsRepo, 'find' | 'list' | 'upsert'>;
    /** The console's own read models (live figures, searches, deliveries). */
    consoleQueries: ConsoleQueriesRepo;
    factors: Pick<FactorsRepo, 'countUnusedRecoveryCodes' | 'listByUser'>;
    keys: Pick<KeysRepo, 'listUsable'>;
    logouts: Pick<LogoutsRepo, 'find' | 'listAttempts' | 'listOutbox'>;
    roles: Pick<RolesRepo, 'list' | 'grant' | 'revoke'>;
    users: Pick<UsersRepo, 'findByIdOrUsername'>;
  };
  clients: Pick<ClientRegistry, 'forget'>;
  connections: Pick<ConnectionRegistry, 'get'>;
  keys: Pick<KeyStore, 'signingKids'>;
  logout: Pick<LogoutService, 'report'>;
  events: Pick<SessionEventBus, 'subscriberCount'>;
  outbox: Pick<OutboxWorker, 'kick'>;
  throttle: Pick<LoginThrottle, 'locks'>;
}
