import type { Provider } from '../provider.js';
import type { Client } from '../domain/clients.js';
import { randomToken } from '../util/crypto.js';
import { checkAccessToken } from './access-tokens.js';
import { invalidRequest, invalidToken } from './errors.js';

/** Who is listening: the SSO session a client's access token belongs to. */
export interface Subscription {
  sid: string;
  client: Client;
  userId: string;
}

const TICKET_TTL_MS = 60_000;

/**
 * Authentication for the session events push (docs/protocol-extensions.md §2). A token whose session has
 * already ended is still accepted here, so that a client that was offline learns *why* its session ended
 * instead of a bare 401.
 */
export class SessionEventsAuth {
  constructor(private readonly p: Provider) {}

  async fromAccessToken(token: string | undefined): Promise<Subscription> {
    if (!token) throw invalidToken('an access token or a ticket is required');
    const r = await checkAccessToken(this.p, token, { allowEndedSession: true });
    if (!r.active) throw invalidToken(r.why);
    if (!r.claims.sid) throw invalidRequest('this access token does not belong to a sign-in session');
    const client = await this.p.clients.get(r.claims.client_id);
    if (!client) throw invalidToken('the client of this access token is no longer registered');
    return { sid: r.claims.sid, client, userId: r.claims.sub };
  }

  /** A single-use ticket for EventSource, which cannot send an Authorization header. */
  async issueTicket(sub: Subscription): Promise<{ ticket: string; expires_in: number }> {
    const ticket = randomToken(24);
    const now = this.p.now();
    await this.p.store.interactions.insert({
      id: `sse_${ticket}`,
      kind: 'sse_ticket',
      payload: JSON.stringify({ sid: sub.sid, client_id: sub.client.id, user_id: sub.userId }),
      csrf: '-',
      created_at: now,
      expires_at: now + TICKET_TTL_MS,
    });
    return { ticket, expires_in: TICKET_TTL_MS / 1000 };
  }

  async redeemTicket(ticket: string): Promise<Subscription> {
    const id = `sse_${ticket}`;
    const row = ticket.length <= 64 ? await this.p.store.interactions.find(id, this.p.now()) : undefined;
    if (!row || row.kind !== 'sse_ticket' || !(await this.p.store.interactions.take(id))) {
      throw invalidToken('the ticket is invalid, expired or already used');
    }
    const data = JSON.parse(row.payload) as { sid: string; client_id: string; user_id: string };
    const client = await this.p.clients.get(data.client_id);
    if (!client) throw invalidToken('the client of this ticket is no longer registered');
    return { sid: data.sid, client, userId: data.user_id };
  }
}
