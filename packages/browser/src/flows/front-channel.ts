/**
 * The front-channel handler: the page registered as `frontchannel_logout_uri` (Front-Channel Logout 1.0 §2),
 * framed by the provider's logout page. It needs no `initialize()` and makes no request. What it may clear and
 * what it reports is decided by {@link frontChannelOutcome} (a pure rule, unit-tested); the removal itself goes
 * through the account sync, so every tab hears of it.
 */
import type { AccountInfo } from '../account.js';
import { AdieuError } from '../errors.js';
import { EventType, InteractionType } from '../events.js';
import {
  hasFirstPartyStorage,
  parseFrontChannelRequest,
  postAcknowledgement,
  type FrontChannelLogoutResult,
  type FrontChannelRequest,
} from '../frontchannel.js';
import type { FlowContext } from './context.js';

/**
 * What the page reports, given the request, whether it reached the app's storage, the accounts it removed and
 * whether the cache is shared (only a shared cache can tell "nothing to clear"; a per-tab cache is cleared by
 * the tabs themselves). Another issuer's session is not ours to clear, and we hold nothing for it.
 */
export function frontChannelOutcome(
  req: FrontChannelRequest,
  x: { partitioned: boolean; removed: AccountInfo[]; sharedCache: boolean },
): FrontChannelLogoutResult {
  if (req.kind === 'invalid') {
    return {
      cleared: req.why === 'no-matching-account',
      detail: req.why,
      iss: req.iss,
      sid: req.sid,
      accounts: [],
      acknowledged: false,
    };
  }
  const iss = req.kind === 'session' ? req.iss : undefined;
  const sid = req.kind === 'session' ? req.sid : undefined;
  if (x.partitioned) {
    return { cleared: false, detail: 'storage-partitioned', iss, sid, accounts: [], acknowledged: false };
  }
  const none = x.removed.length === 0 && x.sharedCache;
  return {
    cleared: true,
    detail: none ? 'no-matching-account' : undefined,
    iss,
    sid,
    accounts: x.removed,
    acknowledged: false,
  };
}

export async function handleFrontChannelLogout(
  ctx: Pick<FlowContext, 'cfg' | 'hub' | 'sync'>,
  url: string,
): Promise<FrontChannelLogoutResult> {
  const req = parseFrontChannelRequest(url, ctx.cfg.authority);
  const partitioned = req.kind !== 'invalid' && !(await hasFirstPartyStorage());
  const removed =
    req.kind === 'invalid' || partitioned ? [] : ctx.sync.frontChannel(req.kind === 'all' ? 'all' : req);
  const result = frontChannelOutcome(req, {
    partitioned,
    removed,
    sharedCache: ctx.cfg.cacheLocation === 'localStorage',
  });
  result.acknowledged = result.iss !== undefined && postAcknowledgement(ctx.cfg.authority, result);
  ctx.hub.emit(
    EventType.FRONT_CHANNEL_LOGOUT,
    InteractionType.None,
    result,
    result.detail === 'storage-partitioned'
      ? new AdieuError('storage_partitioned', 'this frame cannot reach the app storage (third-party blocked)')
      : null,
  );
  return result;
}
