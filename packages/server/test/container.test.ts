/**
 * The container image: built from the repository's Dockerfile, started with settings from the environment only,
 * healthy by its own HEALTHCHECK, serving discovery, and stopping with exit code 0 on SIGTERM (`docker stop`).
 * Needs a Docker engine; without one this test skips with a loud line. That skip is not one of the
 * ADIEU_REQUIRE_ALL requirements (CI machines have no Docker engine).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/testing/index.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

function dockerEngine(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
    return true;
  } catch {
    process.stderr.write(
      '\n*** SKIPPED: container image test: no Docker engine answers `docker info` (the image is not built or smoke-tested here) ***\n',
    );
    return false;
  }
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
