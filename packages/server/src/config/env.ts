import { ConfigError } from './errors.js';

/**
 * Settings a container takes from its environment, each overriding the same key of the config file (or standing
 * alone when there is no file). Values are validated by the config schema like the file's, so a typo fails the
 * same way.
 */
export const ENV_SETTINGS = [
  { name: 'ADIEU_ISSUER', key: 'issuer', type: 'string' },
  { name: 'ADIEU_PORT', key: 'port', type: 'number' },
  { name: 'ADIEU_HOST', key: 'host', type: 'string' },
  { name: 'ADIEU_DATABASE_URL', key: 'database', type: 'string' },
  { name: 'ADIEU_DATABASE', key: 'database', type: 'string' },
  { name: 'ADIEU_TRUST_PROXY', key: 'trust_proxy', type: 'proxies' },
  { name: 'ADIEU_TLS_CERT', key: 'tls.cert', type: 'string' },
  { name: 'ADIEU_TLS_KEY', key: 'tls.key', type: 'string' },
  { name: 'ADIEU_MIGRATIONS', key: 'migrations', type: 'string' },
  { name: 'ADIEU_ADMIN_BEARER_SECRET', key: 'admin.bearer_secret', type: 'string' },
  { name: 'ADIEU_REGISTRATION_TOKEN', key: 'registration.initial_access_token', type: 'string' },
  { name: 'ADIEU_METRICS_PORT', key: 'metrics.port', type: 'number', also: { 'metrics.enabled': true } },
  { name: 'ADIEU_METRICS_HOST', key: 'metrics.host', type: 'string' },
  {
    name: 'ADIEU_METRICS_TOKEN',
    key: 'metrics.bearer_token',
    type: 'string',
    also: { 'metrics.enabled': true },
  },
  { name: 'ADIEU_TRACING_ENDPOINT', key: 'tracing.endpoint', type: 'string' },
] as const satisfies readonly {
  name: string;
  key: string;
  type: 'string' | 'number' | 'boolean' | 'proxies';
  also?: Record<string, unknown>;
}[];

/** Does the environment hold enough to run without a config file? */
export function envHasConfig(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ADIEU_ISSUER);
}

/** A copy of `input` with the environment's settings laid over it (ADIEU_DATABASE_URL wins over ADIEU_DATABASE). */
export function applyEnv(input: unknown, env: NodeJS.ProcessEnv): unknown {
  const out = structuredClone(input ?? {}) as Record<string, unknown>;
  if (typeof out !== 'object' || Array.isArray(out)) return input;
  // Reverse order: earlier entries win, so ADIEU_DATABASE_URL overrides the older ADIEU_DATABASE.
  for (const s of [...ENV_SETTINGS].reverse()) {
    const raw = env[s.name];
    if (raw === undefined || raw === '') continue;
    set(out, s.key, convert(s.name, raw, s.type));
    if ('also' in s) for (const [k, v] of Object.entries(s.also)) set(out, k, v);
  }
  return out;
}

function convert(name: string, raw: string, type: 'string' | 'number' | 'boolean' | 'proxies'): unknown {
  // trust_proxy: a hop count ("1"), "false", or comma-separated proxy addresses/CIDRs; "true" reaches the schema,
  // which refuses it and says what to use.
  if (type === 'proxies') {
    if (/^\d+$/.test(raw)) return Number(raw) || false;
    if (raw === 'false' || raw === 'true') return raw === 'true';
    return raw.split(',').map((a) => a.trim());
  }
  if (type === 'number') {
    if (!/^\d+$/.test(raw))
      throw new ConfigError(`environment variable ${name} must be a number, not "${raw}"`);
    return Number(raw);
  }
  if (type === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(`environment variable ${name} must be true or false, not "${raw}"`);
  }
  return raw;
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (!next || typeof next !== 'object') o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys.at(-1)!] = value;
}
