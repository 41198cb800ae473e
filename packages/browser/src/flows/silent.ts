/**
 * The silent flow: an access token without user interaction, from the cache while it is good, else through the
 * refresh token (never a hidden iframe). Refresh tokens rotate, so one refresh at a time per account across
 * tabs (a Web Lock), re-reading the cache inside the lock. A refresh refused with `invalid_grant` means the SSO
 * session is over: the account is removed in every tab (reason `refresh-failure`).
 */
import type { AccountInfo, AccountRecord } from '../account.js';
import { AdieuError, InteractionRequiredAuthError, isAdieuError } from '../errors.js';
import { EventType, InteractionType } from '../events.js';
import { withLock } from '../locks.js';
import { acrSatisfies } from '../acr.js';
import { recordFromTokens, refreshTokens } from '../protocol.js';
import type { AuthenticationResult, SilentRequest } from '../requests.js';
import { cachedMatching, type FlowContext } from './context.js';

/** The MSAL.js result shape for a cached record. */
export function authenticationResult(
  authority: string,
  r: AccountRecord,
  fromCache: boolean,
  state?: string,
): AuthenticationResult {
  return {
    authority,
    uniqueId: r.account.localAccountId,
    tenantId: '',
    scopes: r.accessToken?.scopes ?? [],
    account: r.account,
    idToken: r.account.idToken ?? '',
    idTokenClaims: r.account.idTokenClaims ?? {},
    accessToken: r.accessToken?.token ?? '',
    fromCache,
    expiresOn: r.accessToken ? new Date(r.accessToken.expiresOn) : null,
    tokenType: 'Bearer',
    correlationId: '',
    ...(state !== undefined ? { state } : {}),
  };
}

/** Is the cached access token good for `scopes` for at least `renewalOffsetSeconds` more? */
export function isFresh(r: AccountRecord, scopes: string[], renewalOffsetSeconds: number, now = Date.now()) {
  const at = r.accessToken;
  if (!at) return false;
  return at.expiresOn - renewalOffsetSeconds * 1000 > now && scopes.every((s) => at.scopes.includes(s));
}

/** The Web Lock that serializes refreshes of one account across tabs. */
export const refreshLock = (clientId: string, homeAccountId: string) =>
  `adieu.refresh.${clientId}.${homeAccountId}`;

/** What a refresh made of the record, or what the provider answered. */
export type RefreshOutcome = { ok: true; record: AccountRecord } | { ok: false; error: AdieuError };

export class SilentFlow {
  /**
   * @param confirm resolves once this page may return the account (see `SessionConfirmation`); throws when the
   *   provider says its session is over or cannot be asked.
   */
  constructor(
    private readonly ctx: FlowContext,
    private readonly confirm: (homeAccountId: string) => Promise<void>,
  ) {}

  async acquireTokenSilent(
    request: SilentRequest,
    active: AccountInfo | null,
  ): Promise<AuthenticationResult> {
    this.ctx.metadata();
    this.ctx.hub.emit(EventType.ACQUIRE_TOKEN_START, InteractionType.Silent, request);
    try {
      const account = request.account ?? active;
      if (!account) throw new AdieuError('no_account_error', 'no account given and none is active');
      const result = await this.silent(
        account,
        request.scopes ?? [],
        request.forceRefresh ?? false,
        request.acrValues,
      );
      this.ctx.hub.emit(EventType.ACQUIRE_TOKEN_SUCCESS, InteractionType.Silent, result);
      return result;
    } catch (e) {
      this.ctx.hub.emit(EventType.ACQUIRE_TOKEN_FAILURE, InteractionType.Silent, null, e as Error);
      throw e;
    }
  }

  /** A token for `account` (also the session monitor's way to get one). */
  async silent(
    account: AccountInfo,
    scopes: string[],
    force: boolean,
    acrValues?: string[],
  ): Promise<AuthenticationResult> {
    const { cfg, cache } = this.ctx;
    this.ctx.metadata();
    const id = cachedMatching(this.ctx, account)[0]?.homeAccountId;
    if (id !== undefined) await this.confirm(id);
    const before = id === undefined ? undefined : cache.get(id);
    if (!before) throw new InteractionRequiredAuthError('this account is not signed in here');
    const acr = before.account.idTokenClaims?.acr;
    if (!acrSatisfies(acr, acrValues)) {
      // Refreshed tokens keep the level of their sign-in (docs/mfa.md): only a step-up can raise it.
      const description = `this sign-in is at ${typeof acr === 'string' ? acr : 'an unknown level'}; ${acrValues!.join(' or ')} is needed: sign in again with acrValues`;
      throw new InteractionRequiredAuthError(description, {
        error: 'interaction_required',
        errorDescription: description,
      });
    }
    if (!force && isFresh(before, scopes, cfg.tokenRenewalOffsetSeconds)) return this.result(before, true);
    if (!scopes.every((s) => before.grantedScopes.includes(s))) {
      throw new InteractionRequiredAuthError(`scope not granted yet: ${scopes.join(' ')}`, {
        error: 'consent_required',
      });
    }
    return withLock(refreshLock(cfg.clientId, before.account.homeAccountId), async () => {
      const current = cache.get(before.account.homeAccountId);
      if (!current) throw new InteractionRequiredAuthError('this account was signed out');
      if (
        current.refreshToken !== before.refreshToken &&
        isFresh(current, scopes, cfg.tokenRenewalOffsetSeconds)
      ) {
        return this.result(current, true); // another tab refreshed meanwhile
      }
      if (!current.refreshToken) throw new InteractionRequiredAuthError('no refresh token for this account');
      const outcome = await this.refresh(current);
      if (!outcome.ok) throw outcome.error;
      return this.result(outcome.record, false);
    });
  }

  /**
   * Refresh `current` now (the caller holds the account's refresh lock). A refused refresh (`invalid_grant`)
   * removes the account in every tab; a refresh that lost a race with a logout is refused too.
   */
  async refresh(current: AccountRecord): Promise<RefreshOutcome> {
    const { cfg, cache, sync } = this.ctx;
    let next: AccountRecord;
    try {
      const tokens = await refreshTokens(cfg.fetch, this.ctx.metadata(), {
        clientId: cfg.clientId,
        refreshToken: current.refreshToken!,
      });
      next = recordFromTokens(tokens, {
        issuer: cfg.authority,
        clientId: cfg.clientId,
        requestedScopes: current.grantedScopes,
        previous: current,
      });
    } catch (e) {
      if (isAdieuError(e, 'interaction_required') && e.error === 'invalid_grant') {
        await sync.removeAccounts(() => cachedMatching(this.ctx, current.account), 'refresh-failure', {
          sids: current.account.sid ? [current.account.sid] : [],
        });
      }
      return { ok: false, error: e as AdieuError };
    }
    if (!cache.get(current.account.homeAccountId)) {
      return {
        ok: false,
        error: new InteractionRequiredAuthError('this account was signed out during the refresh'),
      };
    }
    sync.saveRefresh(next);
    return { ok: true, record: next };
  }

  private result(r: AccountRecord, fromCache: boolean): AuthenticationResult {
    return authenticationResult(this.ctx.cfg.authority, r, fromCache);
  }
}
