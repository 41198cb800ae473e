import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { configSchema, type Config, type ConfigInput } from './schema.js';
import { describeIssue } from '../domain/client-metadata.js';
import { ConfigError } from './errors.js';
import { applyEnv } from './env.js';

export { ConfigError };

/**
 * Replace `${NAME}` in every string of the parsed JSON with the environment variable NAME, so secrets stay out
 * of the file. A missing variable is an error: an empty secret must never be used silently.
 */
function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`config ${path}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}.${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

/** Validate a config object (already parsed) and freeze it. Relative paths are resolved against `baseDir`. */
export function parseConfig(
  input: ConfigInput | unknown,
  baseDir = process.cwd(),
  env = process.env,
): Config {
  const withEnv = applyEnv(interpolateEnv(input, env, ''), env);
  const result = configSchema.safeParse(withEnv);
  if (!result.success) throw new ConfigError(`invalid config: ${describeIssue(result.error)}`);
  const c = result.data;
  const issuer = new URL(c.issuer);
  const port = c.port ?? (issuer.port ? Number(issuer.port) : issuer.protocol === 'https:' ? 443 : 80);
  const ids = new Set<string>();
  c.clients.forEach((client, i) => {
    if (ids.has(client.client_id)) {
      throw new ConfigError(
        `invalid config: clients.${i}.client_id: duplicate client_id ${client.client_id}`,
      );
    }
    ids.add(client.client_id);
  });
  const names = new Set<string>();
  c.users.forEach((u, i) => {
    if (names.has(u.username))
      throw new ConfigError(`invalid config: users.${i}.username: duplicate ${u.username}`);
    names.add(u.username);
  });
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  c.outbound_ca = c.outbound_ca.map(abs);
  if (c.tls) c.tls = { cert: abs(c.tls.cert), key: abs(c.tls.key) };
  if (c.database.startsWith('sqlite:') && c.database !== 'sqlite::memory:') {
    c.database = `sqlite:${abs(c.database.slice('sqlite:'.length))}`;
  }
  c.email.folder = abs(c.email.folder ?? defaultMailFolder(c.database));
  return deepFreeze({ ...c, port });
}

/** Read, interpolate and validate a JSON config file. */
export function loadConfigFile(file: string, env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  // JSON with comments (JSONC), so `adieu init` can explain every setting in the file itself.
  const errors: ParseError[] = [];
  const json: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const { error, offset } = errors[0]!;
    const line = text.slice(0, offset).split('\n').length;
    throw new ConfigError(
      `config file ${file} is not valid JSON: ${printParseErrorCode(error)} at line ${line}`,
    );
  }
  return parseConfig(json, dirname(resolve(file)), env);
}

/** The development mailbox sits next to the SQLite file (or in the working directory for other databases). */
function defaultMailFolder(database: string): string {
  const file = database.startsWith('sqlite:') ? database.slice('sqlite:'.length) : '';
  return file && file !== ':memory:' ? join(dirname(file), 'mail') : resolve('adieu-mail');
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
