/**
 * Is this error the database being away (down, restarting, unreachable, out of connections) rather than a bug?
 * Such requests are answered 503 with Retry-After, never 500: the load balancer and the client retry, and nothing
 * was half-done because every change runs in a transaction.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : '';
    // PostgreSQL: class 08 connection exceptions, 57P01-57P03 shutting down / starting up, 53300 too many
    // connections. SQLite: the file stayed locked beyond busy_timeout.
    if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
    if (
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'EPIPE',
        'EHOSTUNREACH',
        'ENETUNREACH',
        'EAI_AGAIN',
      ].includes(code)
    )
      return true;
    const message = typeof e.message === 'string' ? e.message : '';
    // node-postgres reports a dropped or refused connection with these messages and no code.
    if (
      /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
        message,
      )
    )
      return true;
  }
  return false;
}

/**
 * Log a failure of work nobody waits on (sweeps, the outbox, mail jobs). A database outage is expected weather:
 * the work is retried and nothing is lost, so it is a warning; anything else is a bug and an error.
 */
export function logBackgroundFailure(
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void },
  err: unknown,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  if (isStoreUnavailable(err)) log.warn({ err, ...fields }, `${message}: database unavailable; retrying`);
  else log.error({ err, ...fields }, message);
}
