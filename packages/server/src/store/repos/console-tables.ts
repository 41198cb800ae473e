import type { Generated } from 'kysely';

/** Tables of the console (issue 16), added to the Database shape here so tables.ts stays as it is. */
export interface UserRoleTable {
  user_id: string;
  role: string;
  granted_at: number;
  /** Who granted it: `user:<id>`, `client:<id>`, `cli`, `secret`. */
  granted_by: string | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: number;
  /** `user` (a person, through the console), `client` (a client_credentials token), `secret`, `cli`, `system`. */
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  /** The client the actor acted through (the console, an admin client). */
  client_id: string | null;
  /** e.g. `user.disable`, `session.revoke`, `logout`. */
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** HTTP status of the admin request; null for events that are not requests (logouts). */
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  /** JSON text with action-specific facts. */
  detail: string | null;
}

export interface ConsoleSessionTable {
  id_digest: string;
  /** `login` (a sign-in in progress: state, PKCE verifier) or `session` (a signed-in admin). */
  kind: string;
  user_id: string | null;
  payload: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

declare module '../tables.js' {
  interface Database {
    user_roles: UserRoleTable;
    audit_events: AuditEventTable;
    console_sessions: ConsoleSessionTable;
  }
}
