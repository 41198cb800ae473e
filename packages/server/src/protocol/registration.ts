import type { Config } from '../config/schema.js';
import type { ClientsRepo } from '../store/repos/clients.js';
import { Client } from '../domain/clients.js';
import { describeIssue, registrationMetadataSchema, type ClientMetadata } from '../domain/client-metadata.js';
import {
  rejectInternalUris,
  rejectManagementScopes,
  rejectOperatorOnlyFields,
} from './registration/check-operator-metadata.js';
import { digest, randomToken, safeEqual } from '../util/crypto.js';
import { OAuthError, invalidClientMetadata, invalidRedirectUri, invalidToken } from './errors.js';

/** What registration needs, wired by its route: the clients table, the registry's cache, its config slice. */
export interface RegistrationDeps {
  clients: Pick<ClientsRepo, 'upsert' | 'find' | 'delete'>;
  /** Drop a deleted client from the registry's cache. */
  forget(clientId: string): void;
  settings: Pick<Config['registration'], 'initial_access_token' | 'allow_private_network'>;
  /** Whether the provider signs with an alg a client asks for (`keys.algorithms`). */
  offersAlg(alg: string): boolean;
  issuer: string;
  now: () => number;
}

/**
 * Dynamic Client Registration (RFC 7591) behind an initial access token, and the read/delete half of its
 * management protocol (RFC 7592) behind the registration access token it hands out.
 */
export class Registration {
  constructor(private readonly d: RegistrationDeps) {}

  checkInitialAccessToken(token: string | undefined): void {
    const expected = this.d.settings.initial_access_token;
    if (!expected) throw new OAuthError('not_found', 'dynamic client registration is disabled', 404);
    if (!token || !safeEqual(token, expected)) throw invalidToken('a valid initial access token is required');
  }

  async register(body: unknown): Promise<Record<string, unknown>> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidClientMetadata('the body must be a JSON object of client metadata');
    }
    const input = { ...(body as Record<string, unknown>) };
    delete input.client_id; // assigned by us (RFC 7591 §3.2.1)
    rejectManagementScopes(input);
    rejectOperatorOnlyFields(input);
    const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
    const secret = method === 'none' ? undefined : randomToken(32);
    const parsed = registrationMetadataSchema.safeParse({
      ...input,
      client_id: `dyn_${randomToken(12)}`,
      client_secret: secret,
      token_endpoint_auth_method: method,
    });
    if (!parsed.success) {
      const text = describeIssue(parsed.error);
      throw /redirect_uris/.test(text.split(':')[0] ?? '')
        ? invalidRedirectUri(text)
        : invalidClientMetadata(text);
    }
    const metadata = parsed.data as ClientMetadata;
    const alg = metadata.id_token_signed_response_alg;
    if (alg && !this.d.offersAlg(alg)) {
      throw invalidClientMetadata(`id_token_signed_response_alg: ${alg} is not offered by this provider`);
    }
    if (!this.d.settings.allow_private_network) rejectInternalUris(metadata);
    const registrationToken = randomToken(32);
    const now = this.d.now();
    await this.d.clients.upsert(Client.toRow(metadata, 'registration', now, registrationToken));
    return {
      ...metadata,
      client_id_issued_at: Math.floor(now / 1000),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      registration_access_token: registrationToken,
      registration_client_uri: `${this.d.issuer}/register/${encodeURIComponent(metadata.client_id)}`,
    };
  }

  private async authorized(clientId: string, token: string | undefined) {
    const row = await this.d.clients.find(clientId);
    if (
      !row ||
      !row.registration_token_digest ||
      !token ||
      !safeEqual(digest(token), row.registration_token_digest)
    ) {
      // RFC 7592 §2.1: an unknown client and a bad token look the same.
      throw invalidToken('the registration access token is not valid for this client');
    }
    return row;
  }

  async read(clientId: string, token: string | undefined): Promise<Record<string, unknown>> {
    const row = await this.authorized(clientId, token);
    return {
      ...JSON.parse(row.metadata),
      client_id_issued_at: Math.floor(row.created_at / 1000),
      registration_client_uri: `${this.d.issuer}/register/${encodeURIComponent(clientId)}`,
    };
  }

  async delete(clientId: string, token: string | undefined): Promise<void> {
    await this.authorized(clientId, token);
    await this.d.clients.delete(clientId);
    this.d.forget(clientId);
  }
}
