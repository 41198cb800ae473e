/**
 * RFC 8252 §7.3: a native app receiving the redirect on the loopback interface picks a free port at run time,
 * so for a registered loopback IP redirect URI (`http://127.0.0.1/cb`, `http://[::1]/cb`) the provider must
 * accept any port. Scheme, host, path and query stay exact (string comparison, RFC 9700 §2.1); `localhost` is
 * not a loopback IP literal (RFC 8252 §8.3) and keeps the exact rule.
 */
const LOOPBACK_REDIRECT = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/;

/** Does `requested` equal the registered loopback redirect URI `registered`, except for the port? */
export function matchesLoopbackRedirect(registered: string, requested: string): boolean {
  const r = LOOPBACK_REDIRECT.exec(registered);
  const q = LOOPBACK_REDIRECT.exec(requested);
  if (!r || !q) return false;
  if (q[2] !== undefined && Number(q[2]) > 65535) return false;
  return r[1] === q[1] && (r[3] ?? '') === (q[3] ?? '');
}
