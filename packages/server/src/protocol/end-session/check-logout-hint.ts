import type { IdTokenHint } from './check-id-token-hint.js';
import { hintProvesIntent } from './proof-of-intent.js';

/** An account of the browser as end_session sees it: its session and the opaque hint its ID tokens carry. */
export interface LogoutAccount {
  session: { sid: string; user_id: string };
  loginHint: string;
}

export type NamedAccount<T> =
  /** The hint names this account of the browser: end it (the hint is the proof of intent). */
  | { kind: 'named'; account: T }
  /** No usable hint: ask (which account, when there are several). */
  | { kind: 'unnamed' }
  /** A hint was sent but names no account here: ask, and never end another account instead. */
  | { kind: 'unmatched' };

/**
 * Which of the browser's accounts an end_session request names (issue 19; RP-Initiated Logout 1.0 §2
 * `id_token_hint`, `logout_hint`). A valid id_token_hint names the account of its session; otherwise
 * `logout_hint` — the `login_hint` claim of the account's ID tokens, opaque and known only to the apps that got
 * them — names the account when the request also says which app sends it (`client_id`), as Entra's.
 */
export function accountNamedByHints<T extends LogoutAccount>(
  accounts: readonly T[],
  hints: {
    idTokenHint?: IdTokenHint | undefined;
    logoutHint?: string | undefined;
    clientId?: string | undefined;
  },
): NamedAccount<T> {
  if (hints.idTokenHint) {
    const hinted = accounts.find((a) => hintProvesIntent(hints.idTokenHint, a.session));
    return hinted ? { kind: 'named', account: hinted } : { kind: 'unmatched' };
  }
  if (hints.logoutHint !== undefined && hints.clientId !== undefined) {
    const hinted = accounts.find((a) => a.loginHint === hints.logoutHint);
    return hinted ? { kind: 'named', account: hinted } : { kind: 'unmatched' };
  }
  return { kind: 'unnamed' };
}
