/**
 * CPU profiling of a provider process around one measured run only (not start-up or sign-in), through the
 * inspector protocol. Used by `node bench/run.mjs --profile DIR`.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

let session;

export const profiler = {
  async profileStart() {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  },
  async profileStop(file) {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    session = undefined;
    writeFileSync(file, JSON.stringify(profile));
  },
};
