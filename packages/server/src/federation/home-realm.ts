import type { Connection } from './connection-config.js';

/**
 * Home-realm discovery: the connection whose `domains` include the domain of this email address (a login_hint,
 * or what the person typed), if any. Domains compare case-insensitively and exactly: `acme.example` does not
 * claim `evil-acme.example`.
 */
export function connectionForEmail(
  connections: readonly Connection[],
  email: string | undefined,
): string | undefined {
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return undefined;
  const domain = email.slice(at + 1).toLowerCase();
  return connections.find((c) => c.domains.some((d) => d.toLowerCase() === domain))?.id;
}
