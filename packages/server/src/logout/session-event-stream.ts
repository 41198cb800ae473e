import type { SessionEndedEvent } from './session-event-bus.js';

/** What watching one session needs: the bus, the event log, the session, and where push deliveries are noted. */
export interface SessionEventStreamDeps {
  /** Events of every session, from this and every other provider process (logout/session-event-bus.ts). */
  subscribe(listener: (e: SessionEndedEvent) => void): () => void;
  /** The first logged event of `sid` after `afterId`, if any. */
  loggedAfter(afterId: number, sid: string): Promise<SessionEndedEvent | undefined>;
  /** The session's end as the sessions table knows it; undefined when unknown. */
  sessionEnd(sid: string): Promise<{ ended: boolean; reason: string | null } | undefined>;
  /** An open page was told: the logout's report shows the push as delivered. */
  recordPush(logoutId: string, clientId: string, detail: string, now: number): Promise<void>;
  now(): number;
  log: { warn(obj: object, msg: string): void };
}

/** Who watches: the session, its user and the client whose page holds the stream. */
export interface Watcher {
  sid: string;
  userId: string;
  clientId: string;
}

/** A watch in progress: `replayed` settles once the log was read; `stop` when the stream closes. */
export interface Watch {
  replayed: Promise<void>;
  stop(): void;
}

/**
 * Session events push, the logout side of it: tell one open page, once, that its session ended — an event
 * logged since `Last-Event-ID` first (a page that reconnects misses nothing), a session that ended before the
 * event log knew of it next, else the live event when it comes. The HTTP route only writes what this decides.
 */
export class SessionEventStreams {
  constructor(private readonly d: SessionEventStreamDeps) {}

  /** Watch `w.sid` and call `deliver` at most once with its end. */
  watch(w: Watcher, lastId: number, deliver: (e: SessionEndedEvent) => void): Watch {
    const d = this.d;
    let done = false;
    // Events heard before the log was read wait here; then delivery is direct.
    let live = false;
    const queue: SessionEndedEvent[] = [];
    const send = (e: SessionEndedEvent) => {
      if (done) return;
      done = true;
      deliver(e);
      if (e.logoutId) {
        d.recordPush(e.logoutId, w.clientId, 'an open page was told at once', d.now()).catch((err: unknown) =>
          d.log.warn({ err }, 'could not record push delivery'),
        );
      }
    };
    // Subscribe before reading the log, so an event landing between the two is not missed.
    const unsubscribe = d.subscribe((e) => {
      if (e.sid !== w.sid) return;
      if (live) send(e);
      else queue.push(e);
    });
    const replay = async () => {
      const past = await d.loggedAfter(lastId, w.sid);
      if (past) return send(past);
      const session = await d.sessionEnd(w.sid);
      if (!session || session.ended) {
        // Ended before the event log existed for it (or removed): still say so, with what we know.
        return send({
          id: lastId,
          sid: w.sid,
          userId: w.userId,
          reason: session?.reason ?? 'unknown',
          logoutId: null,
        });
      }
      live = true;
      for (const e of queue.splice(0)) send(e);
    };
    return {
      replayed: replay(),
      stop: () => {
        done = true;
        unsubscribe();
      },
    };
  }
}
