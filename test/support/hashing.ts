import { HashingBusyError, type HashingSlots } from '../../packages/server/src/domain/hashing-slots.js';
import type { TestProvider } from '../../packages/server/src/testing/index.js';

/**
 * Fill a provider's password hashing slots (domain/hashing-slots.ts) with hashes that run, or wait, until
 * released, adding them until the next one is refused (how many that takes depends on how long this machine's
 * hashes took so far and on `login.hash_max_wait_seconds`). Returns the release.
 */
export async function holdHashingSlots(op: TestProvider): Promise<() => Promise<void>> {
  const slots = (op.provider as unknown as { hashing: HashingSlots }).hashing;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  // The slots judge a wait by how long hashes took; a provider that has hashed nothing yet has no judgement.
  await slots.run(() => new Promise<void>((r) => setTimeout(r, 20)));
  const holders: Promise<void>[] = [];
  for (let i = 0; i < 50; i++) {
    const probe = slots.run(() => held);
    // A refusal is immediate; a hash let in stays pending until released.
    const refused = await Promise.race([
      probe.then(
        () => false,
        (e: unknown) => e instanceof HashingBusyError,
      ),
      new Promise<false>((r) => setImmediate(() => r(false))),
    ]);
    if (refused) {
      return async () => {
        release();
        await Promise.all(holders);
      };
    }
    holders.push(probe);
  }
  release();
  await Promise.all(holders);
  throw new Error('the hashing slots never refused a hash: lower login.hash_max_wait_seconds in this test');
}
