import { describe, expect, it } from 'vitest';
import { checkClientId } from '../../../src/protocol/end-session/check-client-id.js';
import { client } from './fixtures.js';

const clients = new Map([
  ['portal', client('portal')],
  ['bookings', client('bookings')],
]);
const find = (id: string) => Promise.resolve(clients.get(id));

describe('checkClientId (RP-Initiated Logout §2)', () => {
  it('client_id must equal the audience of id_token_hint', async () => {
    await expect(checkClientId('bookings', { sub: 'u', clientId: 'portal' }, find)).rejects.toMatchObject({
      error: 'invalid_request',
      description: 'client_id does not match the audience of id_token_hint',
    });
  });

  it('a client_id must be registered', async () => {
    await expect(checkClientId('nope', undefined, find)).rejects.toMatchObject({ status: 400 });
  });

  it('the client comes from client_id, else from the hint, else there is none', async () => {
    expect((await checkClientId('portal', undefined, find))?.id).toBe('portal');
    expect((await checkClientId(undefined, { sub: 'u', clientId: 'bookings' }, find))?.id).toBe('bookings');
    expect(await checkClientId(undefined, undefined, find)).toBeUndefined();
    // A hint for a client deleted since identifies nobody (and is no error: the user may still sign out).
    expect(await checkClientId(undefined, { sub: 'u', clientId: 'gone' }, find)).toBeUndefined();
  });
});
