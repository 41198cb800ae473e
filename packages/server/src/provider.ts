import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { Config } from './config/schema.js';
import { Store } from './store/store.js';
import { KeyStore } from './keys/keystore.js';
import { TokenSigner } from './protocol/jwt.js';
import { ClientRegistry } from './domain/clients.js';
import { UserDirectory } from './domain/users.js';
import { belowOwaspMinimum, passwordHashPolicy } from './domain/passwords.js';
import { defaultHashConcurrency, HashingSlots } from './domain/hashing-slots.js';
import { SessionService } from './domain/sessions.js';
import { LoginThrottle } from './domain/throttle.js';
import { StreamLimit } from './domain/stream-limit.js';
import { SignInBudget } from './domain/sign-in-budget.js';
import { LogoutService } from './logout/logout-service.js';
import { SessionEventBus } from './logout/session-event-bus.js';
import { OutboxWorker } from './logout/outbox-worker.js';
import { BackchannelSender } from './logout/backchannel-sender.js';
import { SessionSweeper } from './logout/session-sweeper.js';
import { ConnectionRegistry } from './federation/connection-registry.js';
import { FederationService } from './federation/federation-service.js';
import { Metrics } from './telemetry/metrics.js';
import { noTracing, startTracing, type Tracing } from './telemetry/tracing.js';
import { TokenEndpoint } from './protocol/token.js';
import { AuthorizationFlow } from './protocol/authorize.js';
import { createMailer, type Mailer } from './email/mailer.js';
import { MailTemplates } from './email/messages.js';
import { AccountService } from './accounts/account-service.js';
import { Passkeys } from './mfa/passkeys.js';
import { SecondFactors } from './mfa/second-factors.js';
import { KeyEncryption } from './keys/key-encryption.js';
import { endSessionsAfterCredentialChange } from './logout/credentials-changed.js';
import { InteractionService } from './protocol/interaction-service.js';
import { Interactions } from './protocol/interaction.js';
import { readiness } from './telemetry/readiness.js';
import { ConsoleSessions } from './admin/console-sessions.js';
import { SessionEventStreams } from './logout/session-event-stream.js';
import { Registration } from './protocol/registration.js';

export interface ProviderOptions {
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  clock?: () => number;
  logger?: FastifyBaseLogger;
  /** Start the background workers (outbox delivery, expiry sweeper). Default true. */
  workers?: boolean;
}

/**
 * Everything a provider process holds, wired once: config, store, keys, and the domain services. HTTP routes
 * receive this and stay thin.
 *
 * About 400 lines on purpose: this is the one place that builds every service's narrow dependencies (no service
 * takes the whole provider), so each new service adds its wiring here rather than a rule.
 */
export class Provider {
  readonly now: () => number;
  readonly log: FastifyBaseLogger;
  readonly keys: KeyStore;
  readonly signer: TokenSigner;
  readonly clients: ClientRegistry;
  readonly users: UserDirectory;
  readonly sessions: SessionService;
  readonly throttle: LoginThrottle;
  readonly signInBudget: SignInBudget;
  readonly events: SessionEventBus;
  /** Bounds the open session-event streams per user and per client address. */
  readonly streamLimit: StreamLimit;
  readonly sender: BackchannelSender;
  readonly outbox: OutboxWorker;
  /** The slots every password hash runs in (domain/hashing-slots.ts). */
  private readonly hashing: HashingSlots;
  readonly logout: LogoutService;
  readonly sweeper: SessionSweeper;
  readonly connections: ConnectionRegistry;
  readonly federation: FederationService;
  /** Prometheus counters that services and the HTTP layer feed. */
  readonly metrics = new Metrics();
  /** OpenTelemetry spans, or no-ops when tracing is not configured. */
  tracing: Tracing = noTracing;
  readonly tokenEndpoint: TokenEndpoint;
  readonly authorization: AuthorizationFlow;
  readonly mailer: Mailer;
  readonly mailTemplates = new MailTemplates();
  readonly accounts: AccountService;
  readonly secondFactors: SecondFactors;
  readonly passkeys: Passkeys;
  /** Provider pages' short-lived forms: typed payloads, CSRF, lifetime, single use. */
  readonly interactions: InteractionService;
  /** The login and consent pages of an authorization request (and of the account page's sign-in). */
  readonly signInPages: Interactions;
  /** The admin console's own sign-ins and sessions. */
  readonly consoleSessions: ConsoleSessions;
  /** Open pages watching their session's end (session events push). */
  readonly sessionEventStreams: SessionEventStreams;
  /** Dynamic Client Registration (RFC 7591 / 7592). */
  readonly registration: Registration;
  private housekeeping: NodeJS.Timeout | undefined;

  private constructor(
    readonly config: Config,
    readonly store: Store,
    options: ProviderOptions,
  ) {
    this.now = options.clock ?? Date.now;
    this.log =
      options.logger ?? (pino({ level: process.env.ADIEU_LOG_LEVEL ?? 'info' }) as FastifyBaseLogger);
    const ttl = config.ttl;
    const s = config.session;
    this.keys = new KeyStore(
      store,
      {
        publishAhead: config.keys.publish_ahead,
        publishAfter: Math.max(ttl.id_token, ttl.access_token, 120) + 60,
        verifyAfter: Math.max(s.absolute, s.remember_me),
      },
      this.now,
      config.keys.refresh_interval * 1000,
      KeyEncryption.fromEnv(),
      config.keys.algorithms,
    );
    this.signer = new TokenSigner(this.keys, config.issuer, config.keys.access_token_alg);
    this.interactions = new InteractionService(store.interactions, this.now);
    this.consoleSessions = new ConsoleSessions(store.consoleSessions, this.now);
    this.clients = new ClientRegistry(store, this.now);
    this.registration = new Registration({
      clients: store.clients,
      forget: (id) => this.clients.forget(id),
      settings: config.registration,
      offersAlg: (alg) => this.keys.offers(alg),
      issuer: config.issuer,
      now: this.now,
    });
    this.hashing = new HashingSlots({
      concurrency: config.login.hash_concurrency ?? defaultHashConcurrency(),
      maxWaitMs: config.login.hash_max_wait_seconds * 1000,
      onRefused: () => this.metrics.hashRefused(),
    });
    this.users = new UserDirectory(store, passwordHashPolicy(config.login), this.now, this.hashing);
    this.sessions = new SessionService(
      store,
      {
        idle: s.idle,
        absolute: s.absolute,
        rememberMe: s.remember_me,
        rememberMeIdle: s.remember_me_idle,
        maxAccounts: s.max_accounts,
      },
      this.now,
    );
    this.throttle = new LoginThrottle(store, {
      accountMaxFailures: config.login.account_max_failures,
      accountLockSeconds: config.login.account_lock_seconds,
      accountQuietSeconds: config.login.account_quiet_seconds,
      ipMaxFailures: config.login.ip_max_failures,
      ipWindowSeconds: config.login.ip_window_seconds,
    });
    this.signInBudget = new SignInBudget(store, {
      maxPages: config.login.ip_max_sign_in_pages,
      windowSeconds: config.login.ip_window_seconds,
    });
    this.events = new SessionEventBus(store, this.log);
    this.streamLimit = new StreamLimit({
      perUser: config.logout.event_streams_per_user,
      perIp: config.logout.event_streams_per_ip,
    });
    this.sender = new BackchannelSender({
      timeoutMs: config.logout.backchannel_timeout * 1000,
      resolve: config.resolve,
      allowPrivateNetworkForRegistered: config.registration.allow_private_network,
      extraCa: config.outbound_ca,
    });
    this.outbox = new OutboxWorker({
      store,
      findClient: (id) => this.clients.get(id),
      logoutToken: (subject, nowMs, alg) => this.signer.logoutToken(subject, nowMs, alg),
      offersAlg: (alg) => this.keys.offers(alg),
      sender: this.sender,
      settings: config.logout,
      metrics: this.metrics,
      tracing: () => this.tracing,
      now: this.now,
      log: this.log,
    });
    this.sessionEventStreams = new SessionEventStreams({
      subscribe: (listener) => this.events.subscribe(listener),
      loggedAfter: async (afterId, sid) => {
        const [row] = await store.sessionEvents.listAfter(afterId, [sid], 1);
        return (
          row && {
            id: row.id,
            sid: row.sid,
            userId: row.user_id,
            reason: row.reason,
            logoutId: row.logout_id,
          }
        );
      },
      sessionEnd: async (sid) => {
        const s = await store.sessions.findBySid(sid);
        return s && { ended: s.ended_at !== null, reason: s.end_reason };
      },
      recordPush: (logoutId, clientId, detail, now) =>
        store.logouts.recordPush(logoutId, clientId, detail, now),
      now: this.now,
      log: this.log,
    });
    this.logout = new LogoutService({
      store,
      clients: this.clients,
      issuer: config.issuer,
      settings: config.logout,
      events: this.events,
      kickOutbox: () => this.outbox.kick(),
      metrics: this.metrics,
      // The federation service is built after the logout path, which it uses in turn.
      upstream: {
        planUpstreamLogouts: (ended, bindings, why) =>
          this.federation.planUpstreamLogouts(ended, bindings, why),
        upstreamReport: (logoutId) => this.federation.upstreamReport(logoutId),
      },
      now: this.now,
      log: this.log,
    });
    this.sweeper = new SessionSweeper({
      listExpired: (now, limit) => store.sessions.listExpired(now, limit),
      endSessions: (sessions, opts) => this.logout.endSessions(sessions, opts),
      intervalSeconds: config.session.sweep_interval,
      now: this.now,
      log: this.log,
    });
    this.connections = new ConnectionRegistry(store, {
      configured: config.connections,
      resolve: config.resolve,
      extraCa: config.outbound_ca,
      timeoutSeconds: config.logout.backchannel_timeout,
      now: this.now,
    });
    this.federation = new FederationService({
      issuer: config.issuer,
      store,
      registry: this.connections,
      sessions: this.sessions,
      users: this.users,
      logout: this.logout,
      now: this.now,
    });
    this.secondFactors = new SecondFactors({
      factors: store.factors,
      throttle: this.throttle,
      // TOTP secrets are sealed with the signing keys' key-encryption key (docs/mfa.md).
      sealer: KeyEncryption.fromEnv(),
      now: this.now,
      issuerName: new URL(config.issuer).host,
      credentialsChanged: (userId, o) => endSessionsAfterCredentialChange(this.logout, userId, o),
    });
    this.passkeys = new Passkeys({
      factors: store.factors,
      challenges: store.interactions,
      now: this.now,
      issuer: config.issuer,
      onRejected: (purpose, reason) => this.log.info({ purpose, reason }, 'passkey answer refused'),
    });
    const sessions = this.sessions;
    this.authorization = new AuthorizationFlow({
      findClient: (id) => this.clients.get(id),
      offersAlg: (alg) => this.keys.offers(alg),
      sessions,
      endExpired: (session) => this.logout.endExpired(session),
      signer: this.signer,
      consents: store.consents,
      interactions: store.interactions,
      codes: store.tokens,
      findSession: (sid) => store.sessions.findBySid(sid),
      isParticipant: (sid, clientId) => store.sessions.isParticipant(sid, clientId),
      findUser: (id) => store.users.findById(id),
      findUserCached: (id) => this.users.findCached(id),
      now: this.now,
      issuer: config.issuer,
      codeTtl: config.ttl.code,
      signInBudget: this.signInBudget,
      hasPasskey: (userId) => store.factors.hasKind(userId, 'passkey'),
    });
    this.tokenEndpoint = new TokenEndpoint({
      tokens: store.tokens,
      sessions: {
        keepIfLive: (session) => this.logout.keepIfLive(session),
        participantWriteDue: (sid, clientId) => sessions.participantWriteDue(sid, clientId),
        participantWritten: (sid, clientId) => sessions.participantWritten(sid, clientId),
        touch: (session) => sessions.touch(session),
      },
      findUser: (id) => this.users.findCached(id),
      signer: this.signer,
      now: this.now,
      issuer: config.issuer,
      ttl: config.ttl,
    });
    this.mailer = createMailer(config.email, config.issuer, this.log);
    this.accounts = new AccountService({
      store,
      users: this.users,
      logout: this.logout,
      throttle: this.throttle,
      mailer: this.mailer,
      templates: this.mailTemplates,
      now: this.now,
      log: this.log,
      issuer: config.issuer,
      signup: config.signup,
      settings: config.accounts,
    });
    this.signInPages = new Interactions({
      interactions: store.interactions,
      now: this.now,
      currentSession: (cookie) => this.authorization.currentSession(cookie),
      browserSession: (cookie, sid) => this.authorization.browserSession(cookie, sid),
      findClient: (id) => this.clients.get(id),
      throttle: this.throttle,
      users: this.users,
      findUser: (id) => store.users.findById(id),
      accounts: this.accounts,
      secondFactors: this.secondFactors,
      sessions,
      logout: this.logout,
      consents: store.consents,
    });
  }

  /** Whether this process can serve (`/readyz`): database, migrations, signing keys, outbox worker. */
  readiness() {
    return readiness({
      ping: () => this.store.ops.ping(),
      schemaStatus: () => this.store.schemaStatus(),
      signingKey: () => this.keys.signingKids(),
      outboxActive: () => this.outbox.active,
      log: this.log,
    });
  }

  get issuer(): string {
    return this.config.issuer;
  }

  /** Open the store, run migrations, load keys, seed clients and users, start the workers. */
  static async start(config: Config, options: ProviderOptions = {}): Promise<Provider> {
    const store = await Store.open(config.database, {
      migrate: config.migrations === 'auto',
      backgroundCheckpoints: true,
    });
    const provider = new Provider(config, store, options);
    const weakHash = belowOwaspMinimum(passwordHashPolicy(config.login));
    if (weakHash) provider.log.warn({ event: 'login.password_hash_below_minimum' }, weakHash);
    if (
      store.engine === 'sqlite' &&
      !config.database.endsWith(':memory:') &&
      !store.connection.checkpointer
    ) {
      provider.log.warn(
        { event: 'database.checkpoints_on_main_thread' },
        'the SQLite checkpoint worker did not start; commits will checkpoint on the event loop',
      );
    }
    try {
      await provider.observe();
      await provider.keys.init();
      await provider.clients.syncFromConfig(config.clients);
      await provider.users.createSeeds(config.users);
      await provider.events.start();
      if (options.workers !== false) {
        provider.outbox.start();
        provider.sweeper.start();
      }
      provider.housekeeping = setInterval(() => void provider.purge(), 10 * 60_000).unref();
    } catch (e) {
      await provider.stop();
      throw e;
    }
    return provider;
  }

  /** Feed metrics from the store, and start tracing when an endpoint is configured. */
  private async observe(): Promise<void> {
    const ops = this.store.ops;
    const pool = this.store.connection.pool;
    this.metrics.readFrom({
      outboxDepth: () => ops.outboxDepth(),
      activeSessions: () => ops.activeSessions(this.now()),
      passwordHashes: () => this.hashing.load,
      databaseConnections: () =>
        pool && { busy: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount },
    });
    this.store.connection.stats.onConnectionLost = (err) =>
      this.log.warn({ err, event: 'database.connection_lost' }, 'an idle database connection was lost');
    const t = this.config.tracing;
    this.tracing = await startTracing({
      endpoint: t.endpoint,
      serviceName: t.service_name,
      sampleRatio: t.sample_ratio,
    });
    if (this.tracing.enabled) {
      const tracing = this.tracing;
      const system = this.store.engine === 'postgres' ? 'postgresql' : 'sqlite';
      this.store.connection.stats.onEvent = (e) =>
        tracing.record(
          'db.query',
          { 'db.system.name': system, 'db.query.text': e.query.sql },
          e.queryDurationMillis,
          e.level === 'error',
        );
    }
  }

  /**
   * Housekeeping, every 10 minutes: drop expired codes, tokens, interactions, mailed links and console
   * sign-ins. Public so that a test can run one round without waiting.
   */
  async purge(): Promise<void> {
    try {
      await this.store.tokens.purgeExpired(this.now());
      await this.store.interactions.purgeExpired(this.now());
      await this.store.federation.purgeExpired(this.now());
      await this.store.accounts.purgeTokens(this.now());
      await this.store.consoleSessions.purgeExpired(this.now());
    } catch (e) {
      this.log.warn({ err: e }, 'housekeeping failed');
    }
  }

  /** Stop workers (in-flight deliveries finish or stay pending in the outbox), then close the store. */
  async stop(): Promise<void> {
    if (this.housekeeping) clearInterval(this.housekeeping);
    await this.sweeper.stop();
    await this.outbox.stop();
    await this.events.stop();
    await this.accounts.jobs.drain();
    this.mailer.close();
    await this.store.close();
    await this.tracing.shutdown();
  }
}
