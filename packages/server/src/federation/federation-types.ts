import type { Store } from '../store/store.js';
import type { SessionService } from '../domain/sessions.js';
import type { UserDirectory, UserRow } from '../domain/users.js';
import type { LogoutService } from '../logout/logout-service.js';
import type { Connection } from './connection-config.js';
import type { ConnectionRegistry } from './connection-registry.js';

/** What the federation flows need, wired in provider.ts. */
export interface FederationDeps {
  issuer: string;
  store: Store;
  registry: ConnectionRegistry;
  sessions: SessionService;
  users: UserDirectory;
  logout: LogoutService;
  now: () => number;
}

/** A sign-in through an upstream: the session, its cookie secret, and the browser's accounts to write. */
export type SignedIn = Awaited<ReturnType<SessionService['signIn']>>;

export type CallbackOutcome =
  | ({ kind: 'signed_in'; interactionId: string } & SignedIn)
  /** The upstream's verified email belongs to an existing account: the person must prove they own it. */
  | { kind: 'link_required'; token: string; csrf: string; user: UserRow; connection: Connection };
