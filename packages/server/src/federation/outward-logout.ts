import * as oc from 'openid-client';
import type { UpstreamLogoutReport } from '../logout/report-types.js';
import type { SessionUpstreamRow, UpstreamLogoutRow } from '../store/repos/federation.js';
import { digest } from '../util/crypto.js';
import { connectionUrls } from './connection-config.js';
import type { FederationDeps } from './federation-types.js';

/**
 * Logouts that go to an upstream provider (outward): what ending our session means at the upstream it was
 * signed in through (planned with the logout, per connection policy), the step the receipt takes there, and its
 * row on the receipt.
 */
export class OutwardLogout {
  constructor(private readonly d: FederationDeps) {}

  /**
   * Record, for SSO sessions that just ended, what will happen at their upstreams, so the receipt and the logout
   * record can tell the truth about it. Only a browser that is present can be sent to the upstream's
   * end_session; a logout that came from the upstream never goes back there. `bindings` are the sessions'
   * upstream bindings, read by the logout path with its plan (sessions without one have no upstream part).
   */
  async planUpstreamLogouts(
    ended: readonly { logoutId: string; sid: string }[],
    bindings: readonly SessionUpstreamRow[],
    why: { reason: string; browserPresent: boolean; federated: boolean },
  ): Promise<ReadonlySet<string>> {
    if (ended.length === 0 || bindings.length === 0) return new Set();
    const now = this.d.now();
    const rows: UpstreamLogoutRow[] = [];
    for (const e of ended) {
      const binding = bindings.find((b) => b.sid === e.sid);
      if (!binding) continue;
      const connection = await this.d.registry.get(binding.connection_id);
      const name = connection?.name ?? binding.connection_id;
      let status = 'pending';
      let detail: string | null = null;
      if (why.reason === 'upstream') {
        status = 'not_attempted';
        detail = `the sign-out came from ${name}`;
      } else if (!connection || connection.type !== 'oidc' || !binding.end_session_endpoint) {
        status = 'not_attempted';
        detail = `${name} offers no way to sign out from here: you may still be signed in there`;
      } else if (connection.logout === 'local' && !why.federated) {
        status = 'not_attempted';
        detail = `you may still be signed in at ${name}`;
      } else if (!why.browserPresent) {
        status = 'not_attempted';
        detail = `ending the session at ${name} needs your browser: you may still be signed in there`;
      }
      rows.push({
        logout_id: e.logoutId,
        sid: e.sid,
        connection_id: binding.connection_id,
        status,
        detail,
        state_digest: null,
        created_at: now,
        updated_at: now,
      });
    }
    await this.d.store.federation.insertUpstreamLogouts(rows);
    return new Set(rows.map((r) => r.logout_id));
  }

  /** The connections bound to these logouts' sessions that protect shared devices. */
  async reauthConnectionsOf(logoutIds: readonly string[]): Promise<string[]> {
    const rows = await this.d.store.federation.upstreamLogoutsOf(logoutIds);
    const out: string[] = [];
    for (const r of rows) {
      if (r.status === 'ended') continue;
      const c = await this.d.registry.get(r.connection_id);
      if (c?.reauthenticate_after_logout) out.push(c.id);
    }
    return out;
  }

  /** The upstream part of a logout, for the receipt and the logout record. */
  async upstreamReport(logoutId: string): Promise<UpstreamLogoutReport | undefined> {
    const row = await this.d.store.federation.findUpstreamLogout(logoutId);
    if (!row) return undefined;
    const connection = await this.d.registry.get(row.connection_id);
    return {
      connection_id: row.connection_id,
      name: connection?.name ?? row.connection_id,
      status: row.status as UpstreamLogoutReport['status'],
      detail: row.detail,
    };
  }

  /**
   * After the receipt: if this logout's upstream session should end, the URL that ends it (with a live ID token
   * as id_token_hint: a stored one that expired is refreshed first; without one, client_id and logout_hint).
   * An upstream that cannot be reached is recorded as not ended, and the caller lets the person go on.
   */
  async upstreamStep(
    logoutId: string,
  ): Promise<{ kind: 'redirect'; url: string } | { kind: 'unreachable'; name: string } | undefined> {
    const row = await this.d.store.federation.findUpstreamLogout(logoutId);
    if (row?.status !== 'pending' || row.state_digest) return undefined;
    const binding = await this.d.store.federation.findSessionBinding(row.sid);
    const client = await this.d.registry.client(row.connection_id);
    const now = this.d.now();
    const settle = (status: string, detail: string | null) =>
      this.d.store.federation.settleUpstreamLogout(logoutId, ['pending'], { status, detail }, now);
    if (!binding || !client) {
      await settle('not_attempted', 'the sign-in option no longer exists');
      return undefined;
    }
    const name = client.connection.name;
    let idToken = binding.id_token ?? undefined;
    if (idToken && (binding.id_token_expires_at ?? 0) <= now + 30_000) {
      idToken = undefined;
      // keycloak#10164: an expired hint breaks upstream logout. Refresh it while the refresh token still works.
      const fresh = binding.refresh_token ? await client.refreshIdToken(binding.refresh_token) : undefined;
      if (fresh) {
        idToken = fresh.idToken;
        await this.d.store.federation.updateTokens(binding.sid, {
          id_token: fresh.idToken,
          id_token_expires_at: fresh.expiresAt,
          refresh_token: fresh.refreshToken ?? binding.refresh_token,
        });
      }
    }
    const state = oc.randomState();
    let url: URL | undefined;
    try {
      url = await client.endSessionUrl({
        idTokenHint: idToken,
        logoutHint: binding.upstream_sub,
        postLogoutRedirectUri: connectionUrls(this.d.issuer, client.connection.id).loggedOut,
        state,
      });
      if (url) await this.d.registry.probe(url);
    } catch {
      await settle('not_ended', `${name} did not answer: you may still be signed in there`);
      return { kind: 'unreachable', name };
    }
    if (!url) {
      await settle(
        'not_attempted',
        `${name} offers no way to sign out from here: you may still be signed in there`,
      );
      return undefined;
    }
    const moved = await this.d.store.federation.settleUpstreamLogout(
      logoutId,
      ['pending'],
      { status: 'pending', detail: null, state_digest: digest(state) },
      now,
    );
    return moved ? { kind: 'redirect', url: url.href } : undefined;
  }

  /** The upstream sent the browser back to `logged-out`: its session ended. Returns the logout it belonged to. */
  async upstreamLoggedOut(connectionId: string, state: string | undefined): Promise<string | undefined> {
    if (!state || state.length > 512) return undefined;
    const row = await this.d.store.federation.findUpstreamLogoutByState(digest(state));
    if (row?.connection_id !== connectionId) return undefined;
    const ok = await this.d.store.federation.settleUpstreamLogout(
      row.logout_id,
      ['pending'],
      { status: 'ended', detail: null, state_digest: null },
      this.d.now(),
    );
    return ok ? row.logout_id : undefined;
  }
}
