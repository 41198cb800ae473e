import { authenticateAdmin, type AdminAuthDeps } from '../admin/admin-auth.js';
import type { AccountService } from '../accounts/account-service.js';
import type { ClientRegistry } from '../domain/clients.js';
import type { LoginThrottle } from '../domain/throttle.js';
import type { UserDirectory } from '../domain/users.js';
import type { ConnectionRegistry } from '../federation/connection-registry.js';
import type { LogoutService } from '../logout/logout-service.js';
import type { AccountsRepo } from '../store/repos/accounts.js';
import type { RolesRepo } from '../store/repos/audit.js';
import type { FederationRepo } from '../store/repos/federation.js';
import type { LogoutsRepo } from '../store/repos/logouts.js';
import type { SessionsRepo } from '../store/repos/sessions.js';
import type { TokensRepo } from '../store/repos/tokens.js';
import type { UsersRepo } from '../store/repos/users.js';
import type { BrowserAccount, SessionRow } from '../domain/sessions.js';
import { loginHintFor } from '../domain/browser-accounts.js';
import type { UserRow } from '../store/repos/users.js';
import { requireAccessToken } from './access-tokens.js';
import { requireAccountScope } from './check-account-scope.js';
import { OAuthError, insufficientScope, invalidRequest, notFound, tooManyAttempts } from './errors.js';
import { readParams } from './params.js';
import { AlreadyExists, FormError } from '../accounts/forms.js';

/** A form problem of the account rules, as the API's 400 (or 409 for a taken address) naming the field. */
async function asApiError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof FormError)) throw e;
    if (e instanceof AlreadyExists) throw new OAuthError('invalid_request', e.message, 409);
    throw invalidRequest(`${e.field}: ${e.message}`);
  }
}

/** One account of this browser on the account page (issue 19). */
export interface BrowserAccountView {
  sid: string;
  /** The account's opaque login hint: what its "Sign out" form sends. */
  value: string;
  name: string;
  username: string;
  /** The browser's current account (the one the page is about). */
  current: boolean;
  apps: string[];
}

export interface SessionView {
  sid: string;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  remember_me: boolean;
  ip: string | null;
  user_agent: string | null;
  current?: boolean;
  /** The upstream identity provider the session was signed in through (issue 13), or null for a password. */
  connection: { id: string; name: string } | null;
  clients: { client_id: string; client_name: string; first_at: string; last_at: string }[];
}

const iso = (t: number) => new Date(t).toISOString();

/** What the management operations read and call (the provider satisfies it; `provider.ts` is not imported). */
export interface ManagementDeps extends AdminAuthDeps {
  issuer: string;
  now: () => number;
  store: AdminAuthDeps['store'] & {
    logouts: Pick<LogoutsRepo, 'listBySid' | 'listByParticipant'>;
    users: Pick<UsersRepo, 'findById' | 'findByIdOrUsername'>;
    roles: Pick<RolesRepo, 'has' | 'list'>;
    tokens: Pick<TokensRepo, 'isAccessTokenDenied' | 'findRefresh' | 'revokeRefresh'>;
    sessions: Pick<SessionsRepo, 'findBySid' | 'listActiveByUser' | 'listParticipantsOf'>;
    federation: Pick<FederationRepo, 'bindingsOf'>;
    accounts: Pick<AccountsRepo, 'personalData'>;
  };
  clients: Pick<ClientRegistry, 'get' | 'getMany'>;
  connections: Pick<ConnectionRegistry, 'get'>;
  logout: Pick<LogoutService, 'report' | 'endSessions' | 'endUserSessions'>;
  accounts: Pick<
    AccountService,
    'invite' | 'deleteUser' | 'updateProfile' | 'passwordProblem' | 'changePassword'
  >;
  throttle: Pick<LoginThrottle, 'checkPassword' | 'unlock'>;
  users: Pick<UserDirectory, 'authenticate' | 'setDisabled' | 'findCached'>;
}

/**
 * The management and self-service operations (Microsoft Graph names, seed 000). Every way of ending sessions
 * goes through the one logout path, so apps are told exactly as when the user signs out.
 */
export class Management {
  constructor(private readonly d: ManagementDeps) {}

  /**
   * Admin authentication (admin/admin-auth.ts): the static bearer secret, a client_credentials token with
   * scope `admin`, or a console token of a person with the admin role.
   */
  async requireAdmin(token: string | undefined): Promise<{ clientId: string | null }> {
    const actor = await authenticateAdmin(this.d, token);
    return { clientId: actor.clientId };
  }

  /**
   * Self-service: the user of a (user) access token with the `account` scope; a client_credentials token has no
   * user, and a token for signing in only (`openid`) does not reach the user's other sessions.
   */
  async requireUser(token: string | undefined): Promise<{ user: UserRow; sid: string | undefined }> {
    const r = await requireAccessToken(this.d, token);
    if (!r.user) throw insufficientScope('this API needs an access token issued to a user');
    requireAccountScope(r.claims, this.d.issuer);
    return { user: r.user, sid: r.claims.sid };
  }

  /** The latest logouts of a session, or those an app took part in, newest first, as reports. */
  async listLogouts(of: { sid: string } | { clientId: string }, limit: number) {
    const rows =
      'sid' in of
        ? await this.d.store.logouts.listBySid(of.sid, limit)
        : await this.d.store.logouts.listByParticipant(of.clientId, limit);
    const reports = [];
    for (const row of rows) reports.push(await this.d.logout.report(row.id));
    return reports.filter((r) => r !== undefined);
  }

  async findUser(key: string): Promise<UserRow> {
    const user = key.length <= 200 ? await this.d.store.users.findByIdOrUsername(key) : undefined;
    if (!user) throw notFound('no such user');
    return user;
  }

  /** One user as the admin API shows it. */
  async getUser(key: string) {
    const user = await this.findUser(key);
    return userView(user, await this.d.store.roles.list(user.id));
  }

  async revokeSignInSessions(user: UserRow, by: 'admin' | 'user', adminClientId?: string | null) {
    return this.d.logout.endUserSessions(user.id, {
      reason: by === 'admin' ? 'admin' : 'user',
      initiator: by,
      initiatorClientId: adminClientId ?? undefined,
      revokeOffline: true,
      revokeUserTokens: { userId: user.id },
    });
  }

  async invalidateAllRefreshTokens(user: UserRow): Promise<number> {
    return this.d.store.tokens.revokeRefresh({ user_id: user.id }, this.d.now(), 'invalidate_all');
  }

  async listSessions(user: UserRow, currentSid?: string): Promise<SessionView[]> {
    const now = this.d.now();
    const sessions = (await this.d.store.sessions.listActiveByUser(user.id)).filter(
      (s) => s.idle_expires_at > now && s.absolute_expires_at > now,
    );
    const participants = await this.d.store.sessions.listParticipantsOf(sessions.map((s) => s.sid));
    const clients = await this.d.clients.getMany([...new Set(participants.map((x) => x.client_id))]);
    const bindings = await this.d.store.federation.bindingsOf(sessions.map((s) => s.sid));
    const connections = new Map<string, { id: string; name: string }>();
    for (const id of new Set(bindings.map((b) => b.connection_id))) {
      // A connection removed since keeps its id as its name: the session still came from there.
      connections.set(id, { id, name: (await this.d.connections.get(id))?.name ?? id });
    }
    const through = new Map(bindings.map((b) => [b.sid, connections.get(b.connection_id)!]));
    return sessions.map((s) => ({
      sid: s.sid,
      created_at: iso(s.created_at),
      last_active_at: iso(s.last_active_at),
      expires_at: iso(Math.min(s.idle_expires_at, s.absolute_expires_at)),
      remember_me: s.remember_me,
      ip: s.ip,
      user_agent: s.user_agent,
      ...(currentSid !== undefined ? { current: s.sid === currentSid } : {}),
      connection: through.get(s.sid) ?? null,
      clients: participants
        .filter((x) => x.sid === s.sid)
        .map((x) => ({
          client_id: x.client_id,
          client_name: clients.get(x.client_id)?.name ?? x.client_id,
          first_at: iso(x.first_at),
          last_at: iso(x.last_at),
        })),
    }));
  }

  /**
   * The accounts of this browser (issue 19), current first, as the account page lists them: who, the opaque hint
   * its "Sign out" form sends, and the apps using each.
   */
  async browserAccounts(accounts: readonly BrowserAccount[]): Promise<BrowserAccountView[]> {
    const sids = accounts.map((a) => a.session.sid);
    const participants = await this.d.store.sessions.listParticipantsOf(sids);
    const clients = await this.d.clients.getMany([...new Set(participants.map((x) => x.client_id))]);
    const out: BrowserAccountView[] = [];
    for (const [i, a] of accounts.entries()) {
      const user = await this.d.store.users.findById(a.userId);
      if (!user) continue;
      out.push({
        sid: a.session.sid,
        value: loginHintFor(a.session),
        name: user.name ?? user.username,
        username: user.username,
        current: i === 0,
        apps: participants
          .filter((x) => x.sid === a.session.sid)
          .map((x) => clients.get(x.client_id)?.name ?? x.client_id),
      });
    }
    return out;
  }

  async endSession(sid: string, adminClientId: string | null): Promise<void> {
    const s = sid.length <= 100 ? await this.d.store.sessions.findBySid(sid) : undefined;
    if (!s) throw notFound('no such session');
    await this.d.logout.endSessions([s], {
      reason: 'admin',
      initiator: 'admin',
      initiatorClientId: adminClientId ?? undefined,
    });
  }

  /** A new password ends the user's sessions (all, or all but the one making the change) and refresh tokens. */
  async setPassword(user: UserRow, body: unknown, keep?: SessionRow['sid']): Promise<void> {
    const { password } = readParams(body, ['password'] as const, { password: 4096 });
    if (!password) throw invalidRequest('password is required');
    const problem = await this.d.accounts.passwordProblem(password, user);
    if (problem) throw invalidRequest(problem);
    await this.d.accounts.changePassword(user, password, {
      initiator: keep ? 'user' : 'admin',
      keepSid: keep,
    });
  }

  /** The current password is checked under the same limiter as the login form (per account and per IP). */
  async changeOwnPassword(user: UserRow, sid: string | undefined, body: unknown, ip: string): Promise<void> {
    const { current_password: current } = readParams(body, ['current_password'] as const, {
      current_password: 1024,
    });
    if (!current) throw invalidRequest('current_password is missing');
    const attempt = await this.d.throttle.checkPassword(user.username, ip, this.d.now(), () =>
      this.d.users.authenticate(user.username, current),
    );
    if (attempt.outcome === 'throttled') throw tooManyAttempts(attempt.retryAfterSeconds);
    if (attempt.outcome === 'wrong') {
      throw new OAuthError('invalid_request', 'current_password is not correct', 400);
    }
    const { new_password: password } = readParams(body, ['new_password'] as const, { new_password: 1024 });
    await this.setPassword(user, { password }, sid);
  }

  /** Lift a lockout after too many failed passwords (the lock would also expire on its own). */
  async unlock(user: UserRow): Promise<void> {
    await this.d.throttle.unlock(user.username);
  }

  async setDisabled(user: UserRow, disabled: boolean, adminClientId: string | null): Promise<void> {
    await this.d.users.setDisabled(user.id, disabled);
    if (disabled) {
      await this.d.logout.endUserSessions(user.id, {
        reason: 'disabled',
        initiator: 'admin',
        initiatorClientId: adminClientId ?? undefined,
        revokeOffline: true,
        revokeUserTokens: { userId: user.id },
      });
    }
  }

  /** Invite a person by email (an account and a mailed set-password link); 409 if the address is taken. */
  async invite(body: unknown) {
    const user = await asApiError(() => this.d.accounts.invite(body));
    return userView(user, []);
  }

  /** Delete a user: sessions end (reason account_deleted, apps told), then the personal data goes. */
  async deleteUser(user: UserRow, adminClientId: string | null): Promise<void> {
    await this.d.accounts.deleteUser(user, { initiator: 'admin', adminClientId });
  }

  /** A user's own data (`GET /api/v1/me`): profile, roles, grants to apps, linked accounts, live sessions. */
  async exportMe(user: UserRow, sid: string | undefined) {
    const data = await this.d.store.accounts.personalData(user.id);
    const clients = await this.d.clients.getMany(data.consents.map((c) => c.client_id));
    return {
      ...userView(user, data.roles),
      password_changed_at: iso(user.password_changed_at),
      consents: data.consents.map((c) => ({
        client_id: c.client_id,
        client_name: clients.get(c.client_id)?.name ?? c.client_id,
        scope: c.scope,
        granted_at: iso(c.granted_at),
      })),
      linked_accounts: data.links.map((l) => ({
        connection_id: l.connection_id,
        issuer: l.upstream_iss,
        linked_at: iso(l.created_at),
        last_sign_in_at: iso(l.last_login_at),
      })),
      sessions: await this.listSessions(user, sid ?? ''),
    };
  }

  /** `PATCH /api/v1/me`: change one's display name; anything else is a 400 naming the field. */
  async updateMe(user: UserRow, body: unknown) {
    const updated = await asApiError(() => this.d.accounts.updateProfile(user, body));
    return userView(updated, await this.d.store.roles.list(user.id));
  }
}

/** A user as the management API shows it (never the password hash). */
export function userView(u: UserRow, roles: string[]) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    email_verified: u.email_verified,
    name: u.name,
    disabled: u.disabled,
    roles,
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
  };
}
