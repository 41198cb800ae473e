import { loadConfigFile, parseConfig } from '../config/load.js';
import { envHasConfig } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';

/**
 * The config of a CLI command: `--config FILE` (or ADIEU_CONFIG), with the environment's ADIEU_* settings laid
 * over it; or, in a container with no file, the environment alone (ADIEU_ISSUER at least).
 */
export function cliConfig(values: { config?: string | undefined }, env = process.env): Config {
  const file = values.config ?? env.ADIEU_CONFIG;
  if (file) return loadConfigFile(file, env);
  if (envHasConfig(env)) return parseConfig({}, process.cwd(), env);
  throw new ConfigError('--config FILE is required (or set ADIEU_CONFIG, or ADIEU_ISSUER and friends)');
}
