/**
 * Gates for tests that need something outside Node (PostgreSQL, Redis, Chromium). On a developer machine that
 * lacks one, the test is skipped with a loud line saying what is missing; with ADIEU_REQUIRE_ALL=1 (set by
 * .ci/run) a missing requirement fails the run instead, so CI always runs everything.
 */
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';

export const REQUIRE_ALL = process.env.ADIEU_REQUIRE_ALL === '1';

function report(what: string): false {
  const line = `\n*** SKIPPED: ${what} ***\n`;
  if (REQUIRE_ALL) throw new Error(`ADIEU_REQUIRE_ALL=1 but ${what}`);
  process.stderr.write(line);
  return false;
}

/** PostgreSQL from DATABASE_URL. */
export function hasPostgres(): boolean {
  return process.env.DATABASE_URL
    ? true
    : report('PostgreSQL tests need DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
}

export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Redis: REDIS_URL or 127.0.0.1:6379, probed with a TCP connect. */
export async function hasRedis(): Promise<boolean> {
  const url = new URL(redisUrl());
  const ok = await new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(Number(url.port || 6379), url.hostname);
  });
  return ok || report(`Redis tests need a Redis server at ${redisUrl()}`);
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return (
    existsSync(CHROMIUM_PATH) ||
    report(`browser tests need Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`)
  );
}
