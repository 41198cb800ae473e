import type { ClientsRepo } from '../store/repos/clients.js';
import { Client, type ClientRegistry, type ClientSource } from '../domain/clients.js';
import { clientMetadataSchema, describeIssue, type ClientMetadata } from '../domain/client-metadata.js';
import { defaultPostLogoutRedirectUris } from '../cli/client-defaults.js';
import { OAuthError, invalidRequest } from '../protocol/errors.js';
import { randomToken } from '../util/crypto.js';

/** What an operator gives to register a client (the CLI's `client add`, `POST /api/v1/clients`, the console). */
export interface NewClient {
  client_id: string;
  client_name?: string | undefined;
  redirect_uris: string[];
  /** Absent: what our SDKs send by default (cli/client-defaults.ts). */
  post_logout_redirect_uris?: string[] | undefined;
  backchannel_logout_uri?: string | undefined;
  frontchannel_logout_uri?: string | undefined;
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'client_secret_post';
}

const FIELDS = [
  'client_id',
  'client_name',
  'redirect_uris',
  'post_logout_redirect_uris',
  'backchannel_logout_uri',
  'frontchannel_logout_uri',
  'token_endpoint_auth_method',
] as const;
const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
/** Bounds that keep one request small; the metadata schema applies the real rules afterwards. */
const MAX_STRING = 2000;
const MAX_URIS = 50;

/** Read `POST /api/v1/clients`'s JSON body: known fields only, each of the right JSON type, bounded. */
export function readNewClient(body: unknown): NewClient {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object describing the client');
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length) {
    throw invalidRequest(`unknown field ${unknown[0]!.slice(0, 60)}; the fields are ${FIELDS.join(', ')}`);
  }
  const str = (name: (typeof FIELDS)[number], required = false): string | undefined => {
    const v = b[name];
    if (v === undefined || v === null || v === '') {
      if (required) throw invalidRequest(`${name} is required`);
      return undefined;
    }
    if (typeof v !== 'string') throw invalidRequest(`${name} must be a string`);
    if (v.length > MAX_STRING) throw invalidRequest(`${name} is too long (at most ${MAX_STRING} characters)`);
    if (v.includes('\u0000')) throw invalidRequest(`${name} must not contain a NUL character`);
    return v;
  };
  const list = (name: (typeof FIELDS)[number]): string[] | undefined => {
    const v = b[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw invalidRequest(`${name} must be an array of strings`);
    }
    if (v.length > MAX_URIS) throw invalidRequest(`${name} holds at most ${MAX_URIS} URIs`);
    const items = v as string[];
    if (items.some((x) => x.length > MAX_STRING || x.includes('\u0000'))) {
      throw invalidRequest(`${name} holds a URI that is too long or contains a NUL character`);
    }
    return items;
  };
  const method = str('token_endpoint_auth_method') ?? 'client_secret_basic';
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalidRequest(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  return {
    client_id: str('client_id', true)!,
    client_name: str('client_name'),
    redirect_uris: list('redirect_uris') ?? [],
    post_logout_redirect_uris: list('post_logout_redirect_uris'),
    backchannel_logout_uri: str('backchannel_logout_uri'),
    frontchannel_logout_uri: str('frontchannel_logout_uri'),
    token_endpoint_auth_method: method as NewClient['token_endpoint_auth_method'],
  };
}

/**
 * Register a client the operator asked for: one set of rules for the CLI, the admin API and the console. A
 * confidential client gets a generated secret, returned here once (only its digest is stored). Registering an
 * id that exists is a 409, also when two admins race for it: the insert itself refuses.
 */
export async function registerClient(
  d: {
    now: () => number;
    store: { clients: Pick<ClientsRepo, 'insertNew'> };
    clients: Pick<ClientRegistry, 'forget'>;
  },
  input: NewClient,
  source: ClientSource,
): Promise<{ metadata: ClientMetadata; client_secret: string | undefined }> {
  const isPublic = input.token_endpoint_auth_method === 'none';
  const secret = isPublic ? undefined : randomToken(32);
  const parsed = clientMetadataSchema.safeParse({
    client_id: input.client_id,
    client_name: input.client_name,
    redirect_uris: input.redirect_uris,
    post_logout_redirect_uris:
      input.post_logout_redirect_uris ?? defaultPostLogoutRedirectUris(input.redirect_uris, isPublic),
    backchannel_logout_uri: input.backchannel_logout_uri,
    frontchannel_logout_uri: input.frontchannel_logout_uri,
    token_endpoint_auth_method: input.token_endpoint_auth_method,
    client_secret: secret,
  });
  if (!parsed.success) throw new OAuthError('invalid_client_metadata', describeIssue(parsed.error), 400);
  const { client_secret: _secret, ...metadata } = parsed.data;
  if (!(await d.store.clients.insertNew(Client.toRow(parsed.data, source, d.now())))) {
    throw new OAuthError('conflict', `a client with the id ${parsed.data.client_id} exists`, 409);
  }
  d.clients.forget(parsed.data.client_id);
  return { metadata: metadata as ClientMetadata, client_secret: secret };
}
