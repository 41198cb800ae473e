/**
 * The page registered as `frontchannel_logout_uri` (Front-Channel Logout 1.0 §2), loaded by the provider's logout
 * page in a hidden iframe with `iss` and `sid`. The rules: act only on our issuer and an exact `sid`; say plainly
 * when the frame is partitioned (third-party cookies blocked: the frame cannot reach the app's storage, so it
 * cleared nothing); and always tell the provider's page what happened (docs/protocol-extensions.md §1).
 */
import type { AccountInfo } from './account.js';
import { webStorage } from './storage.js';

export type FrontChannelDetail = 'storage-partitioned' | 'no-matching-account' | 'missing-parameters';

/** What `handleFrontChannelLogout()` did. */
export interface FrontChannelLogoutResult {
  /** The session is gone from this app (or the app had none for it). `false`: nothing could be cleared. */
  cleared: boolean;
  detail?: FrontChannelDetail | undefined;
  iss: string | undefined;
  sid: string | undefined;
  /** Accounts removed by this page itself (open tabs remove theirs when told). */
  accounts: AccountInfo[];
  /** Whether the acknowledgement was posted to the provider's logout page. */
  acknowledged: boolean;
}

export type FrontChannelRequest =
  | { kind: 'session'; iss: string; sid: string }
  /** Neither `iss` nor `sid`: §2 says the RP logs the user out of all its sessions with this OP. */
  | { kind: 'all' }
  /** Only one of them, or another issuer: not a request this app can act on. */
  | { kind: 'invalid'; iss: string | undefined; sid: string | undefined; why: FrontChannelDetail };

/** Read `iss` and `sid` from the front-channel URL and check them against our issuer. */
export function parseFrontChannelRequest(url: string, issuer: string): FrontChannelRequest {
  const q = new URL(url).searchParams;
  const iss = q.get('iss') ?? undefined;
  const sid = q.get('sid') ?? undefined;
  if (iss === undefined && sid === undefined) return { kind: 'all' };
  if (iss === undefined || sid === undefined) return { kind: 'invalid', iss, sid, why: 'missing-parameters' };
  if (iss !== issuer) return { kind: 'invalid', iss, sid, why: 'no-matching-account' };
  return { kind: 'session', iss, sid };
}

/**
 * Can this document reach the storage the app's own tabs use? Not when the browser blocks third-party storage
 * (reading `localStorage` throws), nor when it hands the frame a partitioned copy (`hasStorageAccess()` false).
 */
export async function hasFirstPartyStorage(): Promise<boolean> {
  if (!webStorage('localStorage')) return false;
  if (typeof window !== 'object' || window.top === window) return true;
  const d = document as Document & { hasStorageAccess?: () => Promise<boolean> };
  if (typeof d.hasStorageAccess !== 'function') return true;
  try {
    return await d.hasStorageAccess();
  } catch {
    return true;
  }
}

/** The acknowledgement message (docs/protocol-extensions.md §1). */
export function acknowledgement(r: Pick<FrontChannelLogoutResult, 'cleared' | 'detail' | 'iss' | 'sid'>) {
  return {
    type: 'adieu:frontchannel-logout' as const,
    iss: r.iss,
    sid: r.sid,
    cleared: r.cleared,
    ...(r.detail ? { detail: r.detail } : {}),
  };
}

/** Post the acknowledgement to the provider's page, addressed to the issuer's origin only. */
export function postAcknowledgement(
  issuer: string,
  r: Pick<FrontChannelLogoutResult, 'cleared' | 'detail' | 'iss' | 'sid'>,
): boolean {
  if (typeof window !== 'object' || window.parent === window) return false;
  try {
    window.parent.postMessage(acknowledgement(r), new URL(issuer).origin);
    return true;
  } catch {
    return false;
  }
}
