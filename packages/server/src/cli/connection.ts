import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { Provider } from '../provider.js';
import { connectionSchema, connectionUrls } from '../federation/connection-config.js';
import { ConnectionConflict } from '../federation/connection-registry.js';

export const CONNECTION_USAGE = `  connection add --config FILE --id ID --name NAME --type oidc|oauth2 --client-id ID
                 [--client-secret S] [--issuer URL] [--scope S] [--logout upstream|local] [--domain D ...]
                 [--authorization-endpoint URL --token-endpoint URL --userinfo-endpoint URL]
                                   add or replace an upstream identity provider in the database
                                   (secret also from ADIEU_CONNECTION_SECRET); prints the URLs to
                                   register at the upstream
  connection list --config FILE    list upstream identity providers (config file and database)
  connection remove --config FILE --id ID
                                   remove a database-managed upstream identity provider`;

/** `adieu connection add|list|remove`. Returns the exit code. */
export async function connectionCommand(argv: string[]): Promise<number> {
  const [sub] = argv;
  const { values } = parseArgs({
    args: argv.slice(1),
    options: {
      config: { type: 'string', short: 'c' },
      id: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      scope: { type: 'string' },
      logout: { type: 'string' },
      domain: { type: 'string', multiple: true },
      'authorization-endpoint': { type: 'string' },
      'token-endpoint': { type: 'string' },
      'userinfo-endpoint': { type: 'string' },
    },
    allowPositionals: false,
  });
  const file = values.config ?? process.env.ADIEU_CONFIG;
  if (!file) throw new Error('--config FILE is required (or set ADIEU_CONFIG)');
  const config = loadConfigFile(file);
  const p = await Provider.start(config, { workers: false });
  try {
    switch (sub) {
      case 'list': {
        for (const c of await p.connections.list()) {
          const source = p.connections.isConfigured(c.id) ? 'config' : 'database';
          console.log(`${c.id}\t${c.type}\t${c.name}\tlogout=${c.logout}\t(${source})`);
        }
        return 0;
      }
      case 'add': {
        const secret = values['client-secret'] ?? process.env.ADIEU_CONNECTION_SECRET;
        const input = Object.fromEntries(
          Object.entries({
            id: values.id,
            name: values.name,
            type: values.type,
            issuer: values.issuer,
            client_id: values['client-id'],
            client_secret: secret,
            scope: values.scope,
            logout: values.logout,
            domains: values.domain,
            authorization_endpoint: values['authorization-endpoint'],
            token_endpoint: values['token-endpoint'],
            userinfo_endpoint: values['userinfo-endpoint'],
          }).filter(([, v]) => v !== undefined),
        );
        const parsed = connectionSchema.safeParse(input);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          console.error(`adieu: connection ${issue.path.join('.') || ''}: ${issue.message}`);
          return 1;
        }
        await p.connections.save(parsed.data);
        const urls = connectionUrls(config.issuer, parsed.data.id);
        console.log(`saved connection ${parsed.data.id}; register these at the upstream:`);
        console.log(`  redirect URI:               ${urls.callback}`);
        console.log(`  post-logout redirect URI:   ${urls.loggedOut}`);
        console.log(`  back-channel logout URI:    ${urls.backchannelLogout}`);
        console.log(`  front-channel logout URI:   ${urls.frontchannelLogout}`);
        return 0;
      }
      case 'remove': {
        if (!values.id) throw new Error('--id is required');
        if (!(await p.connections.remove(values.id))) {
          console.error(`adieu: no connection ${values.id} in the database`);
          return 1;
        }
        console.log(`removed connection ${values.id}`);
        return 0;
      }
      default:
        console.error(`adieu: unknown connection command "${sub ?? ''}" (add, list, remove)`);
        return 1;
    }
  } catch (e) {
    if (e instanceof ConnectionConflict) {
      console.error(`adieu: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await p.stop();
  }
}
