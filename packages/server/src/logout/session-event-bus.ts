import { EventEmitter } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/store.js';

export interface SessionEndedEvent {
  /** Event id: the row id in session_events; SSE clients resume with Last-Event-ID. */
  id: number;
  sid: string;
  userId: string;
  reason: string;
  logoutId: string | null;
}

const CHANNEL = 'adieu_session_events';

/**
 * Tells every provider process that an SSO session ended, so push subscribers (SPAs over SSE) hear it at once
 * whichever process ended it. On PostgreSQL the event rides LISTEN/NOTIFY, sent inside the ending transaction
 * so it is only heard once the session is really dead. On SQLite (one host) this process emits directly and
 * polls the event log for events written by other processes on the same file.
 */
export class SessionEventBus {
  private readonly emitter = new EventEmitter();
  private listener: pg.Client | undefined;
  private poller: NodeJS.Timeout | undefined;
  private highWater = 0;
  private readonly seen = new Set<number>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: FastifyBaseLogger,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    this.highWater = await this.store.sessionEvents.lastId();
    if (this.store.engine === 'postgres') {
      await this.listen();
    } else {
      this.poller = setInterval(() => void this.poll(), 250);
      this.poller.unref();
    }
  }

  private async listen(): Promise<void> {
    const { databaseUrl, schema } = this.store.connection;
    const url = new URL(databaseUrl);
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString() });
    client.on('notification', (msg) => {
      if (msg.channel !== this.channelName(schema) || !msg.payload) return;
      try {
        this.deliver(JSON.parse(msg.payload) as SessionEndedEvent);
      } catch (e) {
        this.log.warn({ err: e }, 'bad session event notification');
      }
    });
    client.on('error', (e) => {
      this.log.warn({ err: e }, 'session event listener lost its connection; reconnecting');
      this.listener = undefined;
      if (!this.stopped) setTimeout(() => void this.listen().then(() => this.catchUp()), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${this.channelName(schema)}`);
    this.listener = client;
  }

  /** Events written while the listener was down are read from the log, so nothing is missed. */
  private async catchUp(): Promise<void> {
    for (const row of await this.store.sessionEvents.listAllAfter(this.highWater)) {
      this.deliver({
        id: row.id,
        sid: row.sid,
        userId: row.user_id,
        reason: row.reason,
        logoutId: row.logout_id,
      });
    }
  }

  /** One channel per schema, so deployments sharing a database do not hear each other. */
  private channelName(schema: string | undefined): string {
    return schema && schema !== 'public' ? `${CHANNEL}_${schema}` : CHANNEL;
  }

  private async poll(): Promise<void> {
    try {
      await this.catchUp();
    } catch (e) {
      this.log.debug({ err: e }, 'session event poll failed');
    }
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

  /**
   * Record the event in the log inside the caller's transaction; on PostgreSQL also NOTIFY, which the database
   * delivers only on commit.
   */
  async record(tx: Store, e: Omit<SessionEndedEvent, 'id'>, now: number): Promise<SessionEndedEvent> {
    const id = await tx.sessionEvents.append({
      sid: e.sid,
      user_id: e.userId,
      reason: e.reason,
      logout_id: e.logoutId,
      created_at: now,
    });
    const event = { id, ...e };
    if (tx.engine === 'postgres') {
      await sql`select pg_notify(${this.channelName(tx.connection.schema)}, ${JSON.stringify(event)})`.execute(
        tx.db,
      );
    }
    return event;
  }

  /** After commit: deliver in this process without waiting for the round trip. */
  published(events: readonly SessionEndedEvent[]): void {
    for (const e of events) this.deliver(e);
  }

  subscribe(listener: (e: SessionEndedEvent) => void): () => void {
    this.emitter.on('ended', listener);
    return () => this.emitter.off('ended', listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    const l = this.listener;
    this.listener = undefined;
    if (l) await l.end().catch(() => undefined);
  }
}
