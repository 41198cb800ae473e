import { z } from 'zod';
import { clientMetadataSchema } from '../domain/client-metadata.js';

/**
 * The provider's configuration file, validated once at start. Every key is documented here because the README
 * table is generated from these descriptions. Unknown keys are refused so that a typo cannot silently disable a
 * security setting.
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

export const configSchema = z
  .object({
    issuer: z
      .string()
      .url()
      .describe('Public URL of the provider; discovery lives at <issuer>/.well-known/openid-configuration')
      .refine((v) => !v.endsWith('/'), 'must not end with a slash')
      .refine((v) => !new URL(v).search && !new URL(v).hash, 'must not have a query or fragment'),
    port: z.number().int().min(0).max(65535).optional().describe('TCP port; defaults to the issuer URL port'),
    host: z.string().default('127.0.0.1').describe('Address to listen on'),
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1) })
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
      .prefault({}),
    session: z
      .object({
        idle: seconds(1800, 'SSO session idle timeout (sliding)'),
        absolute: seconds(43_200, 'SSO session absolute lifetime'),
        remember_me: seconds(2_592_000, 'absolute lifetime when the user ticks "keep me signed in"'),
        remember_me_idle: seconds(604_800, 'idle timeout when the user ticks "keep me signed in"'),
        sweep_interval: seconds(30, 'how often expired sessions are ended through the logout path'),
      })
      .strict()
      .prefault({}),
    login: z
      .object({
        account_max_failures: z.number().int().positive().default(5),
        account_lock_seconds: seconds(
          30,
          'first lock after too many failures; doubles on each further failure',
        ),
        ip_max_failures: z.number().int().positive().default(50),
        ip_window_seconds: seconds(900, 'window of the per-IP failure count'),
        scrypt_log_n: z
          .number()
          .int()
          .min(10)
          .max(20)
          .default(16)
          .describe('scrypt cost for new password hashes'),
      })
      .strict()
      .prefault({}),
    keys: z
      .object({
        publish_ahead: z
          .number()
          .int()
          .min(0)
          .default(900)
          .describe('seconds a rotated-in key is published in the JWKS before it signs'),
      })
      .strict()
      .prefault({}),
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
      .prefault({}),
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
        backchannel_concurrency: z.number().int().positive().max(1000).default(32),
        backchannel_backoff: z
          .object({ initial: z.number().positive().default(2), max: z.number().positive().default(3600) })
          .strict()
          .prefault({})
          .describe('retry backoff in seconds: initial * 2^attempt, capped, with full jitter'),
        worker_poll_interval: z.number().positive().default(1).describe('seconds between outbox polls'),
      })
      .strict()
      .prefault({}),
    admin: z
      .object({
        bearer_secret: z
          .string()
          .min(16)
          .optional()
          .describe('static bearer secret accepted by admin APIs in addition to admin-scoped access tokens'),
      })
      .strict()
      .prefault({}),
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
    trust_proxy: z
      .boolean()
      .default(false)
      .describe('honour X-Forwarded-* (only behind a proxy you control)'),
    clients: z.array(clientMetadataSchema).default([]),
    users: z.array(userSeedSchema).default([]),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & { port: number };
export type UserSeed = z.output<typeof userSeedSchema>;
