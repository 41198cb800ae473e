import pg from 'pg';
import type { Store } from './store.js';
import { sessionEventChannel, type SessionEventMessage } from './repos/session-events.js';
import { pgConnectionString } from './connect.js';

export type { SessionEventMessage };

interface FeedLog {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/**
 * Hears the session events every provider process appends (`sessionEvents.appendAndAnnounceMany`). On PostgreSQL
 * they ride LISTEN/NOTIFY, which the database delivers only on commit; after a lost connection the log is read
 * from where this process left off, so nothing is missed. On SQLite (one host) the log is polled. Events may
 * arrive twice (the caller drops repeats by id); engine differences stay here.
 */
export class SessionEventFeed {
  private listener: pg.Client | undefined;
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: FeedLog,
  ) {}

  /** Start hearing events; `after` says the highest id already delivered, for catching up. */
  async start(after: () => number, deliver: (e: SessionEventMessage) => void): Promise<void> {
    const catchUp = async () => {
      for (const row of await this.store.sessionEvents.listAllAfter(after())) {
        deliver({
          id: row.id,
          sid: row.sid,
          userId: row.user_id,
          reason: row.reason,
          logoutId: row.logout_id,
        });
      }
    };
    if (this.store.engine === 'postgres') {
      await this.listen(deliver, catchUp);
    } else {
      this.poller = setInterval(() => {
        catchUp().catch((e: unknown) => this.log.debug({ err: e }, 'session event poll failed'));
      }, 250);
      this.poller.unref();
    }
  }

  private async listen(
    deliver: (e: SessionEventMessage) => void,
    catchUp: () => Promise<void>,
  ): Promise<void> {
    const { databaseUrl, schema } = this.store.connection;
    const channel = sessionEventChannel(schema);
    const client = new pg.Client({ connectionString: pgConnectionString(databaseUrl) });
    client.on('notification', (msg) => {
      if (msg.channel !== channel || !msg.payload) return;
      try {
        deliver(JSON.parse(msg.payload) as SessionEventMessage);
      } catch (e) {
        this.log.warn({ err: e }, 'bad session event notification');
      }
    });
    let connected = false;
    client.on('error', (e) => {
      // Before the connection is up, the failure arrives as connect()'s rejection; handle it once, there.
      if (!connected) return;
      connected = false;
      this.log.warn({ err: e }, 'session event listener lost its connection; reconnecting');
      this.listener = undefined;
      this.reconnect(deliver, catchUp, 1000);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    connected = true;
    this.listener = client;
  }

  /**
   * Listen again after `delayMs`, then read what was missed meanwhile. While the database stays down every try
   * fails; each failure schedules the next with a longer delay, so an outage never becomes an unhandled
   * rejection (which would end the process) nor a tight loop.
   */
  private reconnect(
    deliver: (e: SessionEventMessage) => void,
    catchUp: () => Promise<void>,
    delayMs: number,
  ): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (this.stopped) return;
      this.listen(deliver, catchUp)
        .then(catchUp)
        .catch((e: unknown) => {
          this.log.warn({ err: e }, 'session event listener could not reconnect yet; retrying');
          this.reconnect(deliver, catchUp, Math.min(delayMs * 2, 10_000));
        });
    }, delayMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    const l = this.listener;
    this.listener = undefined;
    if (l) await l.end().catch(() => undefined);
  }
}
