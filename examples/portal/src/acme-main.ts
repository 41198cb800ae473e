/**
 * The "Acme Corp" upstream in a process of its own (`node dist/acme-main.js`), started by the demo with `fork`: a
 * separate company's identity provider is a separate server, and the bench keeps its CPU apart from Adieu's.
 * Options come as JSON in ADIEU_ACME_OPTIONS; it says `{ ready }` or `{ error }` over the IPC channel and exits
 * when its parent goes away.
 */
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { acmeApp } from './acme.js';
import { demoFetch } from './network.js';

/** What the demo hands the Acme process. */
export interface AcmeProcessOptions {
  issuer: string;
  adieuIssuer: string;
  clientSecret: string;
  dataDir: string;
  port: number;
  /** The demo's host names (they resolve to 127.0.0.1) and its certificate files. */
  hosts: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** What the Acme process says to its parent. */
export type AcmeMessage =
  { ready: true } | { error: { message: string; code?: string | undefined; port?: number | undefined } };

const send = (m: AcmeMessage) => process.send?.(m);
const o = JSON.parse(process.env.ADIEU_ACME_OPTIONS ?? '{}') as AcmeProcessOptions;
try {
  const ca = readFileSync(o.caFile, 'utf8');
  const { handler } = await acmeApp({
    issuer: o.issuer,
    adieuIssuer: o.adieuIssuer,
    clientSecret: o.clientSecret,
    dataDir: o.dataDir,
    fetch: demoFetch(o.hosts, ca),
  });
  const server = createServer({ cert: readFileSync(o.certFile), key: readFileSync(o.keyFile) }, handler);
  server.once('error', (e: NodeJS.ErrnoException) => {
    send({ error: { message: e.message, code: e.code, port: o.port } });
    process.exit(1);
  });
  server.listen(o.port, '127.0.0.1', () => send({ ready: true }));
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Never outlive the demo that started it.
  process.on('disconnect', stop);
} catch (e) {
  send({ error: { message: (e as Error).message } });
  process.exit(1);
}
