import type { SafeHtml } from '../views/html.js';

/** A failed API call, as the console shows it: the API's own words and status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** What a console page or action gets: the documented API (as the signed-in admin), and the request's input. */
export interface ConsoleContext {
  base: string;
  csrf: string;
  /** The signed-in admin's username. */
  user: string;
  query: Record<string, string | undefined>;
  params: Record<string, string>;
  /** Call the documented admin API as the signed-in admin (API parity: the console has no other way in). */
  api<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T>;
}

/** One console page: adding a page is one entry in the registry (admin/console-pages.ts). */
export interface ConsolePage {
  path: string;
  title: string | ((c: ConsoleContext) => string);
  /** Shown in the top navigation under this name. */
  nav?: string;
  render(c: ConsoleContext): Promise<SafeHtml>;
}

/** One console action (a form POST). It answers with a redirect (and a flash key) or a page of its own. */
export interface ConsoleAction {
  path: string;
  run(
    c: ConsoleContext,
    form: Record<string, string | undefined>,
  ): Promise<{ redirect: string; flash?: string } | { page: SafeHtml; title: string }>;
}

/** Messages an action can leave for the page it redirects to (keys in the URL, never text). */
export const FLASH: Record<string, string> = {
  revoked: 'The session was ended. Its apps are being told.',
  revoked_all: "All the user's sessions were ended. Their apps are being told.",
  disabled: 'The user is disabled and signed out everywhere.',
  enabled: 'The user is enabled again.',
  granted: 'The admin role was granted.',
  unlocked: 'Sign-in is unlocked: wrong-password lockouts are lifted.',
  factors_reset:
    'The second factors were removed and every session of the user ended (reason credentials_changed). Their apps are being told.',
  client_registered: 'The client was registered.',
  role_revoked: 'The admin role was taken away.',
  retried: 'The delivery is queued again; the outbox will send it now.',
  client_saved: 'The logout URIs were saved.',
  key_rotated: 'A new signing key was published.',
  keys_rotated: 'A new signing key was published for each algorithm.',
};
