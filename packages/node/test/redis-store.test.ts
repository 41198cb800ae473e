import { randomBytes } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { Redis } from 'ioredis';
import { hasRedis, redisUrl } from '../../../test/support/env.js';
import { RedisSessionStore } from '../src/index.js';
import { defineStoreContract } from './support/store-contract.js';

const ok = await hasRedis();
const prefixes: string[] = [];

describe.skipIf(!ok)('RedisSessionStore (real Redis)', () => {
  const prefix = () => {
    const p = `adieu-test:${randomBytes(6).toString('hex')}:`;
    prefixes.push(p);
    return p;
  };
  defineStoreContract('RedisSessionStore', {
    make: async () => new RedisSessionStore({ url: redisUrl(), prefix: prefix() }),
    // A second connection on the same prefix: what a second app process has.
    peer: async (store) =>
      new RedisSessionStore({ url: redisUrl(), prefix: (store as RedisSessionStore).prefix }),
  });

  afterAll(async () => {
    const redis = new Redis(redisUrl());
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length) await redis.del(...keys);
    }
    await redis.quit();
  });
});
