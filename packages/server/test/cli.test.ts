import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../src/config/load.js';
import { freePort } from '../src/testing/index.js';
import { startProviderProcess } from '../../../test/support/provider-process.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';

const BIN = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'adieu-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adieu = (...args: string[]) =>
  execFileSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, ADIEU_LOG_LEVEL: 'error', ADIEU_PASSWORD: 'carol-password' },
  });

describe('the adieu CLI', () => {
  it('init writes a commented starter config that loads; user add, client add and doctor work on it', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    expect(adieu('init', '--config', 'adieu.json', '--issuer', issuer)).toMatch(/wrote adieu\.json/);
    expect(readFileSync(join(dir, 'adieu.json'), 'utf8')).toMatch(/^\s*\/\/ Public URL of the provider/m);
    const config = loadConfigFile(join(dir, 'adieu.json'));
    expect(config.issuer).toBe(issuer);
    expect(config.clients[0]!.client_id).toBe('my-app');
    // init refuses to overwrite without --force
    const again = spawnSync(process.execPath, [BIN, 'init', '--config', 'adieu.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/exists; use --force/);

    expect(adieu('user', 'add', '--config', 'adieu.json', '--username', 'carol', '--name', 'Carol')).toMatch(
      /added user carol/,
    );
    const added = adieu(
      'client',
      'add',
      '--config',
      'adieu.json',
      '--client-id',
      'cli-app',
      '--redirect-uri',
      'http://localhost:5007/cb',
    );
    const secret = /client_secret: (\S+)/.exec(added)![1]!;
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(adieu('doctor', '--config', 'adieu.json')).toMatch(
      /config ok.*\n.*database ok: sqlite\n.*signing key: \S+\n.*clients: 2/,
    );

    // The client and the user it added work against the running provider.
    const proc = await startProviderProcess(join(dir, 'adieu.json'), issuer);
    try {
      const rp = await discover({
        issuer,
        clientId: 'cli-app',
        clientSecret: secret,
        redirectUri: 'http://localhost:5007/cb',
      });
      const { tokens } = await signIn(rp, new BrowserSession(), 'http://localhost:5007/cb', {
        username: 'carol',
        password: 'carol-password',
      });
      expect(tokens.claims()!.name).toBe('Carol');
    } finally {
      await proc.kill();
    }
  });

  it('a bad config names the field and exits non-zero', () => {
    const r = spawnSync(process.execPath, [BIN, 'start', '--config', join(dir, 'missing.json')], {
      encoding: 'utf8',
    });
    // A configuration problem exits with sysexits' EX_CONFIG (78), as docs/operations.md says (issue 17).
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/cannot read config file/);
    const usage = spawnSync(process.execPath, [BIN], { encoding: 'utf8' });
    expect(usage.status).toBe(1);
    expect(usage.stdout).toMatch(/Usage: adieu <command>/);
  });
});

describe('adieu CLI small promises', { timeout: 240_000 }, () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ADIEU_LOG_LEVEL: 'error', ADIEU_PASSWORD: '' },
    });

  it('--help prints the usage and exits 0', () => {
    for (const args of [['--help'], ['-h'], ['help'], ['user', 'add', '--help']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: adieu <command>/);
    }
  });

  it('user add applies the password policy of the API (at least 8 characters)', () => {
    expect(run('init', '--config', 'small.json', '--issuer', 'http://localhost:9').status).toBe(0);
    const short = run('user', 'add', '--config', 'small.json', '--username', 'dave', '--password', 'x');
    expect(short.status).toBe(1);
    expect(short.stderr).toMatch(/password must be at least 8 characters/);
    const ok = run('user', 'add', '--config', 'small.json', '--username', 'dave', '--password', 'eight-ch');
    expect(ok.status).toBe(0);
  });

  it('client add registers the post-logout URI the SDKs send by default', () => {
    const web = run(
      ...['client', 'add', '--config', 'small.json', '--client-id', 'web'],
      ...['--redirect-uri', 'https://web.example/callback'],
    );
    expect(web.stdout).toMatch(/post_logout_redirect_uris: https:\/\/web\.example\/logout\/callback\n/);
    const spa = run(
      ...['client', 'add', '--config', 'small.json', '--client-id', 'spa', '--public'],
      ...['--redirect-uri', 'https://spa.example/app/'],
    );
    expect(spa.stdout).toMatch(/post_logout_redirect_uris: https:\/\/spa\.example\/app\/\n/);
    expect(spa.stdout).not.toMatch(/client_secret/);
    const chosen = run(
      ...['client', 'add', '--config', 'small.json', '--client-id', 'chosen'],
      ...['--redirect-uri', 'https://c.example/cb', '--post-logout-redirect-uri', 'https://c.example/bye'],
    );
    expect(chosen.stdout).toMatch(/post_logout_redirect_uris: https:\/\/c\.example\/bye\n/);
  });

  it('doctor reports TLS files that are missing instead of saying "config ok"', () => {
    writeFileSync(
      join(dir, 'tls.json'),
      JSON.stringify({
        issuer: 'https://localhost:9443',
        tls: { cert: 'missing-cert.pem', key: 'missing-key.pem' },
        database: 'sqlite:./tls.db',
      }),
    );
    const r = run('doctor', '--config', 'tls.json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/tls\.cert: cannot read .*missing-cert\.pem \(no such file\)/);
    expect(r.stdout).not.toMatch(/config ok/);
  });

  it('SIGTERM to `npx adieu start` stops the provider too (npm runs it under a shell that does not pass it on)', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    expect(run('init', '--config', 'npx.json', '--issuer', issuer).status).toBe(0);
    const npx = spawn('npx', ['--no-install', 'adieu', 'start', '--config', join(dir, 'npx.json')], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, ADIEU_LOG_LEVEL: 'error' },
      stdio: 'ignore',
    });
    const up = async () =>
      fetch(`${issuer}/.well-known/openid-configuration`).then(
        (r) => r.ok,
        () => false,
      );
    const until = async (want: boolean) => {
      for (let i = 0; i < 600; i++) {
        if ((await up()) === want) return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    };
    try {
      expect(await until(true)).toBe(true);
      npx.kill('SIGTERM');
      expect(await until(false)).toBe(true);
    } finally {
      npx.kill('SIGKILL');
    }
  });
});
