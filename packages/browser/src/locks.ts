/**
 * Web Locks (origin-wide, across tabs). Two uses: one refresh at a time per account, because refresh tokens
 * rotate and two tabs spending the same one would make the provider revoke the whole family (RFC 9700 §4.14.2);
 * and one push subscription per SSO session for all tabs, since each open stream holds one of the browser's few
 * connections per host. Without the API (old browsers) the work simply runs.
 */

type Locks = {
  request<T>(name: string, options: { signal?: AbortSignal }, cb: () => Promise<T>): Promise<T>;
};

function locks(): Locks | undefined {
  return typeof navigator === 'object' ? (navigator as { locks?: Locks }).locks : undefined;
}

/** Run `fn` holding the lock `name` (queued behind other holders in any tab). */
export function withLock<T>(name: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const l = locks();
  return l ? l.request(name, signal ? { signal } : {}, fn) : fn();
}
