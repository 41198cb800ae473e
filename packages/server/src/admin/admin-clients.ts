import { Client } from '../domain/clients.js';
import { clientMetadataSchema, describeIssue } from '../domain/client-metadata.js';
import { OAuthError, notFound } from '../protocol/errors.js';
import { readParams } from '../protocol/params.js';
import { randomToken } from '../util/crypto.js';
import type { AdminServiceDeps } from './admin-service-deps.js';

/** What the console's client operations read and call. */
export type AdminClientsDeps = Pick<AdminServiceDeps, 'now' | 'clients'> & {
  store: Pick<AdminServiceDeps['store'], 'clients'>;
};

/**
 * Clients as the console lists and edits them: logout URIs (a stale form fails instead of overwriting) and a
 * secret shown once. Clients from the config file are edited there, never here.
 */
export class AdminClients {
  constructor(private readonly d: AdminClientsDeps) {}

  async list() {
    const rows = await this.d.store.clients.list();
    return rows.map((r) => clientView(Client.fromRow(r), r.updated_at));
  }

  async get(clientId: string) {
    const row = clientId.length <= 200 ? await this.d.store.clients.find(clientId) : undefined;
    if (!row) throw notFound('no such client');
    return clientView(Client.fromRow(row), row.updated_at);
  }

  /**
   * Change a client's logout URIs. `if_updated_at` (from the form the admin saw) makes a stale form fail with
   * 409 instead of overwriting another admin's change. Clients from the config file are edited there.
   */
  async updateLogoutUris(clientId: string, body: unknown) {
    const row = clientId.length <= 200 ? await this.d.store.clients.find(clientId) : undefined;
    if (!row) throw notFound('no such client');
    const b = readParams(
      body,
      [
        'backchannel_logout_uri',
        'frontchannel_logout_uri',
        'post_logout_redirect_uris',
        'if_updated_at',
      ] as const,
      {
        backchannel_logout_uri: 2000,
        frontchannel_logout_uri: 2000,
        post_logout_redirect_uris: 8000,
        if_updated_at: 40,
      },
    );
    if (row.source === 'config') {
      throw new OAuthError(
        'invalid_request',
        'this client is defined in the config file; change it there',
        409,
      );
    }
    if (b.if_updated_at !== undefined && b.if_updated_at !== new Date(row.updated_at).toISOString()) {
      throw new OAuthError(
        'invalid_request',
        'the client was changed since this form was loaded; reload it and apply your change again',
        409,
      );
    }
    const client = Client.fromRow(row);
    const { backchannel_logout_uri: _b, frontchannel_logout_uri: _f, ...rest } = client.metadata;
    const next = {
      ...rest,
      ...(b.backchannel_logout_uri ? { backchannel_logout_uri: b.backchannel_logout_uri } : {}),
      ...(b.frontchannel_logout_uri ? { frontchannel_logout_uri: b.frontchannel_logout_uri } : {}),
      post_logout_redirect_uris: (b.post_logout_redirect_uris ?? '').split(/\s+/).filter(Boolean),
    };
    const parsed = clientMetadataSchema.safeParse(next);
    if (!parsed.success) {
      throw new OAuthError('invalid_client_metadata', describeIssue(parsed.error), 400);
    }
    const now = Math.max(this.d.now(), row.updated_at + 1);
    await this.d.store.clients.upsert({
      ...row,
      metadata: JSON.stringify(parsed.data),
      updated_at: now,
    });
    this.d.clients.forget(clientId);
    return clientView(new Client(parsed.data, row.secret_digest, client.source), now);
  }

  /** A new client secret, shown once; the old one stops working at once. */
  async rotateSecret(clientId: string) {
    const row = clientId.length <= 200 ? await this.d.store.clients.find(clientId) : undefined;
    if (!row) throw notFound('no such client');
    if (row.source === 'config') {
      throw new OAuthError(
        'invalid_request',
        'this client is defined in the config file; change it there',
        409,
      );
    }
    if (!row.secret_digest) throw new OAuthError('invalid_request', 'a public client has no secret', 409);
    const secret = randomToken(32);
    const metadata = { ...(JSON.parse(row.metadata) as object), client_secret: secret };
    const fresh = Client.toRow(
      clientMetadataSchema.parse(metadata),
      row.source as Client['source'],
      this.d.now(),
    );
    await this.d.store.clients.upsert({
      ...row,
      secret_digest: fresh.secret_digest,
      updated_at: Math.max(this.d.now(), row.updated_at + 1),
    });
    this.d.clients.forget(clientId);
    return { client_id: clientId, client_secret: secret };
  }
}

function clientView(c: Client, updatedAt: number) {
  const m = c.metadata;
  return {
    client_id: c.id,
    client_name: c.name,
    source: c.source,
    public: c.isPublic,
    redirect_uris: m.redirect_uris,
    post_logout_redirect_uris: m.post_logout_redirect_uris,
    backchannel_logout_uri: m.backchannel_logout_uri ?? null,
    frontchannel_logout_uri: m.frontchannel_logout_uri ?? null,
    grant_types: m.grant_types,
    scope: m.scope,
    updated_at: new Date(updatedAt).toISOString(),
  };
}
