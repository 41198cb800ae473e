/**
 * Accounts: MSAL.js's `AccountInfo` shape, built from an ID token, and the rules that decide which cached
 * account a logout signal is about. A logout must remove exactly the accounts it names and no other.
 */
import type { IdTokenClaims } from './jwt.js';

/** MSAL.js's `AccountInfo`, plus the provider session (`sid`) the account's tokens belong to. */
export interface AccountInfo {
  /** Stable id of the user at this provider (the `sub`). Use it to key per-user data, e.g. drafts. */
  homeAccountId: string;
  /** The provider's host, e.g. `idp.example.com`. */
  environment: string;
  /** Always `''`: Adieu has no tenants. Kept for MSAL.js compatibility. */
  tenantId: string;
  /** `preferred_username`, else `email`, else `sub`. */
  username: string;
  localAccountId: string;
  name?: string | undefined;
  idToken?: string | undefined;
  idTokenClaims?: IdTokenClaims | undefined;
  /** The provider's SSO session id (`sid` claim): front-channel and push logouts name it. */
  sid?: string | undefined;
  /** The issuer that signed the account in. */
  issuer: string;
}

/** What the cache keeps per account. */
export interface AccountRecord {
  account: AccountInfo;
  refreshToken?: string | undefined;
  accessToken?: { token: string; scopes: string[]; expiresOn: number } | undefined;
  /** Scopes the user granted to this app (from the token response). */
  grantedScopes: string[];
  /** When this account's tokens were obtained by a login (ms). A logout signal older than this is stale. */
  signedInAt: number;
  /**
   * When the provider last issued tokens for this account (ms): a login or a refresh, in any tab. The provider
   * vouched for the session then. Absent in records written by older versions (then `signedInAt`).
   */
  obtainedAt?: number | undefined;
  /**
   * Set when the provider's session is not persistent (`session_persistent: false`): the browser session the
   * account belongs to (see `browser-session.ts`). The account does not outlive it.
   */
  browserSession?: string | undefined;
}

/** Build an account from a checked ID token. */
export function accountFromIdToken(idToken: string, claims: IdTokenClaims): AccountInfo {
  return {
    homeAccountId: claims.sub,
    environment: new URL(claims.iss).host,
    tenantId: '',
    username: claims.preferred_username ?? claims.email ?? claims.sub,
    localAccountId: claims.sub,
    name: claims.name,
    idToken,
    idTokenClaims: claims,
    sid: claims.sid,
    issuer: claims.iss,
  };
}

/** The same user at the same provider (MSAL.js compares `homeAccountId` and `environment`). */
export function sameAccount(
  a: Pick<AccountInfo, 'homeAccountId' | 'environment'>,
  b: Pick<AccountInfo, 'homeAccountId' | 'environment'>,
): boolean {
  return a.homeAccountId === b.homeAccountId && a.environment === b.environment;
}

/**
 * Is this account the one a front-channel or push logout names? Only an exact issuer and `sid` match counts
 * (Front-Channel Logout 1.0 §3: "the RP ... MUST check that the iss and sid match"); an account without a
 * `sid` is never matched by a `sid`.
 */
export function inSession(account: AccountInfo, iss: string | undefined, sid: string): boolean {
  return account.sid === sid && (iss === undefined || account.issuer === iss);
}

/** Remembered logouts by sid: when each ended (ms) and why. Written to localStorage so late tabs learn them. */
export type Tombstones = Record<string, { at: number; reason: string }>;

/**
 * Does a remembered logout still apply to this record? Only if it happened after the record's login: signing in
 * again can reuse the same SSO session (a local-only logout leaves it alive), and the new tokens must survive.
 */
export function tombstoneApplies(record: AccountRecord, tombstones: Tombstones): boolean {
  const sid = record.account.sid;
  if (!sid) return false;
  const t = tombstones[sid];
  return t !== undefined && t.at >= record.signedInAt;
}

/** Keep the tombstone list short: drop entries older than `maxAgeMs`, and the oldest beyond `max`. */
export function pruneTombstones(t: Tombstones, now: number, maxAgeMs = 7 * 86_400_000, max = 50): Tombstones {
  const kept = Object.entries(t)
    .filter(([, v]) => now - v.at <= maxAgeMs)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, max);
  return Object.fromEntries(kept);
}
