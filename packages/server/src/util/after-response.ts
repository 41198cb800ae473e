import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';

const scope = new AsyncLocalStorage<(() => void)[]>();

/**
 * Run `next` (the rest of a request's lifecycle) in a scope whose {@link afterResponse} work waits until the
 * response is out: the socket's answer is written (or the client went away). For work that the person waiting
 * for this page does not need and that would compete with it for the event loop and the database, such as
 * delivering a logout's back-channel notifications to a hundred apps while its receipt page is still being built.
 */
export function runWithAfterResponse(res: ServerResponse, next: () => void): void {
  const queued: (() => void)[] = [];
  // 'close' comes after 'finish', and also when the client hangs up first: the work is never left behind.
  res.once('close', () => {
    for (const work of queued.splice(0)) work();
  });
  scope.run(queued, next);
}

/**
 * Queue `work` for after the current response (see runWithAfterResponse); false when not inside such a request,
 * and then the caller does the work now.
 */
export function afterResponse(work: () => void): boolean {
  const queued = scope.getStore();
  if (!queued) return false;
  queued.push(work);
  return true;
}
