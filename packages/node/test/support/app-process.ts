/**
 * One app process for the multi-process test: the Express test app over a RedisSessionStore, configured from
 * the environment. It prints one JSON line when it listens and exits on SIGTERM.
 */
import { RedisSessionStore } from '../../src/index.js';
import { startExpressApp } from './apps.js';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const store = new RedisSessionStore({ url: env('REDIS_URL'), prefix: env('ADIEU_PREFIX') });
const app = await startExpressApp({
  port: Number(env('PORT')),
  options: {
    issuer: env('ISSUER'),
    allowInsecureRequests: true,
    clientId: env('CLIENT_ID'),
    clientSecret: env('CLIENT_SECRET'),
    store,
  },
});
process.stdout.write(`${JSON.stringify({ listening: app.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
