/**
 * Adieu, an OpenID Connect provider whose single logout reaches every app.
 *
 * @example
 * ```ts
 * import { loadConfigFile, startServer } from '@adieu/server';
 * const server = await startServer(loadConfigFile('adieu.json'));
 * console.log(`issuer ready at ${server.provider.issuer}`);
 * ```
 */
export { startServer, type RunningServer } from './server.js';
export { Provider, type ProviderOptions } from './provider.js';
export { loadConfigFile, parseConfig, ConfigError } from './config/load.js';
export type { Config, ConfigInput } from './config/schema.js';
export { configSchema } from './config/schema.js';
export type { LogoutReport, ParticipantReport } from './logout/report.js';
export type { LogoutReason } from './logout/logout-service.js';
export { LOGOUT_EVENT } from './logout/logout-token.js';
