import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Store } from '../src/store/store.js';
import { KeyStore } from '../src/keys/keystore.js';
import { TokenSigner } from '../src/protocol/jwt.js';
import { testDatabase } from '../src/testing/index.js';
import { freePort } from '../src/testing/index.js';
import { startProviderProcess, writeConfig } from '../../../test/support/provider-process.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasPostgres } from '../../../test/support/env.js';

const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function keysAt(clock: { now: number }) {
  const db = testDatabase('sqlite');
  const store = await Store.open(db.url);
  opened.push(store);
  const keys = new KeyStore(
    store,
    { publishAhead: 600, publishAfter: 3600, verifyAfter: 86_400 },
    () => clock.now,
    0,
  );
  await keys.init();
  return { store, keys, signer: new TokenSigner(keys, 'https://idp.example') };
}

describe('signing keys', () => {
  it('rotation publishes the new key before it signs, then keeps the old one until its tokens are dead', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { keys, signer } = await keysAt(clock);
    const first = keys.signingKey().kid;
    const oldToken = await signer.idToken({ sub: 'u1', aud: 'c' }, clock.now, 300);

    const { kid: next } = await keys.rotate();
    expect(next).not.toBe(first);
    // Published at once, not signing yet.
    expect(
      keys
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual([first, next].sort());
    expect(keys.signingKey().kid).toBe(first);
    expect(new Set(keys.jwks().keys.map((k) => k.kid)).size).toBe(2);

    clock.now += 601_000;
    await keys.refresh();
    expect(keys.signingKey().kid).toBe(next);
    // The old key's tokens may still be alive: it stays published and keeps verifying.
    expect(keys.jwks().keys.map((k) => k.kid)).toContain(first);
    const jwks = createLocalJWKSet(keys.jwks());
    await expect(
      jwtVerify(oldToken, jwks, { currentDate: new Date(clock.now - 600_000) }),
    ).resolves.toBeTruthy();

    // After publishAfter it leaves the JWKS, but an expired id_token_hint it signed is still recognised.
    clock.now += 3_601_000;
    await keys.refresh();
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([next]);
    await expect(signer.verifyOwn(oldToken, { allowExpired: true, nowMs: clock.now })).resolves.toMatchObject(
      { sub: 'u1' },
    );

    // After verifyAfter it is gone for good.
    clock.now += 86_401_000;
    await keys.refresh();
    await expect(signer.verifyOwn(oldToken, { allowExpired: true, nowMs: clock.now })).rejects.toBeTruthy();
  });

  it('a token signed with a key we never had is refused, even with a known kid', async () => {
    const clock = { now: Date.now() };
    const a = await keysAt(clock);
    const b = await keysAt(clock);
    const foreign = await b.signer.idToken({ sub: 'x', aud: 'c' }, clock.now, 300);
    await expect(a.signer.verifyOwn(foreign, { nowMs: clock.now })).rejects.toBeTruthy();
  });

  it('`adieu keys rotate` on a running provider: the JWKS shows both keys with distinct kids', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const db = testDatabase('sqlite');
    const file = writeConfig({ issuer, port, database: db.url, keys: { refresh_interval: 1 } });
    const proc = await startProviderProcess(file, issuer);
    try {
      const before = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(before.keys).toHaveLength(1);
      const bin = fileURLToPath(new URL('../bin/adieu.js', import.meta.url));
      const out = execFileSync(process.execPath, [bin, 'keys', 'rotate', '--config', file], {
        encoding: 'utf8',
        env: { ...process.env, ADIEU_LOG_LEVEL: 'error' },
      });
      expect(out).toMatch(/published key .+; it signs from/);
      // The running process sees the rotation at its next key reload (keys.refresh_interval, 1 s here).
      await expect
        .poll(
          async () =>
            ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.length,
          { timeout: 10_000, interval: 250 },
        )
        .toBe(2);
      const after = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(new Set(after.keys.map((k) => k.kid)).size).toBe(2);
    } finally {
      await proc.kill();
      await db.cleanup();
    }
  }, 60_000);
});

describe('signing keys of several algorithms', () => {
  const timings = { publishAhead: 600, publishAfter: 3600, verifyAfter: 86_400 };
  const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString());

  it('keeps one signing key per algorithm offered, publishes them all, and rotates them together', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const db = testDatabase('sqlite');
    const store = await Store.open(db.url);
    opened.push(store);
    // In this order on purpose: RS256 stays the default and the key rotate() names, wherever it is listed.
    const keys = new KeyStore(store, timings, () => clock.now, 0, undefined, ['ES256', 'RS256']);
    await keys.init();
    const rs = keys.signingKey('RS256');
    const es = keys.signingKey('ES256');
    expect([rs.alg, es.alg]).toEqual(['RS256', 'ES256']);
    expect(keys.signingKey().kid).toBe(rs.kid);
    expect(
      keys
        .jwks()
        .keys.map((k) => [k.kid, k.kty, k.alg])
        .sort(),
    ).toEqual(
      [
        [rs.kid, 'RSA', 'RS256'],
        [es.kid, 'EC', 'ES256'],
      ].sort(),
    );

    const signer = new TokenSigner(keys, 'https://idp.example', 'ES256');
    const idToken = await signer.idToken({ sub: 'u1', aud: 'c' }, clock.now, 300, undefined, 'ES256');
    expect(header(idToken)).toMatchObject({ alg: 'ES256', kid: es.kid });
    expect(header(await signer.idToken({ sub: 'u1', aud: 'c' }, clock.now, 300))).toMatchObject({
      kid: rs.kid,
    });
    await expect(signer.verifyOwn(idToken, { nowMs: clock.now })).resolves.toMatchObject({ sub: 'u1' });
    const { token } = await signer.accessToken(
      { sub: 'u1', aud: 'https://idp.example', client_id: 'c', scope: 'openid' },
      clock.now,
      60,
    );
    expect(header(token)).toMatchObject({ alg: 'ES256', kid: es.kid, typ: 'at+jwt' });
    await expect(signer.verifyAccessToken(token, clock.now)).resolves.toMatchObject({ client_id: 'c' });
    const logout = await signer.logoutToken({ sub: 'u1', aud: 'c', sid: 's1' }, clock.now, 'ES256');
    expect(header(logout)).toMatchObject({ alg: 'ES256', typ: 'logout+jwt' });

    const rotated = await keys.rotate();
    expect(rotated.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(rotated.kid).toBe(rotated.keys.find((k) => k.alg === 'RS256')!.kid);
    expect(keys.jwks().keys).toHaveLength(4);
    expect(keys.signingKids()).toEqual(new Set([rs.kid, es.kid]));
    clock.now += 601_000;
    await keys.refresh();
    expect(keys.signingKids()).toEqual(new Set(rotated.keys.map((k) => k.kid)));
    // The retired ES256 key still verifies what it signed.
    await expect(signer.verifyOwn(idToken, { nowMs: clock.now, allowExpired: true })).resolves.toBeTruthy();
  });

  it('an algorithm added to a running deployment gets its first key at the next start, the RS256 key stays', async () => {
    const now = Date.UTC(2026, 0, 1);
    const db = testDatabase('sqlite');
    const store = await Store.open(db.url);
    opened.push(store);
    const before = new KeyStore(store, timings, () => now, 0);
    await before.init();
    expect(() => before.signingKey('ES256')).toThrow(/no ES256 signing key/);
    const after = new KeyStore(store, timings, () => now, 0, undefined, ['RS256', 'ES256']);
    await after.init();
    expect(after.signingKey('RS256').kid).toBe(before.signingKey().kid);
    expect(after.signingKey('ES256').alg).toBe('ES256');
    expect(await store.keys.count()).toBe(2);
    // And the algorithm taken out again: its key is not used to sign, whatever is in the store.
    const again = new KeyStore(store, timings, () => now, 0);
    await again.init();
    expect(again.offers('ES256')).toBe(false);
    expect(() => again.signingKey('ES256')).toThrow(/no ES256 signing key/);
  });
});

describe('access tokens verified once', () => {
  const claims = { sub: 'u1', aud: 'https://idp.example', client_id: 'app', scope: 'openid' };

  it('are remembered, by their exact bytes, until they expire', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { signer } = await keysAt(clock);
    const { token } = await signer.accessToken(claims, clock.now, 60);
    const verify = vi.spyOn(signer, 'verifyOwn');
    expect(await signer.verifyAccessToken(token, clock.now)).toMatchObject({
      sub: 'u1',
      jti: expect.any(String),
    });
    expect(await signer.verifyAccessToken(token, clock.now + 59_000)).toMatchObject({ sub: 'u1' });
    expect(verify).toHaveBeenCalledTimes(1);
    // Remembered claims are shared between callers, so nobody may change them.
    expect(Object.isFrozen(await signer.verifyAccessToken(token, clock.now))).toBe(true);
    // At exp it is expired, exactly as jose says at first sight.
    await expect(signer.verifyAccessToken(token, clock.now + 60_000)).rejects.toThrow(/exp/);
    // Other bytes are another token: a changed signature is verified, and refused.
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    await expect(signer.verifyAccessToken(forged, clock.now)).rejects.toBeTruthy();
    // And only access tokens: an ID token is refused by its typ.
    const idToken = await signer.idToken({ sub: 'u1', aud: 'app' }, clock.now, 60);
    await expect(signer.verifyAccessToken(idToken, clock.now)).rejects.toThrow(/typ/);
  });

  it('are verified again once the key set changes', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { keys, signer } = await keysAt(clock);
    const { token } = await signer.accessToken(claims, clock.now, 900);
    const verify = vi.spyOn(signer, 'verifyOwn');
    await signer.verifyAccessToken(token, clock.now);
    await keys.rotate();
    await keys.refresh();
    await signer.verifyAccessToken(token, clock.now);
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('are not carried into a key set that changed while they were being verified', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const { keys, signer } = await keysAt(clock);
    const { token } = await signer.accessToken(claims, clock.now, 900);
    const verifyOwn = signer.verifyOwn.bind(signer);
    // The key set changes (a rotation, a key removed by another process) while the signature is being checked.
    const verify = vi.spyOn(signer, 'verifyOwn').mockImplementationOnce(async (...args) => {
      const verified = await verifyOwn(...args);
      await keys.rotate();
      await keys.refresh();
      return verified;
    });
    await signer.verifyAccessToken(token, clock.now);
    await signer.verifyAccessToken(token, clock.now);
    expect(verify).toHaveBeenCalledTimes(2);
  });
});

describe('first start of several processes on an empty store', () => {
  it.each(['sqlite', 'postgres'] as const)(
    'creates exactly one signing key of each algorithm (%s)',
    async (engine) => {
      if (engine === 'postgres' && !hasPostgres()) return;
      const db = testDatabase(engine);
      const stores = await Promise.all(Array.from({ length: 4 }, () => Store.open(db.url)));
      opened.push(...stores);
      const now = Date.now();
      const keySets = stores.map(
        (s) => new KeyStore(s, { publishAhead: 600, publishAfter: 3600, verifyAfter: 86_400 }, () => now, 0),
      );
      await Promise.all(keySets.map((k) => k.init()));
      expect(new Set(keySets.map((k) => k.signingKey().kid)).size).toBe(1);
      expect(await stores[0]!.keys.count()).toBe(1);
      // A second algorithm added to all of them at once: again exactly one key of it.
      const withEs = stores.map(
        (s) =>
          new KeyStore(
            s,
            { publishAhead: 600, publishAfter: 3600, verifyAfter: 86_400 },
            () => now,
            0,
            undefined,
            ['RS256', 'ES256'],
          ),
      );
      await Promise.all(withEs.map((k) => k.init()));
      expect(new Set(withEs.map((k) => k.signingKey('ES256').kid)).size).toBe(1);
      expect(await stores[0]!.keys.count()).toBe(2);
      for (const s of stores.splice(0)) await s.close();
      opened.length = 0;
      await db.cleanup();
    },
  );
});

describe('key rotation seen by another process', () => {
  it('a process that never serves the JWKS still signs with the new key once it is due', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const db = testDatabase('sqlite');
    const [a, b] = await Promise.all([Store.open(db.url), Store.open(db.url)]);
    opened.push(a, b);
    const timings = { publishAhead: 600, publishAfter: 3600, verifyAfter: 86_400 };
    const keysA = new KeyStore(a, timings, () => clock.now, 30_000);
    const keysB = new KeyStore(b, timings, () => clock.now, 30_000);
    await keysA.init();
    await keysB.init();
    const signerB = new TokenSigner(keysB, 'https://idp.example');
    const { kid: next } = await keysA.rotate();

    clock.now += 601_000;
    const token = await signerB.idToken({ sub: 'u1', aud: 'c' }, clock.now, 300);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).toBe(next);
    await db.cleanup();
  });
});
