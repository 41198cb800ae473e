/**
 * The container image: built from the repository's Dockerfile, started with settings from the environment only,
 * healthy by its own HEALTHCHECK, serving discovery, and stopping with exit code 0 on SIGTERM (`docker stop`).
 * Needs a Docker engine that can reach the base images' registry; without one this test skips with a loud line.
 * That skip is not one of the ADIEU_REQUIRE_ALL requirements (CI machines have no Docker engine, and the engine
 * installable here reaches no image registry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/testing/index.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

/** The Dockerfile's base images, which the build needs from a registry (or already pulled). */
const BASE_IMAGES = [
  ...new Set(
    [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!),
  ),
];

function skip(why: string): false {
  process.stderr.write(
    `\n*** SKIPPED: container image test: ${why} (the image is not built or smoke-tested here) ***\n`,
  );
  return false;
}

function dockerEngine(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
  } catch {
    return skip('no Docker engine answers `docker info`');
  }
  // An engine without a reachable registry (an offline machine) cannot build any image: that is the same "cannot
  // run here", not a failure of the Dockerfile.
  for (const image of BASE_IMAGES) {
    try {
      execFileSync('docker', ['image', 'inspect', image], { stdio: 'pipe', timeout: 15_000 });
    } catch {
      try {
        execFileSync('docker', ['pull', '-q', image], { stdio: 'pipe', timeout: 120_000 });
      } catch {
        return skip(`the base image ${image} is neither present nor pullable (no registry reachable)`);
      }
    }
  }
  return true;
}

const engine = dockerEngine();

describe.skipIf(!engine)('the container image', () => {
  const tag = `adieu-test:${process.pid}`;
  const name = `adieu-test-${process.pid}`;
  let port = 0;

  beforeAll(async () => {
    await run('docker', ['build', '-t', tag, ROOT], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    port = await freePort();
  }, 660_000);

  afterAll(async () => {
    await run('docker', ['rm', '-f', name]).catch(() => undefined);
    await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
  });

  it('runs as a non-root user, becomes healthy from the environment alone, stops cleanly on SIGTERM', async () => {
    const user = (await run('docker', ['run', '--rm', '--entrypoint', 'id', tag, '-u'])).stdout.trim();
    expect(user).not.toBe('0');
    await run('docker', [
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `127.0.0.1:${port}:9000`,
      '-e',
      `ADIEU_ISSUER=http://localhost:${port}`,
      tag,
    ]);
    const deadline = Date.now() + 90_000;
    let health = '';
    while (Date.now() < deadline) {
      health = (await run('docker', ['inspect', '-f', '{{.State.Health.Status}}', name])).stdout.trim();
      if (health === 'healthy') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(health).toBe('healthy');
    const disco = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect(disco.status).toBe(200);
    await run('docker', ['stop', '-t', '30', name], { timeout: 60_000 });
    const exit = (await run('docker', ['inspect', '-f', '{{.State.ExitCode}}', name])).stdout.trim();
    expect(exit).toBe('0');
  }, 180_000);
});
