import type { InteractionRow } from '../store/repos/interactions.js';
import { randomToken, safeEqual } from '../util/crypto.js';
import type { RawAuthorizationParams } from './authorization-request.js';

/** A stored authorization request waiting for the login or consent page. */
export interface AuthorizationInteraction {
  raw: RawAuthorizationParams;
  /** For consent: the session that is already authenticated. */
  sid?: string;
  /** A provider page (the account page) to return to after login, instead of an authorization request. */
  returnTo?: '/account';
}

/** What each kind of interaction carries. Adding a kind means adding its payload type here. */
export interface InteractionKinds {
  login: AuthorizationInteraction;
  consent: AuthorizationInteraction;
  /** RP-Initiated Logout waiting for the user's confirmation. */
  logout: {
    /** The session asked about (the current account when several are offered). */
    sid: string;
    /** Several accounts offered on the chooser: only these may be signed out through it. */
    sids?: string[];
    clientId?: string | undefined;
    redirectTo?: string | undefined;
    redirectNote?: string | undefined;
    lang?: string | undefined;
    federated?: boolean;
  };
  /** The account page's forms, bound to the session the page was rendered for. */
  account: { sid: string; accounts?: string[] };
  /** A single-use ticket for an EventSource, which cannot send an Authorization header. */
  sse_ticket: { sid: string; client_id: string; user_id: string };
  /** The change-password form, bound to the session it was rendered for (its id is its CSRF token). */
  password: { sid: string };
  /** An authenticator app being set up: the sealed new secret waits here until a code confirms it. */
  'account-totp': { sid: string; sealed: string };
}

export type InteractionKind = keyof InteractionKinds;

/** One interaction, its payload typed by its kind. */
export type Interaction<K extends InteractionKind = InteractionKind> = {
  [P in K]: {
    id: string;
    kind: P;
    csrf: string;
    payload: InteractionKinds[P];
    expiresAt: number;
  };
}[K];

/** The store port this service needs: three calls on the interactions table. */
export interface InteractionsPort {
  insert<P>(row: InteractionRow<P>): Promise<void>;
  find<P>(id: string, now: number): Promise<InteractionRow<P> | undefined>;
  take(id: string): Promise<boolean>;
}

/** How long a person may take on a page before its forms expire. */
export const INTERACTION_TTL_MS = 30 * 60_000;

/**
 * Short-lived browser interactions (login, consent, logout confirmation, account forms, SSE tickets): one place
 * for their payload types, their CSRF token, their lifetime and their single use. Every form a provider page
 * posts carries the interaction id and its CSRF token, so no other site can drive it.
 */
export class InteractionService {
  constructor(
    private readonly store: InteractionsPort,
    private readonly now: () => number,
  ) {}

  /**
   * Start an interaction; returns its id and the CSRF token its page must post back. `csrfIsId` is for a page
   * that posts one token only: the id is then the CSRF token itself.
   */
  async open<K extends InteractionKind>(
    kind: K,
    payload: InteractionKinds[K],
    opts: { ttlMs?: number; id?: string; csrfIsId?: boolean } = {},
  ): Promise<Interaction<K>> {
    const now = this.now();
    const csrf = randomToken(24);
    const it = {
      id: opts.csrfIsId ? csrf : (opts.id ?? randomToken(24)),
      kind,
      csrf,
      payload,
      expiresAt: now + (opts.ttlMs ?? INTERACTION_TTL_MS),
    } as Interaction<K>;
    await this.store.insert({
      id: it.id,
      kind,
      payload,
      csrf: it.csrf,
      created_at: now,
      expires_at: it.expiresAt,
    });
    return it;
  }

  /** A live interaction of one of `kinds`; undefined when unknown, expired, used or of another kind. */
  async find<K extends InteractionKind>(
    id: string | undefined,
    kinds: readonly K[],
  ): Promise<Interaction<K> | undefined> {
    if (!id || id.length > 100) return undefined;
    // The row was written by open() with the payload type of its kind; the kind check below is what types it.
    const row = await this.store.find<InteractionKinds[K]>(id, this.now());
    if (!row || !(kinds as readonly string[]).includes(row.kind)) return undefined;
    return {
      id: row.id,
      kind: row.kind as K,
      csrf: row.csrf,
      payload: row.payload,
      expiresAt: row.expires_at,
    } as Interaction<K>;
  }

  /** The form's CSRF token is the one rendered into this interaction's page (constant-time compare). */
  csrfMatches(it: { csrf: string }, csrf: string | undefined): boolean {
    return csrf !== undefined && safeEqual(csrf, it.csrf);
  }

  /** Single use across processes: true only for the one caller that consumed it. */
  take(it: { id: string }): Promise<boolean> {
    return this.store.take(it.id);
  }

  /** find + CSRF check in one: the interaction of a posted form, or undefined. */
  async fromForm<K extends InteractionKind>(
    form: { interaction?: string | undefined; csrf?: string | undefined },
    kinds: readonly K[],
  ): Promise<Interaction<K> | undefined> {
    const it = await this.find(form.interaction, kinds);
    return it && this.csrfMatches(it, form.csrf) ? it : undefined;
  }
}
