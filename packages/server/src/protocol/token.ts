import type { Provider } from '../provider.js';
import type { Client } from '../domain/clients.js';
import type { SessionRow } from '../domain/sessions.js';
import { userClaims } from '../domain/users.js';
import type { AuthCodeRow, RefreshTokenRow } from '../store/repos/tokens.js';
import type { UserRow } from '../store/repos/users.js';
import { digest, randomToken } from '../util/crypto.js';
import {
  invalidGrant,
  invalidRequest,
  invalidScope,
  unauthorizedClient,
  unsupportedGrantType,
} from './errors.js';
import { readParams, splitScope } from './params.js';
import { verifyPkce } from './pkce.js';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** The token endpoint's grants (RFC 6749 §4.1.3, §6, §4.4) for an already authenticated client. */
export class TokenGrants {
  constructor(private readonly p: Provider) {}

  async handle(client: Client, body: unknown): Promise<TokenResponse> {
    const { grant_type } = readParams(body, ['grant_type'] as const);
    if (!grant_type) throw invalidRequest('grant_type is missing');
    switch (grant_type) {
      case 'authorization_code':
        return this.authorizationCode(client, body);
      case 'refresh_token':
        return this.refreshToken(client, body);
      case 'client_credentials':
        return this.clientCredentials(client, body);
      default:
        throw unsupportedGrantType(`grant_type ${grant_type} is not supported`);
    }
  }

  private requireGrant(client: Client, grant: string) {
    if (!client.allowsGrant(grant)) throw unauthorizedClient(`this client may not use the ${grant} grant`);
  }

  private async authorizationCode(client: Client, body: unknown): Promise<TokenResponse> {
    this.requireGrant(client, 'authorization_code');
    const p = readParams(body, ['code', 'redirect_uri', 'code_verifier'] as const);
    if (!p.code) throw invalidRequest('code is missing');
    const now = this.p.now();
    const codeDigest = digest(p.code);
    const code = await this.p.store.tokens.findCode(codeDigest);
    if (!code || code.client_id !== client.id) throw invalidGrant('the authorization code is invalid');
    if (code.consumed_at !== null) {
      await this.revokeWhatCodeIssued(code);
      throw invalidGrant('the authorization code was already used; tokens issued with it are revoked');
    }
    if (code.expires_at <= now) throw invalidGrant('the authorization code has expired');
    // RFC 6749 §4.1.3: redirect_uri must be present and identical when it was in the authorization request.
    if (p.redirect_uri !== code.redirect_uri)
      throw invalidGrant('redirect_uri does not match the authorization request');
    if (code.code_challenge) {
      if (!p.code_verifier) throw invalidGrant('code_verifier is required (PKCE)');
      if (!verifyPkce(p.code_verifier, code.code_challenge))
        throw invalidGrant('code_verifier does not match (PKCE)');
    } else if (p.code_verifier) {
      throw invalidGrant('code_verifier sent but the authorization request had no code_challenge');
    }
    const session = await this.liveSession(code.sid);
    if (!session) throw invalidGrant('the sign-in session has ended');

    const scopes = splitScope(code.scope);
    // Sign first, then write everything in one transaction: one commit per exchange, and a lost race leaves
    // nothing of the loser behind.
    const issued = await this.mint(client, {
      userId: code.user_id,
      session,
      scopes,
      authTime: code.auth_time,
      nonce: code.nonce,
      familyId: client.allowsGrant('refresh_token') ? `fam_${randomToken(12)}` : null,
      familyExpiresAt: now + this.p.config.ttl.refresh_token * 1000,
    });
    const consumed = await this.p.store.transaction(async (tx) => {
      const won = await tx.tokens.consumeCode(codeDigest, now, {
        family_id: issued.familyId,
        access_jti: issued.accessJti,
        access_expires_at: issued.accessExpiresAt,
      });
      if (!won) return false;
      if (issued.refresh) await tx.tokens.insertRefresh(issued.refresh);
      await this.p.sessions.recordParticipant(session.sid, client.id, tx);
      return true;
    });
    if (!consumed) {
      // Two exchanges raced: the loser's tokens were never stored, and the winner's must not survive either
      // (a code used twice revokes what it issued, RFC 6749 §4.1.2, however close together the uses were).
      const winner = await this.p.store.tokens.findCode(codeDigest);
      if (winner) await this.revokeWhatCodeIssued(winner);
      throw invalidGrant('the authorization code was already used');
    }
    return issued.response;
  }

  /** RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what the first exchange produced. */
  private async revokeWhatCodeIssued(code: AuthCodeRow) {
    const now = this.p.now();
    if (code.family_id)
      await this.p.store.tokens.revokeRefresh({ family_id: code.family_id }, now, 'code_reuse');
    if (code.access_jti && code.access_expires_at) {
      await this.p.store.tokens.denyAccessTokens([
        { jti: code.access_jti, expires_at: code.access_expires_at },
      ]);
    }
  }

  private async refreshToken(client: Client, body: unknown): Promise<TokenResponse> {
    this.requireGrant(client, 'refresh_token');
    const p = readParams(body, ['refresh_token', 'scope'] as const);
    if (!p.refresh_token) throw invalidRequest('refresh_token is missing');
    const now = this.p.now();
    const tokenDigest = digest(p.refresh_token);
    const rt = await this.p.store.tokens.findRefresh(tokenDigest);
    if (!rt || rt.client_id !== client.id) throw invalidGrant('the refresh token is invalid');
    if (rt.revoked_at !== null) throw invalidGrant('the refresh token has been revoked');
    if (rt.used_at !== null) {
      await this.p.store.tokens.revokeRefresh({ family_id: rt.family_id }, now, 'refresh_reuse');
      throw invalidGrant('the refresh token was already used; its whole family is now revoked');
    }
    if (rt.expires_at <= now) throw invalidGrant('the refresh token has expired');
    const session = rt.sid ? await this.liveSession(rt.sid) : undefined;
    if (!rt.offline && !session) throw invalidGrant('the sign-in session has ended');
    // Disabling a user revokes their refresh tokens, so a short-lived cached row is safe here.
    const user = await this.p.users.findCached(rt.user_id);
    if (!user || user.disabled) throw invalidGrant('the user is no longer active');

    const granted = splitScope(rt.scope);
    let scopes = granted;
    if (p.scope !== undefined) {
      scopes = splitScope(p.scope);
      if (scopes.some((s) => !granted.includes(s)))
        throw invalidScope('scope exceeds what was originally granted');
    }
    const issued = await this.mint(client, {
      userId: rt.user_id,
      session,
      scopes,
      grantedScopes: granted,
      authTime: rt.auth_time,
      nonce: null,
      familyId: rt.family_id,
      familyExpiresAt: rt.expires_at,
      offline: rt.offline === 1,
      user,
    });
    // Rotation in one transaction: the presented token is used, its successor stored, one commit.
    const rotated = await this.p.store.transaction(async (tx) => {
      if (!(await tx.tokens.markRefreshUsed(tokenDigest, now))) return false;
      if (issued.refresh) await tx.tokens.insertRefresh(issued.refresh);
      if (session) await this.p.sessions.recordParticipant(session.sid, client.id, tx);
      return true;
    });
    if (!rotated) {
      await this.p.store.tokens.revokeRefresh({ family_id: rt.family_id }, now, 'refresh_reuse');
      throw invalidGrant('the refresh token was already used; its whole family is now revoked');
    }
    if (session) await this.p.sessions.touch(session);
    // A racing reuse of the same token may have revoked the family before our successor was stored: then the
    // successor must die with it (RFC 9700 §4.14.2), not slip through the gap.
    // SQLite has one writer, so no revocation can interleave; on PostgreSQL it can.
    if (this.p.store.engine === 'postgres' && !(await this.p.store.tokens.rotationHolds(tokenDigest))) {
      await this.p.store.tokens.revokeRefresh({ family_id: rt.family_id }, this.p.now(), 'refresh_reuse');
      throw invalidGrant('the refresh token was already used; its whole family is now revoked');
    }
    return issued.response;
  }

  private async clientCredentials(client: Client, body: unknown): Promise<TokenResponse> {
    this.requireGrant(client, 'client_credentials');
    const p = readParams(body, ['scope'] as const);
    const requested = splitScope(p.scope);
    const bad = requested.find(
      (s) => !client.allowedScopes.has(s) || s === 'openid' || s === 'offline_access',
    );
    if (bad) throw invalidScope(`scope ${bad} is not allowed for this client`);
    const ttl = this.p.config.ttl.access_token;
    const at = await this.p.signer.accessToken(
      { sub: client.id, aud: this.p.issuer, client_id: client.id, scope: requested.join(' ') },
      this.p.now(),
      ttl,
    );
    return { access_token: at.token, token_type: 'Bearer', expires_in: ttl, scope: requested.join(' ') };
  }

  private async liveSession(sid: string): Promise<SessionRow | undefined> {
    return this.p.logout.keepIfLive(await this.p.store.sessions.findBySid(sid));
  }

  /** Sign the tokens of a grant and build the refresh token row; writes nothing. */
  private async mint(client: Client, g: GrantInput): Promise<Issued> {
    const now = this.p.now();
    const ttl = this.p.config.ttl;
    const scopeSet = new Set(g.scopes);
    const sid = g.session?.sid;
    const at = await this.p.signer.accessToken(
      {
        sub: g.userId,
        aud: this.p.issuer,
        client_id: client.id,
        scope: g.scopes.join(' '),
        auth_time: Math.floor(g.authTime / 1000),
        ...(sid ? { sid } : {}),
      },
      now,
      ttl.access_token,
    );
    const response: TokenResponse = {
      access_token: at.token,
      token_type: 'Bearer',
      expires_in: ttl.access_token,
      scope: g.scopes.join(' '),
    };
    if (scopeSet.has('openid')) {
      const user = g.user ?? (await this.p.users.findCached(g.userId));
      if (!user || user.disabled) throw invalidGrant('the user is no longer active');
      response.id_token = await this.p.signer.idToken(
        {
          ...userClaims(user, scopeSet),
          sub: g.userId,
          aud: client.id,
          azp: client.id,
          auth_time: Math.floor(g.authTime / 1000),
          ...(sid ? { sid } : {}),
          ...(g.nonce ? { nonce: g.nonce } : {}),
        },
        now,
        ttl.id_token,
        at.token,
      );
    }
    let refresh: RefreshTokenRow | undefined;
    if (g.familyId) {
      const token = randomToken(32);
      const offline = g.offline ?? (g.grantedScopes ?? g.scopes).includes('offline_access');
      refresh = {
        token_digest: digest(token),
        family_id: g.familyId,
        client_id: client.id,
        user_id: g.userId,
        // Offline tokens keep the sid for reporting but do not depend on the session staying alive.
        sid: sid ?? null,
        // Down-scoping on refresh narrows this access token, not the family's grant.
        scope: (g.grantedScopes ?? g.scopes).join(' '),
        offline: offline ? 1 : 0,
        auth_time: g.authTime,
        created_at: now,
        expires_at: g.familyExpiresAt,
        used_at: null,
        revoked_at: null,
        revoke_reason: null,
        access_jti: at.jti,
        access_expires_at: at.expiresAt,
      };
      response.refresh_token = token;
    }
    return { response, refresh, familyId: g.familyId, accessJti: at.jti, accessExpiresAt: at.expiresAt };
  }
}

interface GrantInput {
  userId: string;
  session: SessionRow | undefined;
  scopes: string[];
  grantedScopes?: string[];
  authTime: number;
  nonce: string | null;
  familyId: string | null;
  familyExpiresAt: number;
  offline?: boolean;
  user?: UserRow;
}

interface Issued {
  response: TokenResponse;
  /** The refresh token row to store, if the grant gets one. */
  refresh?: RefreshTokenRow | undefined;
  familyId: string | null;
  accessJti: string;
  accessExpiresAt: number;
}
