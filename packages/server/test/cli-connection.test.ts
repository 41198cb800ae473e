import { afterAll, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'adieu-cli-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env, ADIEU_LOG_LEVEL: 'error', ADIEU_CONNECTION_SECRET: 'from-the-environment' };
const adieu = (...args: string[]) =>
  execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env });

it('adieu connection add | list | remove manage database connections; config ones cannot be removed', () => {
  writeFileSync(
    join(dir, 'adieu.json'),
    JSON.stringify({
      issuer: 'http://localhost:9999',
      database: 'sqlite:./adieu.db',
      connections: [
        { id: 'fixed', name: 'Fixed', type: 'oidc', issuer: 'https://fixed.example', client_id: 'c' },
      ],
    }),
  );
  const added = adieu(
    'connection',
    'add',
    '--config',
    'adieu.json',
    '--id',
    'acme',
    '--name',
    'Acme Corp',
    '--type',
    'oidc',
    '--issuer',
    'https://login.acme.example',
    '--client-id',
    'adieu',
    '--logout',
    'upstream',
    '--domain',
    'acme.example',
  );
  expect(added).toContain('http://localhost:9999/connections/acme/callback');
  expect(added).toContain('http://localhost:9999/connections/acme/backchannel-logout');
  const list = adieu('connection', 'list', '--config', 'adieu.json');
  expect(list).toMatch(/^fixed\toidc\tFixed\tlogout=local\t\(config\)$/m);
  expect(list).toMatch(/^acme\toidc\tAcme Corp\tlogout=upstream\t\(database\)$/m);

  const bad = spawnSync(
    process.execPath,
    [
      BIN,
      'connection',
      'add',
      '--config',
      'adieu.json',
      '--id',
      'x',
      '--name',
      'X',
      '--type',
      'oidc',
      '--client-id',
      'c',
    ],
    { encoding: 'utf8', cwd: dir, env },
  );
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/issuer/);

  const fixed = spawnSync(
    process.execPath,
    [BIN, 'connection', 'remove', '--config', 'adieu.json', '--id', 'fixed'],
    { encoding: 'utf8', cwd: dir, env },
  );
  expect(fixed.status).toBe(1);
  expect(fixed.stderr).toMatch(/config file/);
  expect(adieu('connection', 'remove', '--config', 'adieu.json', '--id', 'acme')).toContain(
    'removed connection acme',
  );
  expect(adieu('connection', 'list', '--config', 'adieu.json')).not.toContain('acme');
  // Seven CLI processes, each opening the store: generous on a loaded 2-core machine.
}, 240_000);
