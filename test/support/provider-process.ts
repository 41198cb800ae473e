/**
 * A provider as a real child process (`adieu start --config FILE`), for tests that kill, restart or run several
 * processes on one store. Requires `npm run build` (npm test does it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const BIN = resolve(import.meta.dirname, '../../packages/server/bin/adieu.js');
const DIST = resolve(import.meta.dirname, '../../packages/server/dist/cli.js');

export interface ProviderProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'adieu-proc-'));
  const file = join(dir, 'adieu.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Start `adieu start --config FILE` and wait until discovery answers 200 at `url`. */
export async function startProviderProcess(
  configFile: string,
  url: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ProviderProcess> {
  if (!existsSync(DIST)) throw new Error('packages/server/dist is missing: run `npm run build` first');
  // An empty configFile starts from the environment alone (ADIEU_ISSUER, ...), as a container does.
  const child = spawn(process.execPath, [BIN, 'start', ...(configFile ? ['--config', configFile] : [])], {
    env: { ...process.env, ADIEU_LOG_LEVEL: process.env.ADIEU_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // A loaded CI machine (two heavy test files at once) has been seen to need 27 s for a start that takes 2 s idle.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`provider exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/.well-known/openid-configuration`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`provider did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
