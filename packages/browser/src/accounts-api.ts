/**
 * The part of `AdieuClient` that answers from this page's state, without a flow: events, hooks, and which
 * accounts are signed in (MSAL.js's account APIs). Only accounts this page may return are listed: see
 * `flows/confirm.ts`.
 */
import { sameAccount, type AccountInfo } from './account.js';
import type { BeforeAccountRemovedHook } from './account-sync.js';
import { AdieuError } from './errors.js';
import type { EventCallbackFunction, EventType } from './events.js';
import { activeAccount, type ClientParts } from './flows/wiring.js';
import type { AccountFilter } from './requests.js';

export class AccountsApi {
  protected constructor(protected readonly parts: ClientParts) {}

  // ---------------------------------------------------------------- events

  /**
   * Register a callback for events (all, or only `eventTypes`). Returns its id.
   *
   * @example
   * ```ts
   * const id = client.addEventCallback((m) => console.log(m.eventType, m.payload), [EventType.SESSION_ENDED]);
   * client.removeEventCallback(id);
   * ```
   */
  addEventCallback(callback: EventCallbackFunction, eventTypes?: EventType[]): string {
    return this.parts.hub.add(callback, eventTypes);
  }

  /**
   * Remove a callback registered with {@link AdieuClient.addEventCallback}.
   *
   * @example
   * ```ts
   * useEffect(() => {
   *   const id = client.addEventCallback(onEvent);
   *   return () => client.removeEventCallback(id);
   * }, []);
   * ```
   */
  removeEventCallback(callbackId: string): void {
    this.parts.hub.remove(callbackId);
  }

  /**
   * Cross-tab account sync is always on in Adieu (a logout must reach every tab); this method exists so code
   * written for MSAL.js runs unchanged. `ACCOUNT_ADDED` / `ACCOUNT_REMOVED` fire for changes made in other tabs.
   *
   * @example
   * ```ts
   * client.enableAccountStorageEvents(); // harmless, and not needed
   * ```
   */
  enableAccountStorageEvents(): void {
    this.parts.sync.listen();
  }

  /**
   * Run `hook` before an account is removed from this tab, for any reason (`info.remote` is true when the
   * removal did not come from a call in this tab: another tab, the front-channel page, the push, a refused
   * refresh). The removal waits for the hook (at most `system.beforeRemoveTimeout`), so an app can stash unsaved
   * work under the account's `homeAccountId` and offer it back only to that same user after they sign in again.
   * Returns a function that unregisters the hook.
   *
   * @example
   * ```ts
   * client.onBeforeAccountRemoved((account) => {
   *   const draft = editor.value;
   *   if (draft) localStorage.setItem(`draft:${account.homeAccountId}`, draft);
   * });
   * // after the next login:
   * const draft = localStorage.getItem(`draft:${client.getActiveAccount()!.homeAccountId}`);
   * ```
   */
  onBeforeAccountRemoved(hook: BeforeAccountRemovedHook): () => void {
    return this.parts.sync.addHook(hook);
  }

  // ---------------------------------------------------------------- accounts

  /**
   * Every signed-in account of this app, optionally filtered: one per user, oldest sign-in first. Signing in as
   * another user (e.g. `loginRedirect({ prompt: 'select_account' })`, "use another account") adds one; signing in
   * again as the same user replaces that user's tokens.
   *
   * @example
   * ```ts
   * for (const a of client.getAllAccounts()) console.log(a.username);
   * ```
   */
  getAllAccounts(filter?: AccountFilter): AccountInfo[] {
    return this.parts.sync
      .visible()
      .filter(
        (a) =>
          !filter ||
          ((filter.homeAccountId === undefined || a.homeAccountId === filter.homeAccountId) &&
            (filter.username === undefined || a.username.toLowerCase() === filter.username.toLowerCase()) &&
            (filter.sid === undefined || a.sid === filter.sid)),
      );
  }

  /**
   * The first account matching `filter` (`homeAccountId`, `username`, `sid`), or `null`.
   *
   * @example
   * ```ts
   * const bob = client.getAccount({ username: 'bob' });
   * ```
   */
  getAccount(filter: AccountFilter): AccountInfo | null {
    return this.getAllAccounts(filter)[0] ?? null;
  }

  /**
   * MSAL.js's lookup by `homeAccountId`.
   *
   * @example
   * ```ts
   * const account = client.getAccountByHomeId(sessionStorage.getItem('lastUser') ?? '');
   * ```
   */
  getAccountByHomeId(homeAccountId: string): AccountInfo | null {
    return this.getAccount({ homeAccountId });
  }

  /**
   * MSAL.js's lookup by `username` (case-insensitive).
   *
   * @example
   * ```ts
   * await client.logoutRedirect({ account: client.getAccountByUsername('alice') });
   * ```
   */
  getAccountByUsername(username: string): AccountInfo | null {
    return this.getAccount({ username });
  }

  /**
   * The account calls use when none is given (`acquireTokenSilent()`), or `null`. A login makes its account
   * active. When the active account is removed (signed out here, in another tab, by the provider) no account is
   * active until the app or a login chooses one: the SDK never silently switches the app to another user.
   *
   * @example
   * ```ts
   * const account = client.getActiveAccount() ?? client.getAllAccounts()[0] ?? null;
   * ```
   */
  getActiveAccount(): AccountInfo | null {
    return activeAccount(this.parts.sync);
  }

  /**
   * Choose the active account (`null` for none): the one `acquireTokenSilent()` uses by default. Shared with
   * other tabs when the cache is `localStorage`. Throws `no_account_error` for an account not signed in here.
   *
   * @example
   * ```ts
   * client.setActiveAccount(client.getAccountByUsername('alice'));
   * ```
   */
  setActiveAccount(account: AccountInfo | null): void {
    const id = account
      ? (this.getAllAccounts().find((a) => sameAccount(a, account))?.homeAccountId ?? null)
      : null;
    if (account && id === null)
      throw new AdieuError('no_account_error', 'that account is not signed in here');
    this.parts.sync.setActive(id);
  }
}
