import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AcmeMessage, AcmeProcessOptions } from './acme-main.js';

/** The running Acme Corp process. */
export interface AcmeProcess {
  issuer: string;
  child: ChildProcess;
  /** What it printed (node-oidc-provider's notices, errors). */
  output(): string;
  stop(): Promise<void>;
}

// dist/acme-main.js, from src/ (tests run the sources) as from dist/: both sit one level below the package.
const MAIN = fileURLToPath(new URL('../dist/acme-main.js', import.meta.url));

/**
 * Start "Acme Corp" in its own process and wait until it listens. A port in use rejects with an error carrying
 * `code: 'EADDRINUSE'` and the port, like a listener in this process would.
 */
export async function startAcmeProcess(o: AcmeProcessOptions, quiet: boolean): Promise<AcmeProcess> {
  const child = fork(MAIN, [], {
    env: { ...process.env, ADIEU_ACME_OPTIONS: JSON.stringify(o) },
    silent: true,
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
    if (!quiet) process.stderr.write(`[acme] ${d.toString()}`);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m: AcmeMessage) => {
      if ('ready' in m) return resolve();
      reject(Object.assign(new Error(`Acme Corp did not start: ${m.error.message}`), m.error));
    });
    child.once('exit', (code) =>
      reject(new Error(`Acme Corp exited with ${code} before it was ready:\n${out}`)),
    );
  });
  return {
    issuer: o.issuer,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
