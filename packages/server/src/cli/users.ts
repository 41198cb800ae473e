import { createInterface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';
import type { Provider } from '../provider.js';
import type { UserRow } from '../store/repos/users.js';
import { FormError } from '../accounts/forms.js';
import { Management } from '../protocol/management.js';

export const USER_USAGE = `  user list --config FILE [--search TEXT] [--limit N] [--after USERNAME]
                                   list users by username (search in username, email and name)
  user passwd --config FILE --username NAME
                                   set a new password (prompted); the user's sessions end and their
                                   apps are told (reason password_changed)
  user disable|enable --config FILE --username NAME
                                   disable (sessions end, reason disabled) or enable a user
  user delete --config FILE --username NAME --yes
                                   delete a user: sessions end (reason account_deleted), then their
                                   personal data is removed
  user invite --config FILE --email ADDRESS [--name N] [--username NAME]
                                   create an account and mail a set-password link`;

/**
 * Read a password without putting it on the command line (where `ps` and shell history would show it). On a
 * terminal it is asked twice with echo off; from a pipe the first line is taken (scripts:
 * `printf '%s\n' "$PW" | adieu user add ...`).
 */
export async function readPassword(
  input: Readable & { isTTY?: boolean } = process.stdin,
  prompt: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  const tty = input.isTTY === true;
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (label: string) => {
    if (tty) prompt.write(label);
    const next = await lines.next();
    if (tty) prompt.write('\n');
    if (next.done) throw new Error('no password given (standard input ended)');
    return next.value;
  };
  try {
    const password = await ask('Password: ');
    if (!password) throw new Error('no password given');
    if (tty && (await ask('Password again: ')) !== password) throw new Error('the two passwords differ');
    return password;
  } finally {
    rl.close();
  }
}

/** Admin actions from the CLI land in the audit log like the API's, with actor `cli`. */
async function audit(p: Provider, action: string, user: UserRow, detail?: Record<string, unknown>) {
  await p.store.audit.append({
    at: p.now(),
    actor_type: 'cli',
    actor_id: null,
    actor_name: process.env.USER ?? null,
    client_id: null,
    action,
    target_type: 'user',
    target_id: user.id,
    status: null,
    ip: null,
    user_agent: null,
    detail: detail ? JSON.stringify(detail) : null,
  });
}

async function findUser(p: Provider, username: string | undefined): Promise<UserRow> {
  if (!username) throw new Error('--username is required');
  const user = await p.store.users.findByIdOrUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  return user;
}

const ended = (n: number) => (n === 1 ? '1 session ended' : `${n} sessions ended`);

export interface UserOptions {
  username?: string | undefined;
  email?: string | undefined;
  name?: string | undefined;
  search?: string | undefined;
  limit?: string | undefined;
  after?: string | undefined;
  yes?: boolean | undefined;
}

/** `adieu user list|passwd|disable|enable|delete|invite`. Returns the exit code, or undefined if not one of these. */
export async function userCommand(p: Provider, sub: string, o: UserOptions): Promise<number> {
  switch (sub) {
    case 'list': {
      const limit = o.limit === undefined ? 50 : Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error('--limit must be 1 to 1000');
      const rows = await p.store.accounts.listUsers({ q: o.search, after: o.after, limit: limit + 1 });
      for (const u of rows.slice(0, limit)) {
        const flags = [
          u.disabled ? 'disabled' : '',
          u.email && !u.email_verified ? 'unverified' : '',
          ...(await p.store.roles.list(u.id)),
        ].filter(Boolean);
        console.log([u.username, u.id, u.email ?? '-', u.name ?? '-', flags.join(',') || '-'].join('\t'));
      }
      if (rows.length > limit) console.log(`(more: --after ${rows[limit - 1]!.username})`);
      return 0;
    }
    case 'passwd': {
      const user = await findUser(p, o.username);
      const password = await readPassword();
      const problem = await p.accounts.passwordProblem(password, user);
      if (problem) throw new Error(problem);
      const logouts = await p.accounts.changePassword(user, password, { initiator: 'admin' });
      await audit(p, 'user.set_password', user);
      console.log(`new password for ${user.username}; ${ended(logouts.length)}, their apps are told`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const user = await findUser(p, o.username);
      await new Management(p).setDisabled(user, sub === 'disable', null);
      await audit(p, `user.${sub}`, user);
      console.log(`${sub}d ${user.username}`);
      return 0;
    }
    case 'delete': {
      const user = await findUser(p, o.username);
      if (!o.yes)
        throw new Error(`deleting ${user.username} removes their data for good; add --yes to go ahead`);
      const logouts = await p.accounts.deleteUser(user, { initiator: 'admin' });
      await audit(p, 'user.delete', user, { username: user.username });
      console.log(`deleted ${user.username} (id ${user.id}); ${ended(logouts.length)}, their apps are told`);
      return 0;
    }
    case 'invite': {
      try {
        const fields = { email: o.email, name: o.name, username: o.username };
        const given = Object.entries(fields).filter(([, v]) => v !== undefined);
        const user = await p.accounts.invite(Object.fromEntries(given));
        await audit(p, 'user.invite', user);
        console.log(
          `invited ${user.email ?? ''} as ${user.username} (id ${user.id}); mail sent through ${p.mailer.describe}`,
        );
        return 0;
      } catch (e) {
        if (e instanceof FormError) throw new Error(`${e.field}: ${e.message}`);
        throw e;
      }
    }
    default:
      throw new Error(`unknown command: user ${sub}`);
  }
}

/** `adieu mail test ADDRESS`: send one message through the configured mailer and say where it went. */
export async function mailTest(p: Provider, to: string | undefined): Promise<number> {
  if (!to || !/^[^\s@]+@[^\s@]+$/.test(to)) throw new Error('usage: adieu mail test ADDRESS --config FILE');
  await p.mailer.send(p.mailTemplates.test(to, p.issuer));
  console.log(`sent a test message to ${to} through ${p.mailer.describe}`);
  return 0;
}
