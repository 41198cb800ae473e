/**
 * Back-channel logout receivers: one local HTTP server per participant (each RP is its own origin, so each gets
 * its own connection pool on the provider side), answering 200 at once. Each records the moment it acknowledged
 * (its 200 written) and the logout token it got, on the same clock as the request that started the logout.
 */
import { createServer } from 'node:http';

export async function startReceivers(n) {
  const servers = [];
  const urls = [];
  let waiting;
  for (let i = 0; i < n; i++) {
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-length': '0', 'cache-control': 'no-store' });
        res.end();
        const at = performance.now();
        const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('logout_token');
        if (!waiting || req.method !== 'POST') return;
        waiting.got.push({ index: i, at, token });
        if (waiting.got.length >= waiting.count) waiting.resolve();
      });
    });
    server.keepAliveTimeout = 10_000;
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls.push(`http://127.0.0.1:${server.address().port}/backchannel`);
  }
  return {
    urls,
    /** Start collecting; resolves with the deliveries once `count` arrived, or after `timeoutMs` with what came. */
    expect(count, timeoutMs) {
      const w = { count, got: [] };
      const done = new Promise((resolve) => {
        w.resolve = resolve;
      });
      waiting = w;
      return {
        done: Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs).unref())]).then(() => {
          waiting = undefined;
          return w.got;
        }),
      };
    },
    async close() {
      await Promise.all(
        servers.map((s) => {
          s.closeAllConnections();
          return new Promise((resolve) => s.close(resolve));
        }),
      );
    },
  };
}
