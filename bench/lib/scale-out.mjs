/**
 * The scale-out scenario (issue 17 §5): three `adieu start` processes on one PostgreSQL behind a round-robin front,
 * a mixed load (sign-ins, refreshes, logouts with a back-channel receiver, SSE subscribers) with `kill -9` of one
 * process and a database outage in the middle. The harness and its assertions are the scale-out test
 * (packages/server/test/scale-out.test.ts): the bench runs it and reports its numbers, so the scenario that is
 * measured is the one that is proven (nothing lost, no refresh token usable after revocation, 503s only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Run the scale-out test once with PostgreSQL from `databaseUrl`; resolves to its numbers. */
export async function runScaleOut({ databaseUrl, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'adieu-scale-out-'));
  const file = join(dir, 'report.json');
  try {
    log('scale-out: 3 processes on PostgreSQL behind a round-robin, kill -9 and a database outage ...');
    const child = spawn('npx', ['vitest', 'run', 'packages/server/test/scale-out.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, ADIEU_SCALE_OUT_REPORT: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`scale-out test failed (exit ${code}):\n${output.slice(-4000)}`);
    return JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');

/** The report's Markdown section. */
export function scaleOutReport(r) {
  const out = [
    `\nScale-out (issue 17): ${r.processes} provider processes on one PostgreSQL behind a round-robin front, ` +
      `${fmt(r.seconds, 1)} s of mixed load; kill -9 of one process at +${fmt(r.faults.killAt, 1)} s, database ` +
      `unreachable +${fmt(r.faults.outage[0], 1)}..+${fmt(r.faults.outage[1], 1)} s. All assertions of the ` +
      'scale-out test held (every logout delivered, nothing revoked usable, 503 with Retry-After only).\n',
    `${r.signIns} sign-ins, ${r.refreshes} refreshes, ${r.logouts} logouts (${r.deliveredTwice} delivered twice, ` +
      `at the kill or the outage), ${r.kept} sessions kept, ${r.abandoned} flows abandoned by a fault, ` +
      `${r.unavailable503} answers 503, ${r.frontFailuresAtKill} requests lost with the killed process.\n`,
    '| process | requests | requests/s |',
    '|--:|--:|--:|',
    ...r.perProcess.map((p, i) => `| ${i + 1} | ${p.requests} | ${fmt(p.perSecond, 1)} |`),
    '',
    '| route (at the front) | answers | p50 ms | p95 ms | p99 ms |',
    '|---|--:|--:|--:|--:|',
    ...r.latency
      .filter((l) => l.n >= 5)
      .sort((a, b) => b.n - a.n)
      .map((l) => `| ${l.route} | ${l.n} | ${fmt(l.p50, 1)} | ${fmt(l.p95, 1)} | ${fmt(l.p99, 1)} |`),
  ];
  return out.join('\n');
}
