/** Small builders for unit tests of protocol rules: a client from metadata, rows with defaults. */
import { Client } from '../../src/domain/clients.js';
import { clientMetadataSchema } from '../../src/domain/client-metadata.js';
import type { AuthCodeRow } from '../../src/store/repos/auth-codes.js';
import type { RefreshTokenRow } from '../../src/store/repos/refresh-tokens.js';

export const T0 = 1_700_000_000_000;

export function client(over: Record<string, unknown> = {}): Client {
  const metadata = clientMetadataSchema.parse({
    client_id: 'app',
    redirect_uris: ['https://app.example/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    ...over,
  });
  return new Client(metadata, 'secret-digest', 'config');
}

export function refreshToken(over: Partial<RefreshTokenRow> = {}): RefreshTokenRow {
  return {
    token_digest: 'rt',
    family_id: 'fam_1',
    client_id: 'app',
    user_id: 'usr_1',
    sid: 'sid_1',
    scope: 'openid profile',
    offline: false,
    auth_time: T0,
    created_at: T0,
    expires_at: T0 + 3_600_000,
    used_at: null,
    revoked_at: null,
    revoke_reason: null,
    access_jti: 'jti_1',
    access_expires_at: T0 + 600_000,
    amr: null,
    ...over,
  };
}

export function authCode(over: Partial<AuthCodeRow> = {}): AuthCodeRow {
  return {
    code_digest: 'code',
    client_id: 'app',
    user_id: 'usr_1',
    sid: 'sid_1',
    redirect_uri: 'https://app.example/cb',
    scope: 'openid',
    nonce: 'n',
    code_challenge: null,
    code_challenge_method: null,
    auth_time: T0,
    created_at: T0,
    expires_at: T0 + 60_000,
    consumed_at: null,
    family_id: null,
    access_jti: null,
    access_expires_at: null,
    amr: null,
    ...over,
  };
}

/** Expect `fn` to throw an OAuthError with this code (and, when given, a description matching `text`). */
export async function oauthError(fn: () => unknown, error: string, text?: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const err = e as { error?: string; description?: string };
    if (err.error !== error) throw new Error(`expected ${error}, got ${String(err.error ?? e)}`);
    if (text && !text.test(err.description ?? ''))
      throw new Error(`unexpected description: ${err.description}`);
    return;
  }
  throw new Error(`expected ${error}, nothing was thrown`);
}
