import type { Client } from '../domain/clients.js';
import type { SessionRow } from '../domain/sessions.js';
import type { ParticipantRow } from '../store/repos/sessions.js';

export type Channel = 'frontchannel' | 'backchannel';

export interface PlannedParticipant {
  clientId: string;
  clientName: string;
  /** Front-channel iframe URL with iss and sid (Front-Channel Logout §2: both, always). */
  frontchannelUrl?: string | undefined;
  backchannelUri?: string | undefined;
  /** Dynamically registered: deliveries go through the SSRF guard. */
  registered: boolean;
}

export interface SessionPlan {
  session: SessionRow;
  participants: PlannedParticipant[];
}

/**
 * Step 1 of the logout path: who must be told, and how. Participants are the clients that obtained tokens in
 * the session (not every registered client); each is reached through every channel it registered.
 */
export function planSessionLogout(
  issuer: string,
  session: SessionRow,
  participants: readonly ParticipantRow[],
  clients: ReadonlyMap<string, Client>,
): SessionPlan {
  const planned: PlannedParticipant[] = [];
  for (const p of participants) {
    const client = clients.get(p.client_id);
    if (!client) continue; // deleted since: nobody left to tell
    const m = client.metadata;
    let frontchannelUrl: string | undefined;
    if (m.frontchannel_logout_uri) {
      const url = new URL(m.frontchannel_logout_uri);
      url.searchParams.set('iss', issuer);
      url.searchParams.set('sid', session.sid);
      frontchannelUrl = url.toString();
    }
    planned.push({
      clientId: client.id,
      clientName: client.name,
      frontchannelUrl,
      backchannelUri: m.backchannel_logout_uri,
      registered: client.source === 'registration',
    });
  }
  return { session, participants: planned };
}
