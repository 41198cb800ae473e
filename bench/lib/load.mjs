import { readFileSync } from 'node:fs';

/**
 * Closed-loop load at fixed concurrency: `ops.length` workers each run their flow back to back (keep-alive
 * connections, one request in flight per worker) until the time is up. Throughput is completed flows divided by
 * the time until the last worker stopped; latency is per flow.
 */
export async function runLoad(ops, durationMs) {
  const latencies = [];
  let errors = 0;
  let firstError;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    ops.map(async (op) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t);
        } catch (e) {
          errors++;
          firstError ??= e;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    ops: latencies.length,
    errors,
    firstError: firstError && String(firstError.message ?? firstError),
    elapsedMs,
    rps: (latencies.length / elapsedMs) * 1000,
    p50: pct(50),
    p99: pct(99),
  };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Busy CPU time of the whole machine in ms (Linux /proc/stat; undefined elsewhere). Minus the CPU time of the
 * benchmark's own processes, it tells how much other work shared the machine during a run.
 */
export function machineBusyMs() {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [, user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).map(Number);
    return (user + nice + system + irq + softirq + steal) * 10; // USER_HZ = 100
  } catch {
    return undefined;
  }
}
