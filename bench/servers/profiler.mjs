/**
 * CPU and allocation profiling of a provider process around one measured run only (not start-up or sign-in),
 * through the inspector protocol. Used by `node bench/run.mjs --profile DIR` and `--heap-profile DIR`.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

let session;
let heapSession;

export const profiler = {
  async profileStart() {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  },
  /** Writes a DevTools .cpuprofile; with `flows` (how many flows the run made), that number beside its fields. */
  async profileStop({ file, flows }) {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    session = undefined;
    writeFileSync(file, JSON.stringify(flows === undefined ? profile : { ...profile, flows }));
  },
  /**
   * Allocation sampling with the objects that died kept in the profile: what a flow allocates (and so how often
   * it makes the collector run), not what it keeps. One sample per 4 KiB allocated on average.
   */
  async heapProfileStart() {
    heapSession = new Session();
    heapSession.connect();
    await heapSession.post('HeapProfiler.enable');
    await heapSession.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  },
  /** Writes a DevTools .heapprofile, with `flows` (how many flows the run made) beside its own fields. */
  async heapProfileStop({ file, flows }) {
    const { profile } = await heapSession.post('HeapProfiler.stopSampling');
    heapSession.disconnect();
    heapSession = undefined;
    writeFileSync(file, JSON.stringify({ ...profile, flows }));
  },
};
