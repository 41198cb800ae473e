/**
 * Data care and faults at start, through the real `adieu` binary: explicit migrations and a schema newer than
 * the code, online SQLite backup, private signing keys sealed with a key from the environment and its rotation,
 * settings from the environment alone (containers), and one clear line with an exit code for a database that is
 * not there or a port that is taken.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { CHEAP_PASSWORD_HASHES, freePort } from '../src/testing/index.js';
import { startProviderProcess } from '../../../test/support/provider-process.js';

// Each case runs the CLI several times; on a busy machine one run takes seconds.
vi.setConfig({ testTimeout: 240_000 });

const BIN = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'adieu-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `adieu ARGS` with extra environment; never throws, returns the exit code and output. */
function adieu(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: dir, env: { ...process.env, ADIEU_LOG_LEVEL: 'error', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let n = 0;
/** A config file with its own SQLite database. */
function config(extra: Record<string, unknown> = {}): { file: string; db: string } {
  n++;
  const db = join(dir, `db-${n}.sqlite`);
  const file = join(dir, `adieu-${n}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      issuer: 'http://localhost:9',
      database: `sqlite:${db}`,
      login: CHEAP_PASSWORD_HASHES,
      ...extra,
    }),
  );
  return { file, db };
}

const key = () => randomBytes(32).toString('base64');

describe('migrations', () => {
  it('adieu migrate is an explicit step; "manual" makes start refuse a schema that is behind', async () => {
    const c = config({ migrations: 'manual' });
    const refused = await adieu(['keys', 'list', '--config', c.file]);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(/schema is behind .* run `adieu migrate` first/);

    const first = await adieu(['migrate', '--config', c.file]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied \d+ migration\(s\): 0001_core/);
    const again = await adieu(['migrate', '--config', c.file]);
    expect(again.stdout).toMatch(/^database schema is current \(\d+ migrations\)/);
    expect((await adieu(['keys', 'list', '--config', c.file])).code).toBe(0);
  });

  it('start refuses a database migrated by a newer Adieu, with exit code 78', async () => {
    const c = config();
    expect((await adieu(['migrate', '--config', c.file])).code).toBe(0);
    const db = new SQLite(c.db);
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run(
      '9999_from_the_future',
      new Date().toISOString(),
    );
    db.close();
    const port = await freePort();
    const r = await adieu(['start', '--config', c.file], { ADIEU_PORT: String(port) });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/schema is newer than this version of Adieu .*9999_from_the_future/);
    expect((await adieu(['migrate', '--config', c.file])).code).toBe(78);
  });
});

describe('backup', () => {
  it('adieu backup --to FILE copies a SQLite database while the provider serves it', async () => {
    const port = await freePort();
    const c = config({
      issuer: `http://localhost:${port}`,
      port,
      users: [{ username: 'alice', password: 'alice-password-1' }],
    });
    const running = await startProviderProcess(c.file, `http://localhost:${port}`);
    try {
      const to = join(dir, 'backup.sqlite');
      const r = await adieu(['backup', '--config', c.file, '--to', to]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^backed up .* \(\d+ pages\)/);
      const copy = new SQLite(to, { readonly: true });
      expect(copy.prepare('select username from users').all()).toEqual([{ username: 'alice' }]);
      expect((copy.prepare('select count(*) as n from signing_keys').get() as { n: number }).n).toBe(1);
      copy.close();
      // Never over an existing file by accident.
      const again = await adieu(['backup', '--config', c.file, '--to', to]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/exists; use --force/);
    } finally {
      await running.kill();
    }
  });

  it('on PostgreSQL it points to pg_dump', async () => {
    const c = config({ database: 'postgres://postgres@127.0.0.1:1/none' });
    const r = await adieu(['backup', '--config', c.file, '--to', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/for PostgreSQL use pg_dump/);
  });
});

describe('private signing keys encrypted at rest', () => {
  it('are sealed with ADIEU_KEY_ENCRYPTION_KEY; rotating that key is one command; a missing key is a clear error', async () => {
    const c = config();
    const [k1, k2] = [key(), key()];
    const made = await adieu(['keys', 'list', '--config', c.file], { ADIEU_KEY_ENCRYPTION_KEY: k1 });
    expect(made.code, made.stderr).toBe(0);
    const stored = () =>
      (
        new SQLite(c.db, { readonly: true }).prepare('select private_jwk from signing_keys').all() as {
          private_jwk: string;
        }[]
      ).map((r) => r.private_jwk);
    const sealed = stored();
    expect(sealed).toHaveLength(1);
    // A compact JWE (dir + A256GCM), not a JWK: the private exponent is nowhere in the clear.
    expect(sealed[0]).toMatch(/^eyJ[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed[0]).not.toContain('"d"');

    const without = await adieu(['keys', 'list', '--config', c.file]);
    expect(without.code).toBe(78);
    expect(without.stderr).toMatch(
      /encrypted with key-encryption key \S+, which is not configured: set ADIEU_KEY_ENCRYPTION_KEY/,
    );

    const rotated = await adieu(['keys', 'rotate-encryption-key', '--config', c.file], {
      ADIEU_KEY_ENCRYPTION_KEY: k2,
      ADIEU_KEY_ENCRYPTION_KEY_PREVIOUS: k1,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^sealed 1 signing key\(s\) with key-encryption key \S+/);
    expect(stored()[0]).not.toBe(sealed[0]);
    expect((await adieu(['keys', 'list', '--config', c.file], { ADIEU_KEY_ENCRYPTION_KEY: k2 })).code).toBe(
      0,
    );
    expect((await adieu(['keys', 'list', '--config', c.file], { ADIEU_KEY_ENCRYPTION_KEY: k1 })).code).toBe(
      78,
    );
    const bad = await adieu(['keys', 'list', '--config', c.file], { ADIEU_KEY_ENCRYPTION_KEY: 'short' });
    expect(bad.stderr).toMatch(/must be 32 random bytes in base64/);
  });
});

describe('faults at start', () => {
  it('PostgreSQL not there: one line naming it, exit code 69', async () => {
    const port = await freePort();
    const r = await adieu(['start'], {
      ADIEU_ISSUER: 'http://localhost:9',
      ADIEU_DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${port}/adieu`,
    });
    expect(r.code).toBe(69);
    expect(r.stderr.trim()).toBe(
      `adieu: cannot connect to PostgreSQL at 127.0.0.1:${port}/adieu: connection refused. Is PostgreSQL running? (check "database" in the config (or ADIEU_DATABASE_URL))`,
    );
    expect(r.stderr).not.toContain('secret-pw');
  });

  it('a bad pool setting in a PostgreSQL URL: one line naming it, exit code 78, before any connection', async () => {
    const port = await freePort();
    const r = await adieu(['start'], {
      ADIEU_ISSUER: 'http://localhost:9',
      ADIEU_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/adieu?pool_max=many`,
    });
    expect(r.code).toBe(78);
    expect(r.stderr.trim()).toBe(
      'adieu: database: pool_max must be an integer from 1 to 1000 (got "many") (check "database" in the config (or ADIEU_DATABASE_URL))',
    );
  });

  it('a taken port: one line naming the port and how to change it, exit code 78', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const c = config();
      const r = await adieu(['start', '--config', c.file], { ADIEU_PORT: String(port) });
      expect(r.code).toBe(78);
      expect(r.stderr.trim()).toBe(
        `adieu: port ${port} on 127.0.0.1 is already in use: stop what listens there, or choose another port with "port" in the config (or ADIEU_PORT)`,
      );
    } finally {
      blocker.close();
    }
  });

  it('a container needs no config file: ADIEU_ISSUER, ADIEU_PORT, ADIEU_DATABASE_URL are enough', async () => {
    const port = await freePort();
    const c = config();
    const env = {
      ADIEU_CONFIG: '',
      ADIEU_ISSUER: `http://localhost:${port}`,
      ADIEU_PORT: String(port),
      ADIEU_DATABASE_URL: `sqlite:${c.db}`,
    };
    const running = await startProviderProcess('', `http://localhost:${port}`, env);
    try {
      const ready = await fetch(`http://localhost:${port}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      expect(await running.kill('SIGTERM')).toBe(0);
    }
  });
});
