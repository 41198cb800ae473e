import { parseArgs } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import type { Config } from './config/schema.js';
import { startServer } from './server.js';
import { Provider } from './provider.js';
import { registerClient } from './admin/client-registration.js';
import { OAuthError } from './protocol/errors.js';
import { starterConfig } from './config/starter.js';
import { configReference } from './config/reference.js';
import { passwordProblem } from './domain/password-policy.js';
import { doctorClient } from './cli/doctor.js';
import { CONNECTION_USAGE, connectionCommand } from './cli/connection.js';
import { cliConfig } from './cli/config.js';
import { tlsProblem } from './cli/tls-check.js';
import { OPS_USAGE, isOpsCommand, opsCommand } from './cli/ops.js';
import { explainStartupError } from './cli/startup-errors.js';
import { checkRoleOption, grantRole } from './cli/roles.js';
import { userUnlock } from './cli/user-unlock.js';
import { USER_USAGE, mailTest, readPassword, userCommand } from './cli/users.js';
import { userResetFactors } from './cli/user-reset-factors.js';
import { DEFAULT_SIGNING_ALG } from './keys/algorithms.js';

const USAGE = `Usage: adieu <command> [options]

Commands:
  start --config FILE              start the provider
  init [--config FILE] [--issuer URL] [--force]
                                   write a commented starter config (default adieu.json)
  user add --config FILE --username NAME [--email E] [--name N] [--role admin]
                                   add a user; the password is prompted (or read from the first
                                   line of standard input, or ADIEU_PASSWORD)
  user grant --config FILE --username NAME --role admin
                                   give a user a role (admin opens the web console at /admin)
  user unlock --config FILE --username NAME
                                   lift a lockout after too many failed passwords
${USER_USAGE}
  mail test ADDRESS --config FILE  send a test message through the configured mailer
  user reset-factors --config FILE --username NAME
                                   remove the user's second factors and recovery codes; ends their sessions
  client add --config FILE --client-id ID --redirect-uri URI [--redirect-uri URI ...]
             [--public] [--name NAME] [--post-logout-redirect-uri URI] [--backchannel-logout-uri URI]
             [--frontchannel-logout-uri URI]
                                   register a client in the database; prints its secret once.
                                   Without --post-logout-redirect-uri it registers what the SDKs send:
                                   the redirect URIs with --public (@adieu/browser), else
                                   <origin>/logout/callback (@adieu/node)
  keys rotate --config FILE [--now]
                                   publish a new signing key of each of keys.algorithms; they
                                   sign after keys.publish_ahead seconds (at once with --now)
  keys list --config FILE          list signing keys and their state
${CONNECTION_USAGE}
${OPS_USAGE}
  doctor --config FILE             check the config, the database and the keys
  doctor --config FILE --client ID [--json]
                                   test a client's logout endpoints: a test logout token, the
                                   conformance suite's bad tokens (each must get 400), framing
                                   of the front-channel page, TLS and redirects; exit 2 on errors
  config-reference                 print the configuration reference (docs/configuration.md)

The config file may also come from ADIEU_CONFIG; ADIEU_* variables override its keys, and every command runs
without a file when ADIEU_ISSUER is set (docs/configuration.md#environment).`;

/** Run a maintenance command against the store without starting workers or the HTTP server. */
async function withProvider<T>(config: Config, fn: (p: Provider) => Promise<T>): Promise<T> {
  const p = await Provider.start(config, { workers: false });
  try {
    return await fn(p);
  } finally {
    await p.stop();
  }
}

/** Entry point of the `adieu` bin. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  if (command === 'connection' && !argv.includes('--help') && !argv.includes('-h')) {
    return connectionCommand(argv.slice(1));
  }
  if (isOpsCommand(argv) && !argv.includes('--help') && !argv.includes('-h')) return opsCommand(argv);
  if (command === 'mail' && sub === 'test') {
    const mail = parseArgs({
      args: argv.slice(2),
      options: { config: { type: 'string', short: 'c' }, to: { type: 'string' } },
      allowPositionals: true,
    });
    return withProvider(cliConfig(mail.values), (p) => mailTest(p, mail.values.to ?? mail.positionals[0]));
  }
  const { values } = parseArgs({
    args: argv.slice(command === 'user' || command === 'client' || command === 'keys' ? 2 : 1),
    options: {
      config: { type: 'string', short: 'c' },
      issuer: { type: 'string' },
      force: { type: 'boolean' },
      now: { type: 'boolean' },
      username: { type: 'string' },
      password: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      'client-id': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      'frontchannel-logout-uri': { type: 'string' },
      public: { type: 'boolean' },
      client: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean' },
      search: { type: 'string' },
      limit: { type: 'string' },
      after: { type: 'string' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (!command || values.help || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 1;
  }

  switch (command) {
    case 'start': {
      let config: Config | undefined;
      try {
        config = cliConfig(values);
        return await start(config);
      } catch (e) {
        throw explainStartupError(e, config?.database);
      }
    }
    case 'init': {
      const file = values.config ?? 'adieu.json';
      if (existsSync(file) && !values.force) throw new Error(`${file} exists; use --force to overwrite it`);
      writeFileSync(file, starterConfig(values.issuer ?? 'http://localhost:9000'), { mode: 0o600 });
      console.log(`wrote ${file}; start the provider with: npx adieu start --config ${file}`);
      return 0;
    }
    case 'user':
      if (sub === 'grant')
        return withProvider(cliConfig(values), (p) => grantRole(p, values.username, values.role));
      if (sub === 'unlock') return userUnlock(cliConfig(values), values.username);
      if (sub && ['list', 'passwd', 'disable', 'enable', 'delete', 'invite'].includes(sub)) {
        return withProvider(cliConfig(values), (p) => userCommand(p, sub, values));
      }
      if (sub === 'reset-factors') return userResetFactors(cliConfig(values), values.username);
      if (sub !== 'add') break;
      return withProvider(cliConfig(values), async (p) => {
        checkRoleOption(values.role);
        if (!values.username) throw new Error('--username is required');
        if (await p.store.users.findByUsername(values.username))
          throw new Error(`user ${values.username} exists`);
        // --password stays for old scripts; it shows in `ps` and shell history, so the docs never use it.
        const password = values.password ?? process.env.ADIEU_PASSWORD ?? (await readPassword());
        const problem = await passwordProblem(password, p.accounts.policy, {
          username: values.username,
          email: values.email,
          name: values.name,
        });
        if (problem) throw new Error(problem);
        const u = await p.users.create({
          username: values.username,
          password,
          email: values.email,
          name: values.name,
        });
        console.log(`added user ${u.username} (id ${u.id})`);
        if (values.role) await grantRole(p, u.username, values.role);
        return 0;
      });
    case 'client':
      if (sub !== 'add') break;
      return withProvider(cliConfig(values), async (p) => {
        let added;
        try {
          added = await registerClient(
            p,
            {
              client_id: values['client-id'] ?? '',
              client_name: values.name,
              redirect_uris: values['redirect-uri'] ?? [],
              post_logout_redirect_uris: values['post-logout-redirect-uri'],
              backchannel_logout_uri: values['backchannel-logout-uri'],
              frontchannel_logout_uri: values['frontchannel-logout-uri'],
              token_endpoint_auth_method: values.public ? 'none' : 'client_secret_basic',
            },
            'cli',
          );
        } catch (e) {
          if (e instanceof OAuthError) throw new Error(`invalid client: ${e.description}`);
          throw e;
        }
        const { metadata, client_secret: secret } = added;
        console.log(`added client ${metadata.client_id}`);
        console.log(`post_logout_redirect_uris: ${metadata.post_logout_redirect_uris.join(' ') || '(none)'}`);
        if (secret) console.log(`client_secret: ${secret}\n(shown once; only a digest is stored)`);
        return 0;
      });
    case 'keys':
      if (sub === 'rotate') {
        return withProvider(cliConfig(values), async (p) => {
          const { keys, signFrom } = await p.keys.rotate(values.now === true);
          for (const { kid } of keys) {
            console.log(`published key ${kid}; it signs from ${new Date(signFrom).toISOString()}`);
          }
          return 0;
        });
      }
      if (sub === 'list') {
        return withProvider(cliConfig(values), async (p) => {
          const now = p.now();
          const signers = p.keys.signingKids();
          for (const row of await p.store.keys.listUsable(now)) {
            const state = signers.has(row.kid)
              ? 'signing'
              : row.sign_from > now
                ? 'published, not yet signing'
                : 'retired (verify only)';
            console.log(
              `${row.kid}  ${row.alg}  ${state}  created ${new Date(row.created_at).toISOString()}`,
            );
          }
          return 0;
        });
      }
      break;
    case 'config-reference':
      process.stdout.write(configReference());
      return 0;
    case 'doctor': {
      const config = cliConfig(values);
      const tls = tlsProblem(config.tls);
      if (tls) {
        console.error(`config problem: ${tls}`);
        return 1;
      }
      return withProvider(config, async (p) => {
        if (values.client !== undefined) return doctorClient(p, values.client, values.json === true);
        console.log(`config ok: issuer ${p.issuer}${config.tls ? ' (TLS files ok)' : ''}`);
        console.log(`database ok: ${p.store.engine}`);
        for (const alg of p.keys.algorithms) {
          // The default algorithm's line is as it was before there were several.
          const label = alg === DEFAULT_SIGNING_ALG ? 'signing key' : `signing key (${alg})`;
          console.log(`${label}: ${p.keys.signingKey(alg).kid}`);
        }
        console.log(`clients: ${(await p.store.clients.list()).length}`);
        return 0;
      });
    }
    default:
      break;
  }
  console.error(USAGE);
  return 1;
}

/** Run until SIGTERM/SIGINT; the first signal drains gracefully, a second one exits at once. */
async function start(config: Config): Promise<number> {
  const server = await startServer(config);
  server.provider.log.info(
    { issuer: config.issuer, listen: server.url, database: config.database.replace(/\/\/[^@]*@/, '//***@') },
    'adieu is ready',
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        server.provider.log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      server.provider.log.info(`${signal}: finishing in-flight requests`);
      server.close().then(resolve, (e: unknown) => {
        server.provider.log.error({ err: e }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
