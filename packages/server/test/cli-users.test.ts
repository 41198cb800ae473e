import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../src/config/load.js';
import { Provider } from '../src/provider.js';
import { CHEAP_PASSWORD_HASHES } from '../src/testing/index.js';

const BIN = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'adieu-cli-users-'));
const mailDir = join(dir, 'mail');
const configFile = join(dir, 'adieu.json');
writeFileSync(
  configFile,
  JSON.stringify({
    issuer: 'http://localhost:9999',
    database: `sqlite:${join(dir, 'adieu.db')}`,
    email: { folder: mailDir, from: 'Adieu <no-reply@example.com>' },
    // The cheapest hash the config allows: every command here is a process that hashes once or twice.
    login: CHEAP_PASSWORD_HASHES,
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI with `input` on standard input (a pipe, not a terminal) and no ADIEU_PASSWORD. */
function adieu(args: string[], input = '') {
  const env: NodeJS.ProcessEnv = { ...process.env, ADIEU_LOG_LEVEL: 'error' };
  delete env.ADIEU_PASSWORD;
  const r = spawnSync(process.execPath, [BIN, ...args, '--config', configFile], {
    encoding: 'utf8',
    cwd: dir,
    env,
    input,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Check a password against the database, as the login form would (no throttle). */
async function authenticates(username: string, password: string): Promise<boolean> {
  const p = await Provider.start(loadConfigFile(configFile), { workers: false });
  try {
    return (await p.users.authenticate(username, password)) !== undefined;
  } finally {
    await p.stop();
  }
}

const mails = () =>
  readdirSync(mailDir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    // Quoted-printable bodies break long lines with a soft "=" line ending.
    .map((f) => readFileSync(join(mailDir, f), 'utf8').replace(/=\r?\n/g, ''));

describe('adieu user and mail commands', () => {
  it('user add reads the password from standard input and applies the password policy', async () => {
    const weak = adieu(['user', 'add', '--username', 'carol'], 'password1\n');
    expect(weak.code).toBe(1);
    expect(weak.err).toMatch(/commonly used/);
    expect(adieu(['user', 'add', '--username', 'carol'], '').err).toMatch(/no password given/);
    const added = adieu(
      ['user', 'add', '--username', 'carol', '--email', 'carol@example.com'],
      'carol passphrase 1\n',
    );
    expect(added.out).toMatch(/added user carol/);
    expect(added.out + added.err).not.toContain('carol passphrase 1');
    for (const name of ['dave', 'erin']) {
      expect(adieu(['user', 'add', '--username', name], `${name} passphrase 1\n`).code).toBe(0);
    }
    expect(adieu(['user', 'add', '--username', 'carol'], 'another passphrase\n').err).toMatch(/exists/);
    expect(await authenticates('carol', 'carol passphrase 1')).toBe(true);
  });

  it('user list searches and pages', () => {
    const all = adieu(['user', 'list']);
    expect(
      all.out
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]),
    ).toEqual(['carol', 'dave', 'erin']);
    expect(all.out).toMatch(/^carol\tusr_\S+\tcarol@example\.com\t-\tunverified$/m);
    expect(adieu(['user', 'list', '--search', 'EXAMPLE']).out.trim().split('\n')).toHaveLength(1);
    const page = adieu(['user', 'list', '--limit', '2']);
    expect(page.out).toMatch(/\(more: --after dave\)/);
    expect(adieu(['user', 'list', '--after', 'dave']).out.trim().split('\t')[0]).toBe('erin');
    expect(adieu(['user', 'list', '--limit', 'many']).code).toBe(1);
  });

  it('user passwd sets a new password read from standard input', async () => {
    expect(adieu(['user', 'passwd', '--username', 'dave'], '12345678\n').err).toMatch(/commonly used/);
    const r = adieu(['user', 'passwd', '--username', 'dave'], 'a new dave passphrase\n');
    expect(r.out).toMatch(/new password for dave; 0 sessions ended/);
    expect(await authenticates('dave', 'dave passphrase 1')).toBe(false);
    expect(await authenticates('dave', 'a new dave passphrase')).toBe(true);
    expect(adieu(['user', 'passwd', '--username', 'nobody'], 'whatever passphrase\n').err).toMatch(
      /no user nobody/,
    );
  });

  it('user disable and enable', async () => {
    expect(adieu(['user', 'disable', '--username', 'erin']).out).toMatch(/disabled erin/);
    expect(adieu(['user', 'list']).out).toMatch(/^erin\t.*\tdisabled$/m);
    expect(await authenticates('erin', 'erin passphrase 1')).toBe(false);
    expect(adieu(['user', 'enable', '--username', 'erin']).out).toMatch(/enabled erin/);
    expect(await authenticates('erin', 'erin passphrase 1')).toBe(true);
  });

  it('user delete asks for --yes, then removes the user; the audit log names the CLI', async () => {
    const refused = adieu(['user', 'delete', '--username', 'erin']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/add --yes/);
    expect(adieu(['user', 'delete', '--username', 'erin', '--yes']).out).toMatch(/deleted erin \(id usr_/);
    expect(adieu(['user', 'list']).out).not.toMatch(/^erin/m);
    const p = await Provider.start(loadConfigFile(configFile), { workers: false });
    try {
      const actions = (await p.store.audit.list({ limit: 20 })).map((e) => `${e.actor_type} ${e.action}`);
      expect(actions).toEqual(
        expect.arrayContaining(['cli user.delete', 'cli user.disable', 'cli user.set_password']),
      );
    } finally {
      await p.stop();
    }
  });

  it('user invite mails a set-password link; mail test sends a test message to the folder', () => {
    const invited = adieu(['user', 'invite', '--email', 'Frank@Example.com', '--name', 'Frank']);
    expect(invited.out).toMatch(/invited frank@example\.com as frank@example\.com .* development mailbox/);
    const invite = mails().find((m) => m.includes('To: frank@example.com'));
    expect(invite).toMatch(/http:\/\/localhost:9999\/account\/invite\/[A-Za-z0-9_-]{40,}/);
    expect(adieu(['user', 'invite', '--email', 'frank@example.com']).err).toMatch(/exists/);
    expect(adieu(['user', 'invite', '--email', 'not-an-address']).err).toMatch(
      /^adieu: email: This is not an email address/,
    );

    const sent = adieu(['mail', 'test', 'ops@example.com']);
    expect(sent.code).toBe(0);
    expect(sent.out).toContain(
      `sent a test message to ops@example.com through development mailbox ${mailDir}`,
    );
    expect(mails().some((m) => m.includes('To: ops@example.com'))).toBe(true);
    expect(adieu(['mail', 'test']).err).toMatch(/usage: adieu mail test ADDRESS/);
  });
});
