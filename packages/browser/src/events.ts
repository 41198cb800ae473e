/**
 * Events: MSAL.js's names and message shape (`{ eventType, interactionType, payload, error, timestamp }`), plus
 * three that say what really happened to a logout, which no incumbent tells you:
 *
 * - `LOCAL_CLEARED`: this tab no longer holds tokens for these accounts (whatever the cause).
 * - `SESSION_ENDED`: an account was signed out by something other than a call in this tab: another tab, the
 *   provider's front-channel page, the push channel, or a refresh that the provider refused.
 * - `IDP_LOGOUT_CONFIRMED`: the provider finished the logout and sent back the `state` we gave it, so the SSO
 *   session is really gone (MSAL's `LOGOUT_SUCCESS` only means the local cache was cleared).
 */
import type { AccountInfo } from './account.js';

/** Event names. The values are stable strings (`adieu:loginSuccess`, ...). */
export const EventType = {
  INITIALIZE_START: 'adieu:initializeStart',
  INITIALIZE_END: 'adieu:initializeEnd',
  HANDLE_REDIRECT_START: 'adieu:handleRedirectStart',
  HANDLE_REDIRECT_END: 'adieu:handleRedirectEnd',
  LOGIN_START: 'adieu:loginStart',
  LOGIN_SUCCESS: 'adieu:loginSuccess',
  LOGIN_FAILURE: 'adieu:loginFailure',
  ACQUIRE_TOKEN_START: 'adieu:acquireTokenStart',
  ACQUIRE_TOKEN_SUCCESS: 'adieu:acquireTokenSuccess',
  ACQUIRE_TOKEN_FAILURE: 'adieu:acquireTokenFailure',
  POPUP_OPENED: 'adieu:popupOpened',
  LOGOUT_START: 'adieu:logoutStart',
  LOGOUT_SUCCESS: 'adieu:logoutSuccess',
  LOGOUT_FAILURE: 'adieu:logoutFailure',
  LOGOUT_END: 'adieu:logoutEnd',
  ACCOUNT_ADDED: 'adieu:accountAdded',
  ACCOUNT_REMOVED: 'adieu:accountRemoved',
  ACTIVE_ACCOUNT_CHANGED: 'adieu:activeAccountChanged',
  LOCAL_CLEARED: 'adieu:localCleared',
  SESSION_ENDED: 'adieu:sessionEnded',
  IDP_LOGOUT_CONFIRMED: 'adieu:idpLogoutConfirmed',
  FRONT_CHANNEL_LOGOUT: 'adieu:frontChannelLogout',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** How the event came about (MSAL.js's `InteractionType`). */
export const InteractionType = {
  Redirect: 'redirect',
  Popup: 'popup',
  Silent: 'silent',
  None: 'none',
} as const;
export type InteractionType = (typeof InteractionType)[keyof typeof InteractionType];

/** What ended an app session without a logout call in this tab. */
export type SessionEndReason = 'other-tab' | 'front-channel' | 'push' | 'refresh-failure';

/** Why accounts left this tab: a logout call here (`logout`), or one of the remote reasons. */
export type RemovalReason = 'logout' | SessionEndReason;

/** Payload of `SESSION_ENDED`: one per account. */
export interface SessionEndedPayload {
  account: AccountInfo;
  reason: SessionEndReason;
  /** The provider's SSO session id, when known. */
  sid: string | undefined;
  /** Why the provider ended the session (`rp`, `user`, `admin`, `expired`, `replaced`, ...), from the push. */
  providerReason?: string | undefined;
}

/** Payload of `LOCAL_CLEARED`. */
export interface LocalClearedPayload {
  accounts: AccountInfo[];
  reason: RemovalReason;
}

/** Payload of `IDP_LOGOUT_CONFIRMED`. */
export interface IdpLogoutConfirmedPayload {
  /** The accounts the logout was for (already removed from the cache). */
  accounts: AccountInfo[];
  /** The app's own `state` given to the logout call, if any. */
  state: string | undefined;
}

/** MSAL.js's `EventMessage`. */
export interface EventMessage {
  eventType: EventType;
  interactionType: InteractionType | null;
  payload: unknown;
  error: Error | null;
  timestamp: number;
}

export type EventCallbackFunction = (message: EventMessage) => void;

/** The callback registry behind `addEventCallback` / `removeEventCallback`. */
export class EventHub {
  private readonly callbacks = new Map<string, { cb: EventCallbackFunction; types?: EventType[] }>();
  private next = 0;

  add(cb: EventCallbackFunction, types?: EventType[]): string {
    const id = `cb-${++this.next}`;
    this.callbacks.set(id, { cb, ...(types ? { types } : {}) });
    return id;
  }

  remove(id: string): void {
    this.callbacks.delete(id);
  }

  /** Deliver to every matching callback; a callback that throws does not stop the others. */
  emit(
    eventType: EventType,
    interactionType: InteractionType | null = null,
    payload: unknown = null,
    error: Error | null = null,
  ): void {
    const message: EventMessage = { eventType, interactionType, payload, error, timestamp: Date.now() };
    for (const { cb, types } of [...this.callbacks.values()]) {
      if (types && !types.includes(eventType)) continue;
      try {
        cb(message);
      } catch (e) {
        console.error('[adieu] event callback failed', e);
      }
    }
  }
}
