import { z } from 'zod';
import { isIP } from 'node:net';
import { clientMetadataSchema, isLoopbackHost } from '../domain/client-metadata.js';
import { DEFAULT_SIGNING_ALG, SIGNING_ALGS } from '../keys/algorithms.js';
import { connectionSchema } from '../federation/connection-config.js';

/**
 * The provider's configuration file, validated once at start. Every key is documented here because the README
 * table is generated from these descriptions. Unknown keys are refused so that a typo cannot silently disable a
 * security setting.
 *
 * This file stays long on purpose: it is one schema, read top to bottom as the configuration reference
 * (`adieu config-reference` generates docs/configuration.md from it), and splitting it would scatter the
 * sections a reader compares with one another.
 */
const seconds = (def: number, what: string) => z.number().int().positive().default(def).describe(what);

export const userSeedSchema = z
  .object({
    username: z.string().min(1).max(200),
    password: z.string().min(1).max(1024),
    email: z.string().email().optional(),
    email_verified: z.boolean().optional(),
    name: z.string().max(400).optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

/**
 * Which proxies may set X-Forwarded-For (and so the client address that per-IP throttling keys on): none, the
 * last N hops, or the listed addresses. Never "every hop": then the left-most X-Forwarded-For entry, which the
 * client writes itself, would be its address.
 */
const trustProxySchema = z
  .union(
    [
      z.literal(false),
      z.number().int().min(1).max(16),
      z
        .array(
          z
            .string()
            .refine(isProxyAddress, 'must be an IP address, a CIDR, or loopback/linklocal/uniquelocal'),
        )
        .min(1),
    ],
    {
      error: (issue) =>
        issue.input === true
          ? 'true would trust every hop, so any client could pick its own address with X-Forwarded-For; give the number of proxies in front of Adieu (e.g. 1) or their addresses/CIDRs (e.g. ["10.0.0.0/8"])'
          : 'must be false, a hop count (e.g. 1), or a list of proxy addresses/CIDRs (e.g. ["10.0.0.0/8"])',
    },
  )
  .default(false)
  .describe(
    'proxies whose X-Forwarded-* headers are honoured: false, the number of proxy hops in front of Adieu, or their addresses/CIDRs (never true; see docs/security.md)',
  );

export const configSchema = z
  .object({
    issuer: z
      .string()
      .url()
      .describe('Public URL of the provider; discovery lives at <issuer>/.well-known/openid-configuration')
      .refine((v) => !v.endsWith('/'), 'must not end with a slash')
      .refine((v) => {
        // Refinements run even when .url() failed; that failure is already reported.
        if (!URL.canParse(v)) return true;
        const u = new URL(v);
        return !u.search && !u.hash;
      }, 'must not have a query or fragment')
      .refine((v) => {
        if (!URL.canParse(v)) return true;
        const u = new URL(v);
        return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
      }, 'must use https (plain http is only for localhost development)'),
    port: z.number().int().min(0).max(65535).optional().describe('TCP port; defaults to the issuer URL port'),
    host: z.string().default('127.0.0.1').describe('Address to listen on'),
    tls: z
      .object({
        cert: z.string().min(1).describe('certificate chain (PEM file)'),
        key: z.string().min(1).describe('private key (PEM file)'),
      })
      .strict()
      .optional()
      .describe('PEM file paths; when present the provider serves HTTPS itself'),
    database: z
      .string()
      .default('sqlite:./adieu.db')
      .refine(
        (v) => v.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(v),
        'must be sqlite:<file> or a postgres:// URL',
      )
      .describe('sqlite:<file> (embedded) or postgres://...'),
    ttl: z
      .object({
        id_token: seconds(3600, 'ID token lifetime'),
        access_token: seconds(900, 'access token lifetime'),
        refresh_token: seconds(1_209_600, 'refresh token lifetime (absolute, per family)'),
        code: seconds(60, 'authorization code lifetime'),
      })
      .strict()
      .prefault({})
      .describe('token lifetimes (seconds)'),
    session: z
      .object({
        idle: seconds(1800, 'SSO session idle timeout (sliding)'),
        absolute: seconds(43_200, 'SSO session absolute lifetime'),
        remember_me: seconds(2_592_000, 'absolute lifetime when the user ticks "keep me signed in"'),
        remember_me_idle: seconds(604_800, 'idle timeout when the user ticks "keep me signed in"'),
        sweep_interval: seconds(30, 'how often expired sessions are ended through the logout path'),
        max_accounts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(10)
          .describe(
            'how many accounts one browser may be signed in with at once; past it the least recently used one is signed out',
          ),
      })
      .strict()
      .prefault({})
      .describe('SSO session lifetimes (seconds)'),
    login: z
      .object({
        account_max_failures: z
          .number()
          .int()
          .positive()
          .default(5)
          .describe('consecutive failed logins before an account is locked'),
        account_lock_seconds: seconds(
          30,
          'first lock after too many failures; doubles on each further failure',
        ),
        account_quiet_seconds: seconds(
          86_400,
          'failed logins of an account are forgotten after this long without attempts (counted from the end of a lock)',
        ),
        ip_max_failures: z
          .number()
          .int()
          .positive()
          .default(50)
          .describe('failed logins from one IP within ip_window_seconds before it is locked out'),
        ip_window_seconds: seconds(900, 'window of the per-IP failure count'),
        ip_max_sign_in_pages: z
          .number()
          .int()
          .positive()
          .default(300)
          .describe(
            'sign-in pages (each a stored interaction) one IP may open per ip_window_seconds before anyone signs in',
          ),
        scrypt_log_n: z
          .number()
          .int()
          .min(10)
          .max(20)
          .default(16)
          .describe('scrypt cost for new password hashes (log2 of N; each step doubles time and memory)'),
        password_hash: z
          .enum(['scrypt', 'argon2id'])
          .default('argon2id')
          .describe(
            "algorithm for new password hashes: Argon2id, OWASP's first choice, or scrypt (OWASP asks scrypt_log_n 17 for it); a stored hash of the other algorithm or of a lower cost is replaced at the next successful sign-in",
          ),
        argon2_memory_kib: z
          .number()
          .int()
          .min(8192)
          .max(4_194_304)
          .default(19_456)
          .describe('Argon2id memory per hash in KiB (OWASP minimum: 19456 with 2 passes)'),
        argon2_time_cost: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(2)
          .describe('Argon2id passes over the memory'),
        argon2_parallelism: z.number().int().min(1).max(16).default(1).describe('Argon2id lanes'),
        hash_concurrency: z
          .number()
          .int()
          .min(1)
          .max(256)
          .optional()
          .describe(
            'password hashes (sign-in, sign-up, password changes) run at once in this process; default: one fewer than the CPU cores (at least 1, at most libuv pool size − 1), so a sign-in burst leaves a core and a pool thread to token requests',
          ),
        hash_max_wait_seconds: z
          .number()
          .positive()
          .max(300)
          .default(10)
          .describe(
            'a password hash that would wait longer than this for a slot is refused at once: the page answers 503 with Retry-After and the attempt is not counted as a failure',
          ),
      })
      .strict()
      .prefault({})
      .describe('login throttling and password hashing'),
    keys: z
      .object({
        publish_ahead: z
          .number()
          .int()
          .min(0)
          .default(900)
          .describe('seconds a rotated-in key is published in the JWKS before it signs'),
        refresh_interval: z
          .number()
          .positive()
          .default(30)
          .describe(
            'seconds between reloads of the key set (how soon a rotation by another process is seen)',
          ),
        algorithms: z
          .array(z.enum(SIGNING_ALGS))
          .min(1)
          .default([DEFAULT_SIGNING_ALG])
          .refine(
            (a) => a.includes(DEFAULT_SIGNING_ALG),
            `must contain ${DEFAULT_SIGNING_ALG} (OIDC Core requires it)`,
          )
          .refine((a) => new Set(a).size === a.length, 'must not repeat an algorithm')
          .describe(
            'JWS algorithms the provider keeps a signing key for and clients may ask for (id_token_signed_response_alg); RS256 always, ES256 optional',
          ),
        access_token_alg: z
          .enum(SIGNING_ALGS)
          .default(DEFAULT_SIGNING_ALG)
          .describe('JWS algorithm of every JWT access token (one of keys.algorithms)'),
      })
      .strict()
      .prefault({})
      .superRefine((k, ctx) => {
        if (!k.algorithms.includes(k.access_token_alg)) {
          ctx.addIssue({
            code: 'custom',
            path: ['access_token_alg'],
            message: `${k.access_token_alg} is not in keys.algorithms`,
          });
        }
      })
      .describe('signing keys: their algorithms and rotation'),
    registration: z
      .object({
        initial_access_token: z
          .string()
          .min(16)
          .optional()
          .describe('bearer token required by POST /register'),
        allow_private_network: z
          .boolean()
          .default(false)
          .describe('let dynamically registered clients use loopback/private logout URIs'),
      })
      .strict()
      .prefault({})
      .describe('dynamic client registration (RFC 7591)'),
    logout: z
      .object({
        require_id_token_hint: z
          .boolean()
          .default(false)
          .describe(
            'refuse end_session requests without a valid id_token_hint (Azure EnforceIdTokenHintOnLogout)',
          ),
        frontchannel_timeout: seconds(5, 'seconds the logout page waits for front-channel iframes'),
        receipt_wait: seconds(5, 'seconds the receipt waits for first back-channel attempts'),
        backchannel_timeout: seconds(5, 'per-request timeout of a back-channel POST'),
        backchannel_deadline: seconds(
          86_400,
          'seconds during which failed back-channel deliveries are retried',
        ),
        backchannel_concurrency: z
          .number()
          .int()
          .positive()
          .max(1000)
          .default(128)
          .describe('back-channel POSTs in flight at once, per provider process'),
        backchannel_backoff: z
          .object({ initial: z.number().positive().default(2), max: z.number().positive().default(3600) })
          .strict()
          .prefault({})
          .describe('retry backoff in seconds: initial * 2^attempt, capped, with full jitter'),
        worker_poll_interval: z.number().positive().default(1).describe('seconds between outbox polls'),
        event_streams_per_user: z
          .number()
          .int()
          .positive()
          .max(10_000)
          .default(20)
          .describe(
            'open /session/events streams one user may hold at once, per provider process (one per open app page); more get 429',
          ),
        event_streams_per_ip: z
          .number()
          .int()
          .positive()
          .max(100_000)
          .default(200)
          .describe(
            'open /session/events streams one client address may hold at once, per provider process; more get 429',
          ),
      })
      .strict()
      .prefault({})
      .describe('single logout: confirmation, front-channel, back-channel delivery'),
    admin: z
      .object({
        bearer_secret: z
          .string()
          .min(16)
          .optional()
          .describe('static bearer secret accepted by admin APIs in addition to admin-scoped access tokens'),
      })
      .strict()
      .prefault({})
      .describe('management API access'),
    resolve: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'host -> address map for outbound requests (back-channel), e.g. {"portal.test": "127.0.0.1"}',
      ),
    outbound_ca: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'PEM files of extra CAs trusted for outbound HTTPS, besides the system store and NODE_EXTRA_CA_CERTS',
      ),
    trust_proxy: trustProxySchema,
    hsts: z
      .object({
        max_age: z
          .number()
          .int()
          .min(0)
          .default(31_536_000)
          .describe(
            "Strict-Transport-Security max-age (seconds) on answers over the provider's own TLS; 0 turns it off",
          ),
        include_subdomains: z.boolean().default(false).describe('add includeSubDomains'),
      })
      .strict()
      .prefault({})
      .describe('HTTP Strict Transport Security, sent when the provider serves HTTPS itself (`tls`)'),
    clients: z
      .array(clientMetadataSchema)
      .default([])
      .describe('statically configured clients (standard registration names; see the client table)'),
    users: z
      .array(userSeedSchema)
      .default([])
      .describe(
        'seed users, created at a start when their username does not exist yet; never overwritten afterwards',
      ),
    connections: z
      .array(connectionSchema)
      .default([])
      .refine((cs) => new Set(cs.map((c) => c.id)).size === cs.length, 'connection ids must be unique')
      .describe('upstream identity providers (enterprise OIDC, social OAuth 2); see docs/federation.md'),
    migrations: z
      .enum(['auto', 'manual'])
      .default('auto')
      .describe(
        'auto: start brings the database schema up to date; manual: start refuses a schema that is not current (run `adieu migrate`)',
      ),
    metrics: z
      .object({
        enabled: z.boolean().default(false).describe('expose Prometheus metrics'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .optional()
          .describe('serve metrics on a listener of their own on this port (no auth: keep it private)'),
        host: z.string().default('127.0.0.1').describe('address of the metrics listener'),
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a path such as /metrics')
          .default('/metrics')
          .describe('path of the metrics endpoint'),
        bearer_token: z
          .string()
          .min(16)
          .optional()
          .describe('bearer token required to read metrics on the main port (required when no port is set)'),
      })
      .strict()
      .prefault({})
      .refine(
        (m) => !m.enabled || m.port !== undefined || m.bearer_token !== undefined,
        'metrics on the main port need a bearer_token (or set a separate port)',
      )
      .describe('Prometheus metrics (off by default)'),
    tracing: z
      .object({
        endpoint: z
          .string()
          .url()
          .optional()
          .describe(
            'OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; tracing is off without it',
          ),
        service_name: z.string().min(1).default('adieu').describe('service.name of the spans'),
        sample_ratio: z.number().min(0).max(1).default(1).describe('share of requests traced (0..1)'),
      })
      .strict()
      .prefault({})
      .describe('OpenTelemetry traces (off unless an endpoint is set)'),
    signup: z
      .enum(['off', 'open', 'invite'])
      .default('off')
      .describe(
        'self-service accounts: "open" lets anyone sign up from the login page, "invite" only invited users (admin API / CLI), "off" neither',
      ),
    accounts: z
      .object({
        allowed_email_domains: z
          .array(z.string().min(1).max(253))
          .default([])
          .describe('sign-up only for emails in these domains (empty: any domain)'),
        name: z
          .enum(['required', 'optional', 'off'])
          .default('optional')
          .describe('whether the sign-up form asks for a name'),
        unverified_sign_in: z
          .boolean()
          .default(true)
          .describe('users whose email is not verified may sign in (their tokens say email_verified: false)'),
        password_min_length: z
          .number()
          .int()
          .min(8)
          .max(128)
          .default(8)
          .describe('shortest accepted password'),
        password_max_length: z
          .number()
          .int()
          .min(128)
          .max(1024)
          .default(128)
          .describe('longest accepted password'),
        verify_ttl: seconds(86_400, 'lifetime of an email verification link'),
        reset_ttl: seconds(1800, 'lifetime of a password reset link'),
        invite_ttl: seconds(604_800, 'lifetime of an invitation (set-password) link'),
        response_floor_ms: z
          .number()
          .int()
          .min(0)
          .max(5000)
          .default(250)
          .describe(
            'sign-up, reset and resend answers take at least this long, so timing never tells whether an email is registered',
          ),
      })
      .strict()
      .prefault({})
      .describe('self-service accounts: sign-up, verification, password reset, password policy'),
    email: z
      .object({
        smtp: z
          .string()
          .url()
          .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL')
          .optional()
          .describe(
            'SMTP server, e.g. "smtp://user:${SMTP_PASSWORD}@mail.example:587"; without it mails are written as .eml files to `folder`',
          ),
        from: z
          .string()
          .min(3)
          .max(320)
          .optional()
          .describe('sender; defaults to "Adieu <no-reply@ISSUER-HOST>"'),
        folder: z
          .string()
          .min(1)
          .optional()
          .describe(
            'development mailbox used when smtp is not set; defaults to "mail" next to the SQLite database',
          ),
      })
      .strict()
      .prefault({})
      .describe('outgoing email (verification, password reset, invitations)'),
  })
  .strict()
  .superRefine((c, ctx) => {
    c.clients.forEach((client, i) => {
      const alg = client.id_token_signed_response_alg;
      if (alg && !c.keys.algorithms.includes(alg)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'id_token_signed_response_alg'],
          message: `${alg} is not in keys.algorithms`,
        });
      }
    });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & { port: number };
export type UserSeed = z.output<typeof userSeedSchema>;

/** An entry of `trust_proxy`: an address, a CIDR, or one of proxy-addr's named ranges (as Fastify accepts). */
function isProxyAddress(v: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(v)) return true;
  const [address = '', prefix, ...rest] = v.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
