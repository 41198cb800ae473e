/**
 * Real child processes running an SDK app. The TypeScript entry is bundled once with esbuild (a root dev
 * dependency) into a file under packages/node/node_modules/.cache, so that its bare imports (express, ioredis,
 * ...) resolve exactly as in the repository, then started with plain `node`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function bundle(entry: string): Promise<string> {
  const outDir = join(here, '..', '..', 'node_modules', '.cache', 'adieu-node-test');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${entry.replace(/\W+/g, '-')}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(here, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return outfile;
}

export interface ChildApp {
  url: string;
  process: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

export async function startChild(file: string, env: Record<string, string>): Promise<ChildApp> {
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${output.join('')}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${output.join('')}`)));
    lines.on('line', (line) => {
      output.push(line);
      try {
        const msg = JSON.parse(line) as { listening?: string };
        if (msg.listening) {
          clearTimeout(timer);
          resolve(msg.listening);
        }
      } catch {
        // not ours
      }
    });
  });
  return {
    url,
    process: child,
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
