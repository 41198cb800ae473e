import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { Provider, type ProviderOptions } from './provider.js';
import { buildApp, readTls } from './http/app.js';
import { listenOrExplain } from './http/listen.js';
import { startMetricsListener } from './http/metrics-listener.js';

export interface RunningServer {
  provider: Provider;
  app: FastifyInstance;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  /** Where Prometheus scrapes, when metrics have a listener of their own. */
  metricsUrl?: string | undefined;
  close(): Promise<void>;
}

/**
 * Start a provider process: store, keys, workers and the HTTP(S) server. `close()` stops accepting requests,
 * lets in-flight ones finish, stops the workers (pending deliveries stay in the outbox) and closes the store.
 */
export async function startServer(config: Config, options: ProviderOptions = {}): Promise<RunningServer> {
  const provider = await Provider.start(config, options);
  let app: FastifyInstance | undefined;
  let metrics: { url: string; close(): Promise<void> } | undefined;
  try {
    const built = await buildApp(provider, config.tls ? { https: readTls(config.tls) } : {});
    app = built;
    await listenOrExplain(
      () => built.listen({ port: config.port, host: config.host }),
      config.port,
      config.host,
      '"port" in the config (or ADIEU_PORT)',
    );
    if (config.metrics.enabled && config.metrics.port !== undefined) {
      metrics = await startMetricsListener(provider);
    }
  } catch (e) {
    await app?.close();
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
    metricsUrl: metrics?.url,
    close() {
      closing ??= (async () => {
        await metrics?.close();
        await app.close();
        await provider.stop();
      })();
      return closing;
    },
  };
}
