/** A demo port in use is one line naming the port and ADIEU_DEMO_PORTS, not a raw EADDRINUSE stack. */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@adieu/server/testing';

// The portal's port (a listener in the demo's process) and Acme Corp's (its own process, issue 13).
it.each([
  ['the portal', 1],
  ['Acme Corp', 4],
])('names the busy port of %s and ADIEU_DEMO_PORTS', { timeout: 120_000 }, async (_name, index) => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const taken = (busy.address() as { port: number }).port;
  const cwd = mkdtempSync(join(tmpdir(), 'adieu-demo-ports-'));
  try {
    const ports = await Promise.all([0, 1, 2, 3, 4].map((i) => (i === index ? taken : freePort())));
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url))], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ADIEU_DEMO_PORTS: ports.join(',') },
      timeout: 100_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^Port ${taken} is in use\\..*ADIEU_DEMO_PORTS=`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  } finally {
    busy.close();
    rmSync(cwd, { recursive: true, force: true });
  }
});
