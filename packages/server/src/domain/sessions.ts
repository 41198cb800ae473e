import type { Store } from '../store/store.js';
import type { SessionRow } from '../store/repos/sessions.js';
import type { Client } from './clients.js';
import { digest, randomToken } from '../util/crypto.js';
import { addAccount, decodeAccountList, type AccountEntry } from './browser-accounts.js';

export type { SessionRow };

export interface SessionPolicy {
  idle: number;
  absolute: number;
  rememberMe: number;
  rememberMeIdle: number;
  /** How many accounts (SSO sessions of different users) one browser may hold. */
  maxAccounts: number;
}

/** One account of this browser: its live session and the cookie secret that reaches it. */
export interface BrowserAccount extends AccountEntry {
  session: SessionRow;
}

/** What a sign-in needs to start (or re-authenticate) a session. */
export interface SignInInput {
  userId: string;
  rememberMe: boolean;
  ip: string | null;
  userAgent: string | null;
  /** The browser cookie (http/browser-cookies.ts): its digest lets a closed browser end this session. */
  browserCookie?: string | undefined;
  /** RFC 8176 methods the user just proved (e.g. `pwd`, `otp`, `mfa`; domain/acr.ts). */
  amr?: readonly string[] | undefined;
}

/** How sessions found on the way are ended: always through the logout path, so their apps are told. */
export interface EndFoundSessions {
  /** A session past its idle or absolute limit. */
  expired(session: SessionRow): Promise<unknown>;
  /** Sessions pushed out of the browser's list by a sign-in over the account limit. */
  evicted(sessions: SessionRow[]): Promise<unknown>;
}

export type SessionLookup =
  | { state: 'none' }
  | { state: 'live'; session: SessionRow }
  /** Past its idle or absolute limit but not yet ended: the caller must end it through the logout path. */
  | { state: 'expired'; session: SessionRow };

/** What the store keeps of a browser cookie: its digest (like the session cookie, never the value). */
export function browserId(cookie: string | undefined): string | undefined {
  return cookie && cookie.length <= 100 ? digest(cookie) : undefined;
}

/**
 * Write last_active_at at most once per this many ms: a tenth of the idle timeout, at most 30 s. Idle timeouts
 * are minutes, so sliding them on every request would only add writes to the hot path.
 */
const touchResolutionMs = (idleSeconds: number) => Math.min(30_000, idleSeconds * 100);

/**
 * SSO sessions. The cookie holds a random secret; the store holds only its digest, and the session's public
 * id (`sid`, put in tokens) is a separate random value, so nothing in a token can be replayed as a cookie.
 */
export class SessionService {
  /** When this process last wrote each (sid, client) participant row: last_at is kept to touch resolution. */
  private participantWrites = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly policy: SessionPolicy,
    private readonly now: () => number,
  ) {}

  static isLive(s: SessionRow, now: number): boolean {
    return s.ended_at === null && s.idle_expires_at > now && s.absolute_expires_at > now;
  }

  /** One session by its public id, live or ended (undefined when unknown). */
  findBySid(sid: string): Promise<SessionRow | undefined> {
    return this.store.sessions.findBySid(sid);
  }

  /** The user's live sessions on every device, newest first. */
  activeOfUser(userId: string): Promise<SessionRow[]> {
    return this.store.sessions.listActiveByUser(userId);
  }

  /** The live sessions of one browser (by `browserId`) that end when the browser closes. */
  liveNonPersistentInBrowser(browserId: string): Promise<SessionRow[]> {
    return this.store.sessions.listLiveNonPersistentInBrowser(browserId);
  }

  /** The session behind one cookie secret (the legacy single-session cookie is one). */
  async fromCookie(cookie: string | undefined): Promise<SessionLookup> {
    if (!cookie || cookie.length > 100) return { state: 'none' };
    const session = await this.store.sessions.findByCookieDigest(digest(cookie));
    if (!session || session.ended_at !== null) return { state: 'none' };
    return SessionService.isLive(session, this.now())
      ? { state: 'live', session }
      : { state: 'expired', session };
  }

  /**
   * The browser's accounts: the live sessions its account list reaches, current first, at most one per user.
   * Entries that reach nothing (ended, unknown, forged) are skipped; a session past its idle or absolute limit
   * that the sweeper has not reached yet is handed to `endExpired` (the logout path, so its apps hear of it at
   * the first request that notices) and skipped.
   */
  async accounts(
    cookie: string | undefined,
    endExpired: (session: SessionRow) => Promise<unknown>,
  ): Promise<BrowserAccount[]> {
    const secrets = decodeAccountList(cookie, this.policy.maxAccounts);
    if (secrets.length === 0) return [];
    const digests = secrets.map((s) => digest(s));
    const rows = new Map(
      (await this.store.sessions.findByCookieDigests(digests)).map((r) => [r.cookie_digest, r]),
    );
    const now = this.now();
    const out: BrowserAccount[] = [];
    for (const [i, secret] of secrets.entries()) {
      const session = rows.get(digests[i]!);
      if (!session || session.ended_at !== null) continue;
      if (!SessionService.isLive(session, now)) {
        await endExpired(session);
        continue;
      }
      if (out.some((a) => a.userId === session.user_id)) continue;
      out.push({ secret, userId: session.user_id, session });
    }
    return out;
  }

  /** The live session of this browser's current account (see `accounts`). */
  async current(
    cookie: string | undefined,
    endExpired: (session: SessionRow) => Promise<unknown>,
  ): Promise<SessionRow | undefined> {
    return (await this.accounts(cookie, endExpired))[0]?.session;
  }

  /**
   * A user proved who they are in this browser. Signing in as a user the browser already holds re-authenticates
   * that account's session (same `sid`, a fresh cookie secret); anyone else gets a new session added to the
   * browser's accounts. Either way the signed-in account becomes current, and every sign-in issues a fresh
   * secret, so a cookie planted before the sign-in never reaches the session after it (no fixation).
   */
  async signIn(
    input: SignInInput & { accountsCookie: string | undefined },
    end: EndFoundSessions,
  ): Promise<{ session: SessionRow; cookie: string; rememberMe: boolean; accounts: BrowserAccount[] }> {
    const existing = await this.accounts(input.accountsCookie, end.expired);
    const same = existing.find((a) => a.userId === input.userId);
    const signed = same ? await this.reauthenticate(same.session, input.amr) : await this.create(input);
    const { accounts, evicted } = addAccount(
      existing,
      { secret: signed.cookie, userId: input.userId, session: signed.session },
      this.policy.maxAccounts,
    );
    if (evicted.length) await end.evicted(evicted.map((a) => a.session));
    return { ...signed, rememberMe: signed.session.remember_me, accounts };
  }

  /** Start a session for a freshly authenticated user. Returns the cookie value to set. */
  async create(input: SignInInput): Promise<{ session: SessionRow; cookie: string }> {
    const now = this.now();
    const idle = input.rememberMe ? this.policy.rememberMeIdle : this.policy.idle;
    const absolute = input.rememberMe ? this.policy.rememberMe : this.policy.absolute;
    const cookie = randomToken(32);
    const session: SessionRow = {
      sid: randomToken(24),
      cookie_digest: digest(cookie),
      user_id: input.userId,
      auth_time: now,
      created_at: now,
      last_active_at: now,
      idle_expires_at: now + idle * 1000,
      absolute_expires_at: now + absolute * 1000,
      remember_me: input.rememberMe,
      idle_seconds: idle,
      ended_at: null,
      end_reason: null,
      logout_id: null,
      ip: input.ip,
      user_agent: input.userAgent?.slice(0, 512) ?? null,
      browser_id: browserId(input.browserCookie) ?? null,
      amr: input.amr?.length ? input.amr.join(' ') : null,
    };
    await this.store.sessions.insert(session);
    return { session, cookie };
  }

  /**
   * The same user authenticated again: new cookie, new auth_time, same sid and participants. `amr` is what the
   * session now rests on: the methods of this sign-in, or for a step-up the earlier ones plus the new factor
   * (see domain/acr.ts `combineAmr`).
   */
  async reauthenticate(
    session: SessionRow,
    amr?: readonly string[],
  ): Promise<{ session: SessionRow; cookie: string }> {
    const now = this.now();
    const cookie = randomToken(32);
    const patch = {
      cookie_digest: digest(cookie),
      auth_time: now,
      amr: amr?.length ? amr.join(' ') : session.amr,
      last_active_at: now,
      idle_expires_at: Math.min(now + session.idle_seconds * 1000, session.absolute_expires_at),
    };
    await this.store.sessions.reauthenticate(session.sid, patch);
    return { session: { ...session, ...patch }, cookie };
  }

  /**
   * Record that a client got tokens in a session (logout fans out to participants). The first time always
   * writes; later "last token time" updates are written at most once per touch resolution per process.
   */
  async recordParticipant(sid: string, clientId: string, store: Store = this.store): Promise<void> {
    if (!this.participantWriteDue(sid, clientId)) return;
    await store.sessions.addParticipant(sid, clientId, this.now());
    this.participantWritten(sid, clientId);
  }

  /** Whether the (sid, client) participant row should be written now (see recordParticipant). */
  participantWriteDue(sid: string, clientId: string): boolean {
    const last = this.participantWrites.get(`${sid} ${clientId}`);
    return last === undefined || this.now() - last >= 30_000;
  }

  /** The caller wrote the participant row (with its own writes, in one transaction). */
  participantWritten(sid: string, clientId: string): void {
    if (this.participantWrites.size > 50_000) this.participantWrites.clear();
    this.participantWrites.set(`${sid} ${clientId}`, this.now());
  }

  /** Slide the idle window (bounded by the absolute limit), at most once per touch resolution. */
  async touch(session: SessionRow): Promise<void> {
    const now = this.now();
    if (now - session.last_active_at < touchResolutionMs(session.idle_seconds)) return;
    const idleExpiresAt = Math.min(now + session.idle_seconds * 1000, session.absolute_expires_at);
    await this.store.sessions.touch(session.sid, now, idleExpiresAt);
  }

  /**
   * A client joins the session: record it as a participant (logout fans out to participants) and apply its
   * tighter lifetime, if it has one (a banking app may allow 15 minutes idle where the portal allows 30).
   */
  async join(session: SessionRow, client: Client, store: Store = this.store): Promise<SessionRow> {
    await this.recordParticipant(session.sid, client.id, store);
    const { session_idle_max: idleMax, session_absolute_max: absMax } = client.metadata;
    if (idleMax === undefined && absMax === undefined) return session;
    const idleSeconds = Math.min(session.idle_seconds, idleMax ?? Infinity);
    const absolute = Math.min(session.absolute_expires_at, session.created_at + (absMax ?? Infinity) * 1000);
    const idleExpires = Math.min(
      session.idle_expires_at,
      session.last_active_at + idleSeconds * 1000,
      absolute,
    );
    if (
      idleSeconds === session.idle_seconds &&
      absolute === session.absolute_expires_at &&
      idleExpires === session.idle_expires_at
    ) {
      return session;
    }
    const patch = { idle_seconds: idleSeconds, absolute_expires_at: absolute, idle_expires_at: idleExpires };
    await store.sessions.tighten(session.sid, patch);
    return { ...session, ...patch };
  }
}
