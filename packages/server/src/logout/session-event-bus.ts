import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/store.js';
import { SessionEventFeed, type SessionEventMessage } from '../store/session-event-feed.js';

/** A session ended: the row id in session_events is the event id; SSE clients resume with Last-Event-ID. */
export type SessionEndedEvent = SessionEventMessage;

/**
 * Tells every provider process that an SSO session ended, so push subscribers (SPAs over SSE) hear it at once
 * whichever process ended it. The event is recorded inside the ending transaction; how other processes hear
 * it (LISTEN/NOTIFY on PostgreSQL, polling the log on SQLite) is the store's business (SessionEventFeed).
 * This process delivers its own events directly, after commit.
 */
export class SessionEventBus {
  private readonly emitter = new EventEmitter();
  private readonly feed: SessionEventFeed;
  private highWater = 0;
  private readonly seen = new Set<number>();

  constructor(
    private readonly store: Store,
    log: FastifyBaseLogger,
  ) {
    this.emitter.setMaxListeners(0);
    this.feed = new SessionEventFeed(store, log);
  }

  async start(): Promise<void> {
    this.highWater = await this.store.sessionEvents.lastId();
    await this.feed.start(
      () => this.highWater,
      (e) => this.deliver(e),
    );
  }

  private deliver(event: SessionEndedEvent): void {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > 10_000) {
      for (const id of this.seen) {
        this.seen.delete(id);
        if (this.seen.size <= 5_000) break;
      }
    }
    this.highWater = Math.max(this.highWater, event.id);
    this.emitter.emit('ended', event);
  }

  /** After commit: deliver in this process without waiting for the round trip. */
  published(events: readonly SessionEndedEvent[]): void {
    for (const e of events) this.deliver(e);
  }

  /** Push subscribers (open SSE streams) in this process, for the console's live page. */
  get subscriberCount(): number {
    return this.emitter.listenerCount('ended');
  }

  subscribe(listener: (e: SessionEndedEvent) => void): () => void {
    this.emitter.on('ended', listener);
    return () => this.emitter.off('ended', listener);
  }

  async stop(): Promise<void> {
    await this.feed.stop();
  }
}
