import {
  exportJWK,
  generateKeyPair,
  importJWK,
  calculateJwkThumbprint,
  type JWK,
  type CryptoKey,
} from 'jose';
import type { Store } from '../store/store.js';
import type { SigningKeyRow } from '../store/repos/keys.js';
import { KeyEncryption } from './key-encryption.js';
import { DEFAULT_SIGNING_ALG, keyGenerationOptions, type SigningAlg } from './algorithms.js';

export interface KeyTimings {
  /** Seconds a new key is published before it signs (JWKS caches must see it first). */
  publishAhead: number;
  /** Seconds a retired key stays in the JWKS: the longest token it may have signed must outlive it. */
  publishAfter: number;
  /** Seconds a retired key is still trusted for id_token_hint (expired hints are valid hints). */
  verifyAfter: number;
}

interface LoadedKey {
  row: SigningKeyRow;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Signing keys, imported once and cached; the store is the source of truth so every process signs with the
 * same key and publishes the same JWKS. `refresh()` picks up rotations made by another process or the CLI.
 * There is one signing key per algorithm the deployment offers (`keys.algorithms`), and they rotate together.
 */
export class KeyStore {
  private keys = new Map<string, LoadedKey>();
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;
  /** Changes whenever the loaded key set changes, so verifiers know when to rebuild their key cache. */
  generation = 0;

  constructor(
    private readonly store: Store,
    private readonly timings: KeyTimings,
    private readonly now: () => number,
    private readonly refreshEveryMs = 30_000,
    /** Private keys at rest: sealed with the key from the environment when one is configured. */
    private readonly encryption: KeyEncryption = KeyEncryption.fromEnv(),
    /** The algorithms this deployment signs with (`keys.algorithms`). */
    readonly algorithms: readonly SigningAlg[] = [DEFAULT_SIGNING_ALG],
  ) {}

  /** Load keys, creating the first one of each algorithm the store has none of (a new store, or a new algorithm). */
  async init(): Promise<void> {
    await this.refresh();
    const missing = this.algorithms.filter((alg) => !this.currentRow(alg));
    if (missing.length === 0) return;
    for (const alg of missing) {
      // Several processes may start on an empty store at once: only the first key of an algorithm is kept, so
      // they all sign with the same key and publish the same JWKS from the start.
      await this.store.keys.insertFirst(
        await this.sealed(await newKeyRow(alg, this.now(), this.now())),
        this.now(),
      );
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const rows = await this.store.keys.listUsable(this.now());
        const next = new Map<string, LoadedKey>();
        for (const row of rows) {
          const cached = this.keys.get(row.kid);
          if (cached) {
            next.set(row.kid, { ...cached, row });
            continue;
          }
          const jwk = JSON.parse(await this.encryption.open(row.private_jwk)) as JWK;
          const privateKey = (await importJWK(jwk, row.alg)) as CryptoKey;
          next.set(row.kid, { row, privateKey, publicJwk: JSON.parse(row.public_jwk) as JWK });
        }
        const changed =
          next.size !== this.keys.size ||
          [...next.values()].some((k) => {
            const old = this.keys.get(k.row.kid)?.row;
            return !old || old.sign_until !== k.row.sign_until || old.publish_until !== k.row.publish_until;
          });
        this.keys = next;
        if (changed) this.generation++;
        this.lastRefresh = this.now();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Refresh when the cache is older than the refresh interval; cheap to call on every request. */
  async maybeRefresh(): Promise<void> {
    if (this.now() - this.lastRefresh >= this.refreshEveryMs) await this.refresh();
  }

  private currentRow(alg: SigningAlg): SigningKeyRow | undefined {
    const now = this.now();
    let best: SigningKeyRow | undefined;
    for (const { row } of this.keys.values()) {
      if (row.alg !== alg) continue;
      if (row.sign_from > now || (row.sign_until !== null && row.sign_until <= now)) continue;
      if (!best || row.sign_from > best.sign_from || (row.sign_from === best.sign_from && row.kid > best.kid))
        best = row;
    }
    return best;
  }

  /** Whether this deployment signs with `alg` (`keys.algorithms`). */
  offers(alg: string): alg is SigningAlg {
    return (this.algorithms as readonly string[]).includes(alg);
  }

  /** The key that signs with `alg` now. */
  signingKey(alg: SigningAlg = DEFAULT_SIGNING_ALG): { kid: string; alg: string; key: CryptoKey } {
    const row = this.offers(alg) ? this.currentRow(alg) : undefined;
    if (!row) throw new Error(`no ${alg} signing key is active`);
    return { kid: row.kid, alg: row.alg, key: this.keys.get(row.kid)!.privateKey };
  }

  /** The kids of the keys that sign now, one per algorithm offered; throws when one has none. */
  signingKids(): Set<string> {
    return new Set(this.algorithms.map((alg) => this.signingKey(alg).kid));
  }

  /** Public keys to publish: the signer, keys about to sign, and retired keys whose tokens may still be alive. */
  jwks(): { keys: JWK[] } {
    const now = this.now();
    const keys = [...this.keys.values()]
      .filter(({ row }) => row.publish_until === null || row.publish_until > now)
      .sort((a, b) => b.row.sign_from - a.row.sign_from)
      .map((k) => k.publicJwk);
    return { keys };
  }

  /** Public keys trusted for verifying our own tokens (includes retired keys within their verify window). */
  verificationJwks(): { keys: JWK[] } {
    return { keys: [...this.keys.values()].map((k) => k.publicJwk) };
  }

  /**
   * Rotate: publish a new key now that starts signing after `publishAhead`, and schedule the current signer's
   * retirement. With `immediate`, the new key signs at once (compromise response).
   */
  /** A new row with its private key sealed for storage (unchanged when no key-encryption key is configured). */
  private async sealed(row: SigningKeyRow): Promise<SigningKeyRow> {
    return { ...row, private_jwk: await this.encryption.seal(row.private_jwk) };
  }

  /**
   * Seal every stored private key with the current key-encryption key (reading each with the current or a
   * previous one). Returns how many rows changed.
   */
  async reseal(): Promise<number> {
    let changed = 0;
    for (const row of await this.store.keys.listAll()) {
      if (this.encryption.isCurrent(row.private_jwk)) continue;
      const sealed = await this.encryption.seal(await this.encryption.open(row.private_jwk));
      await this.store.keys.setPrivateJwk(row.kid, row.private_jwk, sealed);
      changed++;
    }
    return changed;
  }

  async rotate(
    immediate = false,
  ): Promise<{ kid: string; signFrom: number; keys: { kid: string; alg: SigningAlg }[] }> {
    await this.refresh();
    const now = this.now();
    const signFrom = immediate ? now : now + this.timings.publishAhead * 1000;
    const rows: SigningKeyRow[] = [];
    for (const alg of this.algorithms) rows.push(await this.sealed(await newKeyRow(alg, now, signFrom)));
    await this.store.transaction(async (tx) => {
      for (const row of rows) await tx.keys.insert(row);
      // Every key that signs now retires, of whatever algorithm: one removed from keys.algorithms stops signing
      // at the rotation and stays published and verifying for as long as its tokens may live.
      for (const { row: old } of this.keys.values()) {
        if (old.sign_until !== null && old.sign_until <= signFrom) continue;
        await tx.keys.update(old.kid, {
          sign_until: signFrom,
          publish_until: signFrom + this.timings.publishAfter * 1000,
          verify_until: signFrom + this.timings.verifyAfter * 1000,
        });
      }
    });
    await this.refresh();
    return {
      // The default algorithm's key, whatever the order of keys.algorithms (the config requires it there).
      kid: (rows.find((r) => r.alg === DEFAULT_SIGNING_ALG) ?? rows[0]!).kid,
      signFrom,
      keys: rows.map((r) => ({ kid: r.kid, alg: r.alg as SigningAlg })),
    };
  }
}

async function newKeyRow(alg: SigningAlg, now: number, signFrom: number): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    ...keyGenerationOptions(alg),
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  // The thumbprint is a stable, distinct kid that any party can recompute from the key itself (RFC 7638).
  const kid = await calculateJwkThumbprint(publicJwk);
  const pub: JWK = { ...publicJwk, kid, alg, use: 'sig' };
  const priv: JWK = { ...(await exportJWK(privateKey)), kid, alg };
  return {
    kid,
    alg,
    private_jwk: JSON.stringify(priv),
    public_jwk: JSON.stringify(pub),
    created_at: now,
    sign_from: signFrom,
    sign_until: null,
    publish_until: null,
    verify_until: null,
  };
}
