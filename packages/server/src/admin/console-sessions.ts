import type { ConsoleSessionRow } from '../store/repos/console-sessions.js';
import { digest, randomToken } from '../util/crypto.js';

/** A console sign-in in progress: what the callback checks and where it returns. */
export interface ConsoleLogin {
  state: string;
  verifier: string;
  nonce: string;
  returnTo: string;
}

/** A signed-in console session: the admin's own access token (API parity) and the name shown. */
export interface ConsoleSession {
  token: string;
  username: string;
}

/** The store port: the console_sessions table, keyed by the digest of the cookie value. */
export interface ConsoleSessionsPort {
  insert(row: ConsoleSessionRow): Promise<void>;
  find(idDigest: string, kind: string, now: number): Promise<ConsoleSessionRow | undefined>;
  take(idDigest: string): Promise<boolean>;
}

/**
 * The console's own sign-in state (issue 16): sign-ins in progress and signed-in sessions. Cookies carry a
 * random id; the store keeps only its digest, so a database read cannot be replayed as a cookie.
 */
export class ConsoleSessions {
  constructor(
    private readonly store: ConsoleSessionsPort,
    private readonly now: () => number,
  ) {}

  /** Start a sign-in; returns the login cookie's value. */
  async startLogin(login: ConsoleLogin, ttlMs: number): Promise<string> {
    const id = randomToken(24);
    const now = this.now();
    await this.store.insert({
      id_digest: digest(id),
      kind: 'login',
      user_id: null,
      payload: JSON.stringify(login),
      csrf: '',
      created_at: now,
      expires_at: now + ttlMs,
    });
    return id;
  }

  /** The live sign-in behind a login cookie, or undefined. */
  async login(id: string | undefined): Promise<{ idDigest: string; login: ConsoleLogin } | undefined> {
    const row = await this.find(id, 'login');
    return row && { idDigest: row.id_digest, login: JSON.parse(row.payload) as ConsoleLogin };
  }

  /** The live session behind a session cookie, with its CSRF token, or undefined. */
  async session(
    id: string | undefined,
  ): Promise<{ idDigest: string; csrf: string; session: ConsoleSession } | undefined> {
    const row = await this.find(id, 'session');
    return (
      row && { idDigest: row.id_digest, csrf: row.csrf, session: JSON.parse(row.payload) as ConsoleSession }
    );
  }

  /** Open a signed-in session for as long as its access token lives; returns the cookie value. */
  async open(userId: string | null, session: ConsoleSession, ttlMs: number): Promise<string> {
    const sid = randomToken(24);
    const now = this.now();
    await this.store.insert({
      id_digest: digest(sid),
      kind: 'session',
      user_id: userId,
      payload: JSON.stringify(session),
      csrf: randomToken(24),
      created_at: now,
      expires_at: now + ttlMs,
    });
    return sid;
  }

  /** Single use (a sign-in) or sign-out: true only for the one caller that removed it. */
  take(idDigest: string): Promise<boolean> {
    return this.store.take(idDigest);
  }

  private async find(id: string | undefined, kind: 'login' | 'session') {
    if (!id || id.length > 100) return undefined;
    return this.store.find(digest(id), kind, this.now());
  }
}
