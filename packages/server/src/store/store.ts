import type { Kysely } from 'kysely';
import { connect, type Connection, type ConnectOptions, type Engine } from './connect.js';
import { migrateToLatest, refuseNewerSchema, schemaStatus, SchemaBehindError } from './migrations.js';
import type { Database } from './tables.js';
import { ConsentsRepo, UsersRepo } from './repos/users.js';
import { ClientsRepo } from './repos/clients.js';
import { KeysRepo } from './repos/keys.js';
import { InteractionsRepo } from './repos/interactions.js';
import { SessionsRepo } from './repos/sessions.js';
import { TokensRepo } from './repos/tokens.js';
import { ThrottleRepo } from './repos/throttle.js';
import { LogoutsRepo } from './repos/logouts.js';
import { SessionEventsRepo } from './repos/session-events.js';
import { AuditRepo, RolesRepo } from './repos/audit.js';
import { ConsoleSessionsRepo } from './repos/console-sessions.js';
import { ConsoleQueriesRepo } from './repos/console-queries.js';
import { ConnectionsRepo, FederationRepo } from './repos/federation.js';
import { OpsRepo } from './repos/ops.js';
import { AccountsRepo } from './repos/accounts.js';
import { FactorsRepo } from './repos/factors.js';

/**
 * The one storage contract. Every piece of state that matters (sessions, codes, tokens, keys, throttles, the
 * logout outbox) lives here, so N provider processes on one PostgreSQL behave as one provider. The same class
 * runs on SQLite and PostgreSQL; `engine` is consulted only where SQL really differs (row claiming).
 */
export class Store {
  readonly users: UsersRepo;
  readonly consents: ConsentsRepo;
  readonly clients: ClientsRepo;
  readonly keys: KeysRepo;
  readonly interactions: InteractionsRepo;
  readonly sessions: SessionsRepo;
  readonly tokens: TokensRepo;
  readonly throttle: ThrottleRepo;
  readonly logouts: LogoutsRepo;
  readonly sessionEvents: SessionEventsRepo;
  readonly audit: AuditRepo;
  readonly roles: RolesRepo;
  readonly consoleSessions: ConsoleSessionsRepo;
  readonly consoleQueries: ConsoleQueriesRepo;
  readonly connections: ConnectionsRepo;
  readonly federation: FederationRepo;
  readonly ops: OpsRepo;
  readonly accounts: AccountsRepo;
  readonly factors: FactorsRepo;

  protected constructor(
    readonly db: Kysely<Database>,
    readonly connection: Connection,
    private readonly inTransaction: boolean,
  ) {
    this.users = new UsersRepo(db, connection.engine);
    this.consents = new ConsentsRepo(db);
    this.clients = new ClientsRepo(db);
    this.keys = new KeysRepo(db, connection.engine);
    this.interactions = new InteractionsRepo(db);
    this.sessions = new SessionsRepo(db, connection.engine);
    this.tokens = new TokensRepo(db, connection.engine);
    this.throttle = new ThrottleRepo(db, connection.engine);
    this.logouts = new LogoutsRepo(db, connection.engine);
    this.sessionEvents = new SessionEventsRepo(db, connection.engine, connection.schema);
    this.audit = new AuditRepo(db);
    this.roles = new RolesRepo(db);
    this.consoleSessions = new ConsoleSessionsRepo(db);
    this.consoleQueries = new ConsoleQueriesRepo(db);
    this.connections = new ConnectionsRepo(db);
    this.federation = new FederationRepo(db);
    this.ops = new OpsRepo(db);
    this.accounts = new AccountsRepo(db);
    this.factors = new FactorsRepo(db);
  }

  /** Queries this process has sent (for benchmarks: read before and after a flow). */
  get queryCount(): number {
    return this.connection.stats.queries;
  }

  get engine(): Engine {
    return this.connection.engine;
  }

  /**
   * Open the database, bring its schema up to date (or, with `migrate: false`, refuse one that is not current),
   * and return a ready store. A schema newer than this code is always refused.
   */
  static async open(
    databaseUrl: string,
    options: { migrate?: boolean } & ConnectOptions = {},
  ): Promise<Store> {
    const connection = await connect(databaseUrl, options);
    try {
      const db = connection.db as Kysely<unknown>;
      if (options.migrate === false) {
        const status = await schemaStatus(db, connection.engine, connection.schema);
        refuseNewerSchema(status);
        if (status.pending.length > 0) {
          throw new SchemaBehindError(
            `the database schema is behind this version of Adieu (${status.pending.length} migration(s) pending): ` +
              'run `adieu migrate` first',
          );
        }
      } else {
        await migrateToLatest(db, connection.engine, connection.schema);
      }
    } catch (e) {
      await connection.checkpointer?.stop();
      await connection.db.destroy();
      throw e;
    }
    return new Store(connection.db, connection, false);
  }

  /** Run `fn` in one database transaction; nested calls join the outer transaction. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.connection, true)));
  }

  /** The schema's migrations: applied, pending, and unknown to this code. */
  schemaStatus() {
    return schemaStatus(this.connection.db as Kysely<unknown>, this.engine, this.connection.schema);
  }

  async close(): Promise<void> {
    // The worker's connection first: the main one, closing last, checkpoints what is left and removes the WAL.
    await this.connection.checkpointer?.stop();
    await this.db.destroy();
  }
}
