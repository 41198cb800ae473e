/**
 * The container image: built from the repository's Dockerfile, started with settings from the environment only,
 * healthy by its own HEALTHCHECK, serving discovery, stopping with exit code 0 on SIGTERM (`docker stop`), and
 * keeping a pending back-channel logout in the outbox on its volume for the next container.
 *
 * Needs a Docker engine. The base image comes from a registry when one is reachable; on a machine that reaches
 * none but reaches a Debian mirror, the test builds a stand-in with scripts/container-base.sh (once: it is kept
 * as adieu-node-base:bookworm for later runs; about 3.5 min). Without an engine, or when neither works, it skips
 * with a loud line. That skip is not one of the ADIEU_REQUIRE_ALL requirements (CI machines have no Docker
 * engine running).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CHEAP_PASSWORD_HASHES, freePort } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';
import { startReceiver, verifyLogoutToken, type Receiver } from '../../../test/support/receivers.js';
import { writeConfig } from '../../../test/support/provider-process.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const STAND_IN_SCRIPT = join(ROOT, 'scripts/container-base.sh');
const STAND_IN = 'adieu-node-base:bookworm';
const MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const run = promisify(execFile);

/** The Dockerfile's default base image (its `ARG NODE_IMAGE=`). */
const OFFICIAL_BASE = /^ARG NODE_IMAGE=(\S+)/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]!;

interface Plan {
  base: string;
  /** The stand-in is missing and scripts/container-base.sh builds it first. */
  buildStandIn: boolean;
}

function skip(why: string): false {
  process.stderr.write(
    `\n*** SKIPPED: container image test: ${why} (the image is not built or smoke-tested here) ***\n`,
  );
  return false;
}

function docker(args: string[], timeout = 15_000): boolean {
  try {
    execFileSync('docker', args, { stdio: 'pipe', timeout });
    return true;
  } catch {
    return false;
  }
}

/** Why a stand-in base cannot be built on this machine, or undefined when it can. */
async function standInBlocked(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'building one needs root (debootstrap)';
  try {
    execFileSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'pipe' });
  } catch {
    return 'building one needs debootstrap (apt-get install debootstrap)';
  }
  const release = `${MIRROR}/dists/bookworm/Release`;
  const reached = await fetch(release, { method: 'HEAD', signal: AbortSignal.timeout(10_000) }).then(
    (r) => r.ok,
    () => false,
  );
  return reached ? undefined : `the Debian mirror does not answer (${release}; set DEBIAN_MIRROR)`;
}

async function plan(): Promise<Plan | false> {
  if (!docker(['info', '--format', '{{.ServerVersion}}'])) {
    return skip('no Docker engine answers `docker info`');
  }
  if (docker(['image', 'inspect', OFFICIAL_BASE]) || docker(['pull', '-q', OFFICIAL_BASE], 300_000)) {
    return { base: OFFICIAL_BASE, buildStandIn: false };
  }
  // An engine that reaches no image registry (an offline machine): a stand-in made from Debian and this
  // machine's Node, as docs/operations.md#container describes.
  if (docker(['image', 'inspect', STAND_IN])) return { base: STAND_IN, buildStandIn: false };
  const blocked = await standInBlocked();
  if (blocked) {
    return skip(
      `the base image ${OFFICIAL_BASE} is neither present nor pullable, and no stand-in: ${blocked}`,
    );
  }
  return { base: STAND_IN, buildStandIn: true };
}

const planned = await plan();

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  process.stderr.write(`container test: ${what} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const inspect = async (name: string, format: string) =>
  (await run('docker', ['inspect', '-f', format, name])).stdout.trim();

describe.skipIf(!planned)('the container image', () => {
  const tag = `adieu-test:${process.pid}`;
  const name = `adieu-test-${process.pid}`;
  const volume = `adieu-test-${process.pid}`;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    const { base, buildStandIn } = planned as Plan;
    if (buildStandIn) {
      await timed(`building the stand-in base ${base} (scripts/container-base.sh)`, () =>
        run(STAND_IN_SCRIPT, [base], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 }),
      );
    }
    // The stand-in's npm is set up for this machine's network: build on the host's network as it resolves.
    const args = base === OFFICIAL_BASE ? [] : ['--build-arg', `NODE_IMAGE=${base}`, '--network', 'host'];
    await timed(`docker build on ${base}`, () =>
      run('docker', ['build', ...args, '-t', tag, ROOT], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 }),
    );
    const size = Number(await inspect(tag, '{{.Size}}'));
    process.stderr.write(`container test: image ${tag} is ${(size / 1e6).toFixed(0)} MB\n`);
  }, 1_800_000);

  afterAll(async () => {
    for (const r of receivers) await r.stop().catch(() => undefined);
    for (const c of [name, `${name}-a`, `${name}-b`])
      await run('docker', ['rm', '-f', '-v', c]).catch(() => undefined);
    await run('docker', ['volume', 'rm', '-f', volume]).catch(() => undefined);
    await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
  });

  it('runs as a non-root user, becomes healthy from the environment alone, stops cleanly on SIGTERM', async () => {
    const user = (await run('docker', ['run', '--rm', '--entrypoint', 'id', tag, '-u'])).stdout.trim();
    expect(user).not.toBe('0');
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    await run('docker', [
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `127.0.0.1:${port}:9000`,
      '-e',
      `ADIEU_ISSUER=${issuer}`,
      tag,
    ]);
    // The image's own HEALTHCHECK (/readyz every 10 s), as an orchestrator sees it.
    const health = await until(
      'the container to be healthy',
      async () => {
        const h = await inspect(name, '{{.State.Health.Status}}');
        return h === 'healthy' || h === 'unhealthy' ? h : undefined;
      },
      90_000,
    );
    expect(health).toBe('healthy');
    const disco = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect(disco.status).toBe(200);
    expect(((await disco.json()) as { issuer: string }).issuer).toBe(issuer);
    await run('docker', ['stop', '-t', '30', name], { timeout: 60_000 });
    expect(await inspect(name, '{{.State.ExitCode}}')).toBe('0');
  }, 180_000);

  it('a logout pending at `docker stop` stays in the outbox on the volume and is delivered by the next container', async () => {
    const app = await startReceiver();
    receivers.push(app);
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const redirectUri = 'http://localhost:5003/app/callback';
    const secret = 'app-secret-0123456789';
    const alice = { username: 'alice', password: 'alice-password' };
    const config = writeConfig({
      issuer,
      login: CHEAP_PASSWORD_HASHES,
      logout: {
        backchannel_timeout: 2,
        backchannel_backoff: { initial: 0.2, max: 1 },
        worker_poll_interval: 0.2,
      },
      clients: [
        {
          client_id: 'app',
          client_secret: secret,
          redirect_uris: [redirectUri],
          backchannel_logout_uri: app.url,
        },
      ],
      users: [alice],
    });
    // Host network: the provider reaches the receiver on 127.0.0.1 as in logout-durability.test.ts. The database
    // is the image's default, sqlite:/data/adieu.db, on a named volume that outlives the container.
    const start = async (container: string) => {
      await run('docker', [
        'run',
        '-d',
        '--name',
        container,
        '--network',
        'host',
        '-v',
        `${volume}:/data`,
        '-v',
        `${config}:/config/adieu.json:ro`,
        '-e',
        'ADIEU_CONFIG=/config/adieu.json',
        '-e',
        'ADIEU_HOST=127.0.0.1',
        '-e',
        `ADIEU_PORT=${port}`,
        tag,
      ]);
      await until(
        `${container} to answer`,
        () =>
          fetch(`${issuer}/readyz`).then(
            (r) => r.ok,
            () => false,
          ),
        60_000,
      );
    };
    await start(`${name}-a`);
    const rp = await discover({ issuer, clientId: 'app', clientSecret: secret, redirectUri });
    const browser = new BrowserSession();
    const { tokens } = await signIn(rp, browser, redirectUri, alice);
    await app.stop();
    const end = new URL(`${issuer}/end_session`);
    end.searchParams.set('id_token_hint', tokens.id_token!);
    expect((await browser.navigate(end.toString())).status).toBe(200);
    await run('docker', ['stop', '-t', '30', `${name}-a`], { timeout: 60_000 });
    expect(await inspect(`${name}-a`, '{{.State.ExitCode}}')).toBe('0');
    expect(app.received).toHaveLength(0);

    // A new container on the same volume: nothing of the first one but the SQLite file.
    await run('docker', ['rm', `${name}-a`]);
    await app.restart();
    await start(`${name}-b`);
    const [delivered] = await app.waitFor(1, 30_000);
    const { payload } = await verifyLogoutToken(delivered!.token, issuer, 'app');
    expect(payload.sid).toBe(tokens.claims()!.sid);
  }, 180_000);
});
