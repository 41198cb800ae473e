import type { Client } from '../../domain/clients.js';
import { unauthorizedClient } from '../errors.js';

/** RFC 6749 §5.2 unauthorized_client: a client uses only the grant types it was registered for. */
export function rejectGrantNotAllowedForClient(client: Client, grant: string): void {
  if (!client.allowsGrant(grant)) throw unauthorizedClient(`this client may not use the ${grant} grant`);
}
