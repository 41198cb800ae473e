import type { Store } from '../store/store.js';
import type { ClientRow } from '../store/repos/clients.js';
import type { MfaPolicy } from './acr.js';
import { MANAGEMENT_SCOPES, clientMetadataSchema, type ClientMetadata } from './client-metadata.js';
import { DEFAULT_SIGNING_ALG, type SigningAlg } from '../keys/algorithms.js';
import { digest, safeEqual } from '../util/crypto.js';
import { TtlCache } from '../util/ttl-cache.js';
import { matchesLoopbackRedirect } from './loopback-redirect.js';

/** Where a client came from: `admin` is the admin API (and the console on it). */
export type ClientSource = 'config' | 'registration' | 'cli' | 'admin';

/** A registered client: its metadata and the rules that follow from it. */
export class Client {
  readonly authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly allowedScopes: ReadonlySet<string>;
  /** Origins of the redirect URIs: the only origins allowed to call our CORS endpoints for this client. */
  readonly origins: ReadonlySet<string>;

  constructor(
    readonly metadata: ClientMetadata,
    readonly secretDigest: string | null,
    readonly source: ClientSource,
  ) {
    this.authMethod = metadata.token_endpoint_auth_method ?? (secretDigest ? 'client_secret_basic' : 'none');
    this.allowedScopes = allowedScopesFor(metadata, source);
    this.origins = new Set(
      metadata.redirect_uris.flatMap((u) => {
        const o = new URL(u).origin;
        return o === 'null' ? [] : [o];
      }),
    );
  }

  get id(): string {
    return this.metadata.client_id;
  }
  get name(): string {
    return this.metadata.client_name ?? this.metadata.client_id;
  }

  /**
   * Whether the app's login page offers passwords (and with them sign-up and reset), or only its upstream
   * connections (docs/federation.md): an enterprise app may require its users to come through their own IdP.
   */
  get passwordLogin(): boolean {
    return this.metadata.password_login !== false;
  }

  /** The app's second-factor policy (docs/mfa.md). */
  get mfa(): MfaPolicy {
    return this.metadata.mfa ?? 'optional';
  }
  get isPublic(): boolean {
    return this.authMethod === 'none';
  }

  /** The alg of the app's ID tokens and logout tokens (`id_token_signed_response_alg`, OIDC Registration §2). */
  get idTokenAlg(): SigningAlg {
    return this.metadata.id_token_signed_response_alg ?? DEFAULT_SIGNING_ALG;
  }
  allowsGrant(grant: string): boolean {
    return (this.metadata.grant_types as readonly string[]).includes(grant);
  }
  /**
   * Exact string match (RFC 9700 §2.1): no prefix, wildcard or normalisation; only the port of a loopback IP
   * redirect URI may differ (RFC 8252 §7.3).
   */
  hasRedirectUri(uri: string): boolean {
    return this.metadata.redirect_uris.some((r) => r === uri || matchesLoopbackRedirect(r, uri));
  }
  hasPostLogoutRedirectUri(uri: string): boolean {
    return this.metadata.post_logout_redirect_uris.includes(uri);
  }
  checkSecret(secret: string): boolean {
    return this.secretDigest !== null && safeEqual(digest(secret), this.secretDigest);
  }

  static fromRow(row: ClientRow): Client {
    return new Client(
      JSON.parse(row.metadata) as ClientMetadata,
      row.secret_digest,
      row.source as ClientSource,
    );
  }

  /** Stored form: the secret never sits in the metadata column, only its digest beside it. */
  static toRow(
    metadata: ClientMetadata,
    source: ClientSource,
    now: number,
    registrationToken?: string,
  ): ClientRow {
    const { client_secret, ...rest } = metadata;
    return {
      client_id: metadata.client_id,
      metadata: JSON.stringify(rest),
      secret_digest: client_secret ? digest(client_secret) : null,
      source,
      registration_token_digest: registrationToken ? digest(registrationToken) : null,
      created_at: now,
      updated_at: now,
    };
  }
}

/**
 * The scopes a client may be granted. A dynamically registered client never holds a management scope, even if
 * its stored metadata lists one (registration refuses them today; this also disarms rows registered before).
 */
export function allowedScopesFor(metadata: ClientMetadata, source: ClientSource): ReadonlySet<string> {
  const scopes = metadata.scope.split(' ');
  return new Set(source === 'registration' ? scopes.filter((s) => !MANAGEMENT_SCOPES.has(s)) : scopes);
}

/**
 * Client lookups with a short in-process cache: clients are read on every authorization and token request but
 * change rarely. A change made by another process is seen within `ttlMs`.
 */
export class ClientRegistry {
  private readonly cache: TtlCache<Client | undefined>;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    ttlMs = 5_000,
  ) {
    this.cache = new TtlCache(now, ttlMs);
  }

  get(clientId: string): Promise<Client | undefined> {
    return this.cache.get(clientId, async () => {
      const row = await this.store.clients.find(clientId);
      return row ? Client.fromRow(row) : undefined;
    });
  }

  async getMany(clientIds: readonly string[]): Promise<Map<string, Client>> {
    const out = new Map<string, Client>();
    const missing: string[] = [];
    for (const id of clientIds) {
      const hit = this.cache.peek(id)?.value;
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    for (const row of await this.store.clients.findMany(missing)) {
      const client = Client.fromRow(row);
      this.cache.set(client.id, client);
      out.set(client.id, client);
    }
    return out;
  }

  forget(clientId: string): void {
    this.cache.delete(clientId);
  }

  /** Make the store hold exactly the config file's clients (other sources are left alone). */
  async syncFromConfig(clients: readonly ClientMetadata[]): Promise<void> {
    const now = this.now();
    await this.store.transaction(async (tx) => {
      for (const c of clients)
        await tx.clients.upsert(Client.toRow(clientMetadataSchema.parse(c), 'config', now));
      await tx.clients.deleteConfigClientsExcept(clients.map((c) => c.client_id));
    });
    this.cache.clear();
  }
}
