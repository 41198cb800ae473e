import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { Provider, type ProviderOptions } from './provider.js';
import { buildApp, readTls } from './http/app.js';

export interface RunningServer {
  provider: Provider;
  app: FastifyInstance;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/**
 * Start a provider process: store, keys, workers and the HTTP(S) server. `close()` stops accepting requests,
 * lets in-flight ones finish, stops the workers (pending deliveries stay in the outbox) and closes the store.
 */
export async function startServer(config: Config, options: ProviderOptions = {}): Promise<RunningServer> {
  const provider = await Provider.start(config, options);
  let app: FastifyInstance;
  try {
    app = await buildApp(provider, config.tls ? { https: readTls(config.tls) } : {});
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await provider.stop();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const scheme = config.tls ? 'https' : 'http';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    provider,
    app,
    url: `${scheme}://${host}:${port}`,
    close() {
      closing ??= (async () => {
        await app.close();
        await provider.stop();
      })();
      return closing;
    },
  };
}
