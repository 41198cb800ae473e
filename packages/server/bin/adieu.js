#!/usr/bin/env node
import { main } from '../dist/cli.js';
import { explainStartupError } from '../dist/cli/startup-errors.js';

// `npx adieu start` runs this under `sh -c`: npm passes SIGTERM/SIGINT to that shell only, and the shell does not
// pass them on, so the provider would keep running after npx is gone. Under npm exec, follow the parent: once it
// is gone, stop exactly as if signalled (graceful drain included).
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  watch.unref();
}

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    // One line for the operator, and a sysexits code (69: database unavailable, 78: configuration; else 1).
    const e = explainStartupError(err, undefined);
    console.error(`adieu: ${e.message}`);
    process.exitCode = e.exitCode;
  },
);
