/**
 * Which of the browser's accounts an authorization request is for (issue 19; OIDC Core §3.1.2.1 `prompt`,
 * `login_hint`, `id_token_hint`; §3.1.2.6 `account_selection_required`).
 */

/** An account as the rule sees it: who it is and the opaque hint its ID tokens carry. */
export interface SelectableAccount {
  userId: string;
  /** The `login_hint` claim of this account's ID tokens (domain/browser-accounts.ts `loginHintFor`). */
  loginHint: string;
  /** Username and email, for a `login_hint` an app typed in rather than took from an ID token. */
  names?: readonly string[] | undefined;
}

export interface AccountRequest {
  prompt: ReadonlySet<string>;
  loginHint?: string | undefined;
  /** The subject of a valid id_token_hint (undefined when there was none or it did not verify). */
  hintedSubject?: string | undefined;
}

export type AccountChoice<T> =
  /** Continue as this account (max_age and consent are still checked by the caller). */
  | { kind: 'use'; account: T }
  /** Show the account picker (with "use another account"). */
  | { kind: 'pick' }
  /** Show the login page. */
  | { kind: 'sign_in' }
  /** prompt=none cannot continue: the OAuth error to send back. */
  | { kind: 'error'; error: 'login_required' | 'account_selection_required' };

/** Whether a `login_hint` names this account: its opaque hint, or its username or email (any case). */
export function hintMatches(account: SelectableAccount, hint: string): boolean {
  if (account.loginHint === hint) return true;
  const wanted = hint.toLowerCase();
  return (account.names ?? []).some((n) => n.toLowerCase() === wanted);
}

/**
 * The rule, in order: `prompt=login` signs in; `prompt=select_account` picks; a hint (id_token_hint, then
 * login_hint) selects its account or, naming none here, signs in (prompt=none: login_required); without a hint
 * one account is used, several are picked from (prompt=none: account_selection_required), none signs in. A hint
 * never selects somebody else: no match means the login page, not another account.
 */
export function selectAccount<T extends SelectableAccount>(
  accounts: readonly T[],
  req: AccountRequest,
): AccountChoice<T> {
  const silent = req.prompt.has('none');
  const signIn = (): AccountChoice<T> =>
    silent ? { kind: 'error', error: 'login_required' } : { kind: 'sign_in' };
  if (req.prompt.has('login')) return signIn();
  if (req.prompt.has('select_account')) return accounts.length ? { kind: 'pick' } : signIn();
  if (req.hintedSubject !== undefined) {
    const hinted = accounts.find((a) => a.userId === req.hintedSubject);
    return hinted ? { kind: 'use', account: hinted } : signIn();
  }
  if (req.loginHint !== undefined) {
    const hinted = accounts.find((a) => hintMatches(a, req.loginHint!));
    return hinted ? { kind: 'use', account: hinted } : signIn();
  }
  if (accounts.length === 1) return { kind: 'use', account: accounts[0]! };
  if (accounts.length === 0) return signIn();
  return silent ? { kind: 'error', error: 'account_selection_required' } : { kind: 'pick' };
}
