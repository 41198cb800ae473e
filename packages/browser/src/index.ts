/**
 * @adieu/browser: the single-page-app SDK of Adieu, shaped like MSAL.js (`PublicClientApplication`), whose
 * logout reaches every tab and works with third-party cookies blocked.
 *
 * @example
 * ```ts
 * import { AdieuClient } from '@adieu/browser';
 * const client = new AdieuClient({ auth: { clientId: 'spa', authority: 'https://idp.example.com' } });
 * await client.initialize();
 * await client.handleRedirectPromise();
 * ```
 *
 * @packageDocumentation
 */
export { AdieuClient, AdieuClient as PublicClientApplication } from './client.js';
export type {
  AccountFilter,
  AuthenticationResult,
  EndSessionPopupRequest,
  EndSessionRequest,
  LogoutRequest,
  LogoutResult,
  PopupRequest,
  RedirectRequest,
  SilentRequest,
} from './requests.js';
export type { BeforeAccountRemovedHook } from './account-sync.js';
export {
  DEFAULT_SCOPES,
  type AuthOptions,
  type CacheOptions,
  type Configuration,
  type SystemOptions,
} from './config.js';
export { AdieuError, InteractionRequiredAuthError, isAdieuError, type AdieuErrorCode } from './errors.js';
export {
  EventType,
  InteractionType,
  type EventCallbackFunction,
  type EventMessage,
  type IdpLogoutConfirmedPayload,
  type LocalClearedPayload,
  type RemovalReason,
  type SessionEndedPayload,
  type SessionEndReason,
} from './events.js';
export type { AccountInfo } from './account.js';
export { ADIEU_ACR_LEVELS, acrSatisfies } from './acr.js';
export type { IdTokenClaims } from './jwt.js';
export type { FrontChannelDetail, FrontChannelLogoutResult } from './frontchannel.js';
export type { MonitorSessionOptions, SessionMonitor } from './session-monitor.js';
export { broadcastResponseToMainFrame, type PopupWindowAttributes } from './popup.js';
export type { CacheLocation } from './storage.js';
