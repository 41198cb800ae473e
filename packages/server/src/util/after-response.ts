import type { ServerResponse } from 'node:http';

/**
 * Hands work to be done once a response is out. A page that renders a logout's receipt gives one to the logout
 * path (LogoutOptions.deliverAfter): the back-channel deliveries it causes start after the page is sent, so a
 * fan-out to a hundred apps never competes with the person's receipt for the event loop and the database.
 */
export type AfterResponse = (work: () => void) => void;

/**
 * Work handed to the returned function runs once `res` is out: its answer written, or the client gone ('close'
 * comes after 'finish', and also when the client hangs up first, so the work is never left behind); at once if
 * that has already happened.
 *
 * Passed by hand rather than found through an AsyncLocalStorage scope: on Node 20 the first such scope turns on
 * promise hooks for the whole process, and every later await of every request pays for them (refresh rotation
 * 5–23 % more main-thread CPU in three rounds, bench/README.md, tenth session).
 */
export function afterResponseOf(res: ServerResponse): AfterResponse {
  return (work) => {
    if (res.closed) work();
    else res.once('close', work);
  };
}
