/**
 * What the feature modules (login, RP-initiated logout, refresh, back- and front-channel logout) may use of
 * the core. Each takes only the slice it needs (a `Pick` of this interface), never the whole `Adieu`, so the
 * modules do not depend on the class that composes them and can be tested with a small fake.
 */
import type { ResolvedConfig } from './config.js';
import type { CookieJar } from './http.js';
import type { ProviderConnection } from './provider.js';
import type { AppSession, EndReason, SessionStore } from './session-store.js';

export interface SdkContext {
  readonly config: ResolvedConfig;
  readonly store: SessionStore;
  readonly provider: ProviderConnection;
  readonly cookies: CookieJar;
  /** Milliseconds since the epoch (the configured clock). */
  now(): number;
  /** End one app session and tell the `onSessionsEnded` hook. */
  destroySession(id: string, reason: EndReason): Promise<AppSession | undefined>;
  /** Tell the `onSessionsEnded` hook about sessions the store already ended. */
  sessionsEnded(sessions: AppSession[], reason: EndReason): void;
  /** Tell the `onError` hook about an error the SDK handled. */
  report(error: unknown, where: string): void;
}
