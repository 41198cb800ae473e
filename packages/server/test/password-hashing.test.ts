/**
 * Issue 18 (sign-in): each deployment chooses how new password hashes are made (scrypt or Argon2id, and their
 * cost); a user whose stored hash is of another algorithm or of a lower cost is moved to the current one at the
 * next successful sign-in, through the real login form, without noticing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../src/testing/index.js';
import { BrowserSession } from '../../../test/support/browser-session.js';
import { discover, signIn } from '../../../test/support/oidc.js';

const ALICE = { username: 'alice', password: 'alice-pässword' };
const CB = 'http://localhost:4001/callback';
const dir = mkdtempSync(join(tmpdir(), 'adieu-password-hashing-'));
const database = `sqlite:${join(dir, 'adieu.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(login: Record<string, unknown>, logger?: FastifyBaseLogger): Promise<TestProvider> {
  return startTestProvider(
    {
      clients: [{ client_id: 'portal', client_secret: 'portal-secret-0123456789', redirect_uris: [CB] }],
      users: [ALICE],
      login,
    },
    { database, ...(logger ? { logger } : {}) },
  );
}

/** A logger at warn level whose lines land in `lines`. */
function capturingLogger(lines: { event?: string; msg?: string }[]): FastifyBaseLogger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'warn' }, sink) as unknown as FastifyBaseLogger;
}

async function signInAlice(op: TestProvider, password = ALICE.password) {
  const rp = await discover({
    issuer: op.issuer,
    clientId: 'portal',
    clientSecret: 'portal-secret-0123456789',
    redirectUri: CB,
  });
  return signIn(rp, new BrowserSession(), CB, { username: ALICE.username, password });
}

const storedHash = async (op: TestProvider) =>
  (await op.provider.store.users.findByUsername(ALICE.username))?.password_hash;

describe('password hashing per deployment, with rehash at sign-in', () => {
  it('moves a scrypt user to Argon2id at the next sign-in, and to a higher cost after that', async () => {
    const scryptOp = await start({ password_hash: 'scrypt', scrypt_log_n: 10 });
    try {
      expect(await storedHash(scryptOp)).toMatch(/^scrypt\$10\$/);
      await signInAlice(scryptOp);
      expect(await storedHash(scryptOp)).toMatch(/^scrypt\$10\$/);
    } finally {
      await scryptOp.close();
    }

    const argon = { password_hash: 'argon2id', argon2_memory_kib: 8192, argon2_time_cost: 1 };
    const argonOp = await start(argon);
    try {
      // A wrong password proves nothing: the old hash stays.
      await expect(signInAlice(argonOp, 'not-her-password')).rejects.toThrow(/login did not redirect/);
      expect(await storedHash(argonOp)).toMatch(/^scrypt\$10\$/);
      const { tokens } = await signInAlice(argonOp);
      expect(tokens.id_token).toBeTruthy();
      expect(await storedHash(argonOp)).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
      // The new hash works.
      await signInAlice(argonOp);
    } finally {
      await argonOp.close();
    }

    const strongerOp = await start({ ...argon, argon2_memory_kib: 12288 });
    try {
      await signInAlice(strongerOp);
      expect(await storedHash(strongerOp)).toMatch(/^\$argon2id\$v=19\$m=12288,t=1,p=1\$/);
    } finally {
      await strongerOp.close();
    }
  });

  it("warns once at start when the configured cost is below OWASP's minimum, and not at the defaults", async () => {
    const weak: { event?: string; msg?: string }[] = [];
    const weakOp = await start({ password_hash: 'scrypt', scrypt_log_n: 16 }, capturingLogger(weak));
    await weakOp.close();
    const warned = weak.filter((l) => l.event === 'login.password_hash_below_minimum');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.msg).toMatch(/scrypt 2\^16 is below OWASP's minimum/);

    // The defaults (the test helper's cheap costs put back to the production ones).
    const quiet: { event?: string }[] = [];
    const defaultOp = await start(
      { argon2_memory_kib: 19456, argon2_time_cost: 2, scrypt_log_n: 17 },
      capturingLogger(quiet),
    );
    await defaultOp.close();
    expect(quiet.filter((l) => l.event === 'login.password_hash_below_minimum')).toEqual([]);
  });
});
