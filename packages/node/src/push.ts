import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndReason, SessionStore } from './session-store.js';

/** Seconds between heartbeat comments, so proxies do not close an idle stream. */
const HEARTBEAT_SECONDS = 25;

/**
 * Who is watching which session, in this process. Fed by the store's `onEnded`, which (with Redis) hears
 * about sessions ended by any process, so a page connected here learns of a logout received elsewhere.
 *
 * @example
 * ```ts
 * const stop = adieu.push.watch(session.id, (reason) => console.log('session ended:', reason));
 * ```
 */
export class SessionPush {
  private readonly watchers = new Map<string, Set<(reason: EndReason) => void>>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly store: SessionStore) {}

  /** Call `listener` once when this session ends. Returns a function that stops watching. */
  watch(sessionId: string, listener: (reason: EndReason) => void): () => void {
    this.unsubscribe ??= this.store.onEnded((event) => {
      for (const id of event.sessionIds) {
        const set = this.watchers.get(id);
        if (!set) continue;
        this.watchers.delete(id);
        for (const l of set) l(event.reason);
      }
    });
    let set = this.watchers.get(sessionId);
    if (!set) this.watchers.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      const s = this.watchers.get(sessionId);
      s?.delete(listener);
      if (s?.size === 0) this.watchers.delete(sessionId);
    };
  }

  /** Resolves once events from other processes reach the watchers (see {@link SessionStore.ready}). */
  async ready(): Promise<void> {
    await this.store.ready?.();
  }

  /** How many pages are connected (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.watchers.clear();
  }
}

/**
 * Serve the Server-Sent Events stream of one page: `event: session` once connected, then
 * `event: session_ended` with `{"reason": ...}` the moment the session ends (and the stream closes).
 * Without a live session the answer is 204, which tells EventSource not to reconnect.
 */
export async function serveSessionEvents(
  push: SessionPush,
  isAlive: () => Promise<boolean>,
  sessionId: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!sessionId || !(await isAlive())) {
    res.writeHead(204, { 'cache-control': 'no-store' }).end();
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  let done = false;
  let stop = () => {};
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_SECONDS * 1000);
  heartbeat.unref();
  const finish = () => {
    done = true;
    stop();
    clearInterval(heartbeat);
  };
  const end = (reason: EndReason | 'expired') => {
    if (done) return;
    finish();
    res.end(`event: session_ended\ndata: ${JSON.stringify({ reason })}\n\n`);
  };
  stop = push.watch(sessionId, end);
  req.once('close', finish);
  // The session may have ended between the first check and the watch being in place: look once more.
  await push.ready();
  if (!(await isAlive())) return end('expired');
  if (!done) res.write('retry: 3000\nevent: session\ndata: {}\n\n');
}

/**
 * The page side of push, to include on pages of signed-in users. It opens the events stream and, when the
 * session ends, dispatches a cancelable `adieu:session-ended` event on `window` (detail: `{reason}`) and,
 * unless a listener called `preventDefault()`, reloads the page, which then shows the signed-out state. A page
 * that is already navigating away (the tab whose sign-out link was clicked) stops listening instead.
 *
 * @example
 * ```ts
 * // Inline it instead of serving /session/events.js (add its hash or a nonce to your CSP):
 * const snippet = pushClientScript('/session/events');
 * addEventListener('adieu:session-ended', (e) => { e.preventDefault(); saveDraft().then(() => location.reload()); });
 * ```
 */
export function pushClientScript(eventsPath: string): string {
  return (
    `(function(){var s=new EventSource(${JSON.stringify(eventsPath)});` +
    // A page that is navigating away (e.g. the sign-out link itself) must not reload over its navigation.
    `addEventListener('beforeunload',function(){s.close()});` +
    `s.addEventListener('session_ended',function(m){s.close();var d={};try{d=JSON.parse(m.data)}catch(e){}` +
    `if(dispatchEvent(new CustomEvent('adieu:session-ended',{detail:d,cancelable:true})))location.reload()})})();\n`
  );
}
