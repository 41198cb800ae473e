import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RequestListener } from 'node:http';
import type { RunningServer } from '@adieu/server';
import { ensureCerts, type DemoCerts } from './certs.js';
import { demoSites, DEFAULT_PORTS, SITE_NAMES, type DemoSites } from './sites.js';
import { demoFetch } from './network.js';
import { demoSecrets, providerConfig, startDemoProvider } from './provider.js';
import { LastLogout } from './last-logout.js';
import { Listener } from './server-app.js';
import { portalApp } from './portal.js';
import { expensesApp } from './expenses.js';
import { bookingsApp } from './bookings.js';
import { startAcmeProcess, type AcmeProcess } from './acme-process.js';

export type AppName = 'portal' | 'bookings' | 'expenses';

export interface DemoOptions {
  /** Where the SQLite file, certificates and secrets live. Default `examples/portal/.data`. */
  dataDir?: string;
  /** Host names are `<site>.<domain>`. Default `localhost`. */
  domain?: string;
  ports?: Partial<typeof DEFAULT_PORTS>;
  quiet?: boolean;
}

export interface Demo {
  sites: DemoSites;
  certs: DemoCerts;
  provider: RunningServer;
  /** "Acme Corp", the upstream identity provider, in its own process. */
  acme: AcmeProcess;
  /** Take an app off the network (its sessions stay in memory) and bring it back: "down during the logout". */
  stopApp(name: AppName): Promise<void>;
  startApp(name: AppName): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the whole seed scenario: the provider and three apps on four sites (seed 000), and "Acme Corp", an
 * upstream identity provider on a fifth site in a process of its own (issue 13). Portal and Expenses are
 * server-rendered (Express and Fastify with @adieu/node), Bookings is a single-page app (@adieu/browser).
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const dataDir = resolve(options.dataDir ?? new URL('../.data', import.meta.url).pathname);
  mkdirSync(dataDir, { recursive: true });
  const sites = demoSites(options.domain ?? 'localhost', { ...DEFAULT_PORTS, ...options.ports });
  const hosts = SITE_NAMES.map((n) => sites.host(n));
  const certs = ensureCerts(dataDir, hosts);
  const secrets = demoSecrets(dataDir);
  const fetch = demoFetch(hosts, certs.ca);

  const quiet = options.quiet ?? false;
  // Acme and Adieu start side by side: Adieu reads Acme's discovery document only at the first sign-in through
  // it, and a shorter start leaves less time for another program to take a chosen port.
  const [acmeStarted, providerStarted] = await Promise.allSettled([
    startAcmeProcess(
      {
        issuer: sites.origin('acme'),
        adieuIssuer: sites.origin('idp'),
        clientSecret: secrets.acme,
        dataDir,
        port: sites.ports.acme,
        hosts,
        caFile: certs.caFile,
        certFile: certs.certFile,
        keyFile: certs.keyFile,
      },
      quiet,
    ),
    startDemoProvider(providerConfig(sites, certs, secrets, dataDir), dataDir, quiet),
  ]);
  if (acmeStarted.status === 'rejected' || providerStarted.status === 'rejected') {
    if (acmeStarted.status === 'fulfilled') await acmeStarted.value.stop();
    if (providerStarted.status === 'fulfilled') await providerStarted.value.close();
    throw acmeStarted.status === 'rejected'
      ? acmeStarted.reason
      : (providerStarted as PromiseRejectedResult).reason;
  }
  const acme = acmeStarted.value;
  const provider = providerStarted.value;
  const lastLogout = new LastLogout(sites.origin('idp'), secrets.ops, fetch);
  const listeners: Record<AppName, Listener> = {} as Record<AppName, Listener>;
  try {
    const portal = portalApp({ sites, secret: secrets.portal, fetch, lastLogout });
    const expenses = await expensesApp({ sites, secret: secrets.expenses, fetch, lastLogout });
    const bookings = await bookingsApp({ sites, lastLogout });
    const handlers: Record<AppName, RequestListener> = {
      portal: portal as unknown as RequestListener,
      expenses: expenses.handler,
      bookings: bookings.handler,
    };
    for (const name of ['portal', 'bookings', 'expenses'] as const) {
      listeners[name] = new Listener(handlers[name], certs, sites.ports[name]);
      await listeners[name].start();
    }
  } catch (e) {
    for (const l of Object.values(listeners)) await l.stop();
    await provider.close();
    await acme.stop();
    throw e;
  }
  return {
    sites,
    certs,
    provider,
    acme,
    stopApp: (name) => listeners[name].stop(),
    startApp: (name) => listeners[name].start(),
    async close() {
      for (const l of Object.values(listeners)) await l.stop();
      await provider.close();
      await acme.stop();
    },
  };
}
