import { describe, expect, it } from 'vitest';
import { defaultHashConcurrency, HashingBusyError, HashingSlots } from '../../../src/domain/hashing-slots.js';

/** A hash that finishes when the test says so, `ms` later on the test's clock. */
function controlled(clock: { t: number }) {
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const hash = (id: number, ms: number) => () =>
    new Promise<number>((resolve) => {
      started.push(id);
      finish.push(() => {
        clock.t += ms;
        resolve(id);
      });
    });
  return { started, finish, hash };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('HashingSlots', () => {
  it('runs at most `concurrency` hashes at once, the rest in order of arrival', async () => {
    const clock = { t: 0 };
    const slots = new HashingSlots({ concurrency: 2, maxWaitMs: 60_000, clock: () => clock.t });
    const c = controlled(clock);
    const results = [1, 2, 3, 4, 5].map((id) => slots.run(c.hash(id, 100)));
    await tick();
    expect(c.started).toEqual([1, 2]);
    expect(slots.load).toEqual({ running: 2, waiting: 3 });
    c.finish.shift()!();
    await tick();
    expect(c.started).toEqual([1, 2, 3]);
    while (c.finish.length) {
      c.finish.shift()!();
      await tick();
    }
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a hash that would wait longer than maxWaitMs, judged by how long hashes took', async () => {
    const clock = { t: 0 };
    let refused = 0;
    const slots = new HashingSlots({
      concurrency: 1,
      maxWaitMs: 250,
      clock: () => clock.t,
      onRefused: () => refused++,
    });
    const c = controlled(clock);
    // Before any hash has finished nothing is known about their cost: everything is admitted.
    const first = slots.run(c.hash(1, 100));
    const second = slots.run(c.hash(2, 100));
    await tick();
    c.finish.shift()!();
    await first;
    await tick();
    // Now a hash takes ~100 ms; #2 runs, so #3 waits ~100 ms and #4 ~200 ms, both within 250 ms.
    const third = slots.run(c.hash(3, 100));
    const fourth = slots.run(c.hash(4, 100));
    expect(slots.load).toEqual({ running: 1, waiting: 2 });
    // #5 would wait ~300 ms: refused at once, without taking a place in the queue.
    const fifth = slots.run(c.hash(5, 100));
    await expect(fifth).rejects.toBeInstanceOf(HashingBusyError);
    await expect(fifth).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(refused).toBe(1);
    expect(slots.load).toEqual({ running: 1, waiting: 2 });
    while (c.finish.length || slots.load.running) {
      c.finish.shift()?.();
      await tick();
    }
    expect(await Promise.all([second, third, fourth])).toEqual([2, 3, 4]);
    expect(c.started).toEqual([1, 2, 3, 4]);
    // The queue drained: a slot is free again, so the next hash is admitted however slow hashes were.
    const sixth = slots.run(c.hash(6, 100));
    await tick();
    c.finish.shift()!();
    expect(await sixth).toBe(6);
  });

  it('frees the slot of a hash that failed', async () => {
    const slots = new HashingSlots({ concurrency: 1, maxWaitMs: 1000 });
    await expect(slots.run(() => Promise.reject(new Error('scrypt failed')))).rejects.toThrow(
      'scrypt failed',
    );
    expect(await slots.run(() => Promise.resolve('next'))).toBe('next');
  });
});

describe('defaultHashConcurrency', () => {
  it('leaves a core to the event loop and a pool thread to signatures, and is at least 1', () => {
    expect(defaultHashConcurrency(1, 4)).toBe(1);
    expect(defaultHashConcurrency(2, 4)).toBe(1);
    expect(defaultHashConcurrency(4, 4)).toBe(3);
    expect(defaultHashConcurrency(16, 4)).toBe(3);
    expect(defaultHashConcurrency(16, 64)).toBe(15);
    expect(defaultHashConcurrency(4, 1)).toBe(1);
  });
});
