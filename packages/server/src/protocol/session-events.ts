import type { Client } from '../domain/clients.js';
import { randomToken } from '../util/crypto.js';
import { checkAccessToken, type TokenCheckDeps } from './access-tokens.js';
import type { InteractionService } from './interaction-service.js';
import { invalidRequest, invalidToken } from './errors.js';

/** Who is listening: the SSO session a client's access token belongs to. */
export interface Subscription {
  sid: string;
  client: Client;
  userId: string;
}

const TICKET_TTL_MS = 60_000;

/** What subscribing needs: our own access tokens checked, the client, and single-use tickets. */
export interface SessionEventsAuthDeps {
  tokens: TokenCheckDeps;
  findClient(clientId: string): Promise<Client | undefined>;
  interactions: Pick<InteractionService, 'open' | 'find' | 'take'>;
}

/**
 * Authentication for the session events push (docs/protocol-extensions.md §2). A token whose session has
 * already ended is still accepted here, so that a client that was offline learns *why* its session ended
 * instead of a bare 401.
 */
export class SessionEventsAuth {
  constructor(private readonly d: SessionEventsAuthDeps) {}

  async fromAccessToken(token: string | undefined): Promise<Subscription> {
    if (!token) throw invalidToken('an access token or a ticket is required');
    const r = await checkAccessToken(this.d.tokens, token, { allowEndedSession: true });
    if (!r.active) throw invalidToken(r.why);
    if (!r.claims.sid) throw invalidRequest('this access token does not belong to a sign-in session');
    const client = await this.d.findClient(r.claims.client_id);
    if (!client) throw invalidToken('the client of this access token is no longer registered');
    return { sid: r.claims.sid, client, userId: r.claims.sub };
  }

  /** A single-use ticket for EventSource, which cannot send an Authorization header. */
  async issueTicket(sub: Subscription): Promise<{ ticket: string; expires_in: number }> {
    const ticket = randomToken(24);
    await this.d.interactions.open(
      'sse_ticket',
      { sid: sub.sid, client_id: sub.client.id, user_id: sub.userId },
      { id: `sse_${ticket}`, ttlMs: TICKET_TTL_MS },
    );
    return { ticket, expires_in: TICKET_TTL_MS / 1000 };
  }

  async redeemTicket(ticket: string): Promise<Subscription> {
    const it =
      ticket.length <= 64 ? await this.d.interactions.find(`sse_${ticket}`, ['sse_ticket']) : undefined;
    if (!it || !(await this.d.interactions.take(it))) {
      throw invalidToken('the ticket is invalid, expired or already used');
    }
    const data = it.payload;
    const client = await this.d.findClient(data.client_id);
    if (!client) throw invalidToken('the client of this ticket is no longer registered');
    return { sid: data.sid, client, userId: data.user_id };
  }
}
