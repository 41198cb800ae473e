/**
 * Probes every provider child answers beside its counters: event-loop delay (perf_hooks) over a measured run,
 * so the report shows whether anything CPU-heavy blocked the loop under load.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

// 1 ms resolution: the target is "nothing blocks the loop for more than 5 ms".
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

/**
 * CPU time of the main thread alone, in ms (Linux: the first field of the thread's schedstat, in ns), or NaN
 * elsewhere. Process CPU also counts libuv's pool, where WebCrypto signs and scrypt hashes; the main thread's
 * share is the part that HTTP handling, queries and JSON cost, which is what a flow's overhead over the
 * signature floor is made of.
 */
export function mainThreadCpuMs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

export const probes = {
  /** Forget the delays seen so far (called right before a measured run). */
  loopReset() {
    loop.reset();
  },
  /** Event-loop delay since the last reset, in ms: p50, p99 and max. */
  loopDelay() {
    const ms = (ns) => ns / 1e6;
    return { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
  },
};
