/**
 * `npm start`: the provider and the portal demo, on an embedded SQLite file. Ctrl-C stops everything.
 * Ports and the host domain can be changed with ADIEU_DEMO_PORTS=8443,8444,8445,8446,8447 and ADIEU_DEMO_DOMAIN
 * (four ports are still accepted: Acme Corp then keeps 8447).
 */
import { startDemo } from './demo.js';

const portsEnv = process.env.ADIEU_DEMO_PORTS?.split(',').map(Number);
const ports =
  portsEnv && (portsEnv.length === 4 || portsEnv.length === 5)
    ? {
        idp: portsEnv[0]!,
        portal: portsEnv[1]!,
        bookings: portsEnv[2]!,
        expenses: portsEnv[3]!,
        ...(portsEnv[4] ? { acme: portsEnv[4] } : {}),
      }
    : {};

const demo = await startDemo({
  domain: process.env.ADIEU_DEMO_DOMAIN,
  ports,
  quiet: process.env.ADIEU_DEMO_VERBOSE !== '1',
}).catch((e: unknown) => {
  const err = e as NodeJS.ErrnoException & { port?: number };
  if (err.code !== 'EADDRINUSE') throw e;
  // One line a newcomer can act on, instead of a stack trace.
  console.error(
    `Port ${err.port ?? '?'} is in use. Stop what uses it, or pick five free ports: ` +
      'ADIEU_DEMO_PORTS=9443,9444,9445,9446,9447 npm start (provider, portal, bookings, expenses, Acme Corp).',
  );
  process.exit(1);
});
const o = demo.sites.origin;
console.log(`
Adieu portal demo is running (data in examples/portal/.data).

  Portal    ${o('portal')}/      <- start here
  Bookings  ${o('bookings')}/    (single-page app)
  Expenses  ${o('expenses')}/    (server-rendered)
  Provider  ${o('idp')}/account  (your sign-ins; "sign out everywhere")
  Acme Corp ${o('acme')}/         (an upstream identity provider: "Continue with Acme Corp")

Users: alice / alice and bob / bob, or "Create account" on the sign-in page; at Acme Corp: dave / dave.
Mail (sign-up, password reset) goes to examples/portal/.data/mail as .eml files: open them in any mail client.

The certificates are signed by a local demo CA: trust ${demo.certs.caFile}
in your browser, or open each of the five addresses once and accept the warning.
The seed scenario: sign in at Portal as alice, open Bookings (no password: SSO), sign out at Portal,
sign in as bob, open Bookings and Expenses: they show bob. Ctrl-C stops everything.
`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  demo.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
