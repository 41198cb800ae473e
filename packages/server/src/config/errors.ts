/** A configuration problem, reported to the operator as one line naming the key or variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
