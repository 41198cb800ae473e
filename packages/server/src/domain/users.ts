import type { Store } from '../store/store.js';
import type { UserRow } from '../store/repos/users.js';
import type { UserSeed } from '../config/schema.js';
import { dummyHash, hashPassword, verifyPassword, type PasswordHashPolicy } from './passwords.js';
import { HashingBusyError, type HashingSlots } from './hashing-slots.js';
import { randomToken } from '../util/crypto.js';
import { TtlCache } from '../util/ttl-cache.js';

export type { UserRow };

/**
 * A new password already hashed (UserDirectory.hashNew), for a change made after the hash: in a background job, or
 * once a single-use link is spent.
 */
export interface HashedPassword {
  readonly hashed: string;
}

export interface NewUser {
  username: string;
  password: string | HashedPassword;
  email?: string | undefined;
  email_verified?: boolean | undefined;
  name?: string | undefined;
  disabled?: boolean | undefined;
}

/**
 * Users: creation, seeding from config, and password checks. No HTTP, no SQL. Every password hash, made or
 * checked, runs in `slots` (domain/hashing-slots.ts); when they are full it rejects with HashingBusyError.
 */
export class UserDirectory {
  private readonly cache: TtlCache<UserRow | undefined>;

  constructor(
    private readonly store: Store,
    private readonly passwordHash: PasswordHashPolicy,
    private readonly now: () => number,
    private readonly slots: HashingSlots,
    cacheMs = 5_000,
  ) {
    this.cache = new TtlCache(now, cacheMs);
  }

  private hash(password: string): Promise<string> {
    return this.slots.run(() => hashPassword(password, this.passwordHash));
  }

  /**
   * Hash a new password now, while the person waits: when no slot is free the HashingBusyError reaches them before
   * anything has changed (a sign-up told "check your email", a reset link spent) and they can send it again.
   */
  async hashNew(password: string): Promise<HashedPassword> {
    return { hashed: await this.hash(password) };
  }

  private hashOf(password: string | HashedPassword): Promise<string> {
    return typeof password === 'string' ? this.hash(password) : Promise.resolve(password.hashed);
  }

  private verify(password: string, stored: string): Promise<{ ok: boolean; rehash: boolean }> {
    return this.slots.run(() => verifyPassword(password, stored, this.passwordHash));
  }

  /**
   * A user row for token minting, cached for a few seconds: claims change rarely, and disabling a user or changing
   * their password revokes their tokens in the store, which the token endpoint checks first.
   */
  findCached(id: string): Promise<UserRow | undefined> {
    return this.cache.get(id, () => this.store.users.findById(id));
  }

  /** A user row, read now (not cached): for pages that show what the user just changed. */
  find(id: string): Promise<UserRow | undefined> {
    return this.store.users.findById(id);
  }

  /** Drop the cached row after a change made outside this class (verification, deletion). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  async create(u: NewUser): Promise<UserRow> {
    const now = this.now();
    const row: UserRow = {
      id: `usr_${randomToken(16)}`,
      username: u.username,
      email: u.email ?? null,
      email_verified: Boolean(u.email_verified),
      name: u.name ?? null,
      password_hash: await this.hashOf(u.password),
      disabled: Boolean(u.disabled),
      password_changed_at: now,
      created_at: now,
      updated_at: now,
    };
    await this.store.users.insert(row);
    return row;
  }

  /**
   * Create the config's seed users that do not exist yet. Seeds are created once and never overwritten: a
   * password changed through the API or the account page, a disabled account or an edited name must survive a
   * restart, so an existing user is left exactly as it is.
   */
  async createSeeds(seeds: readonly UserSeed[]): Promise<void> {
    for (const s of seeds) {
      if (await this.store.users.findByUsername(s.username)) continue;
      try {
        await this.create(s);
      } catch (e) {
        // Another process seeding the same file at the same moment won the insert; that is fine.
        if (!(await this.store.users.findByUsername(s.username))) throw e;
      }
    }
  }

  /**
   * Check a username and password. Unknown users cost the same hashing time as known ones, so timing does not
   * reveal which usernames exist. Disabled users never authenticate.
   */
  async authenticate(username: string, password: string): Promise<UserRow | undefined> {
    const user = await this.store.users.findByUsername(username);
    if (!user) {
      // The dummy is made once per policy (outside the slots: a one-off); checking against it takes a slot.
      await this.verify(password, await dummyHash(this.passwordHash));
      return undefined;
    }
    const { ok, rehash } = await this.verify(password, user.password_hash);
    if (!ok || user.disabled) return undefined;
    if (rehash) {
      try {
        await this.store.users.update(user.id, { password_hash: await this.hash(password) });
      } catch (e) {
        // The password was right; a rehash refused for lack of slots waits for the next sign-in.
        if (!(e instanceof HashingBusyError)) throw e;
      }
    }
    return user;
  }

  async setPassword(userId: string, password: string | HashedPassword): Promise<void> {
    const passwordHash = await this.hashOf(password);
    this.forget(userId);
    const now = this.now();
    await this.store.users.update(userId, {
      password_hash: passwordHash,
      password_changed_at: now,
      updated_at: now,
    });
  }

  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    this.forget(userId);
    await this.store.users.update(userId, { disabled, updated_at: this.now() });
  }
}

/** Standard claims of a user for the granted scopes (OIDC Core §5.4). */
export function userClaims(user: UserRow, scopes: ReadonlySet<string>): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id };
  if (scopes.has('profile')) {
    if (user.name) claims.name = user.name;
    claims.preferred_username = user.username;
    claims.updated_at = Math.floor(user.updated_at / 1000);
  }
  if (scopes.has('email') && user.email) {
    claims.email = user.email;
    claims.email_verified = user.email_verified;
  }
  return claims;
}
