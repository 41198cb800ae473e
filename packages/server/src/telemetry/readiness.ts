import type { FastifyBaseLogger } from 'fastify';
import type { SchemaStatus } from '../store/migrations.js';

const PROBE_TIMEOUT_MS = 2000;

/** A check's answer: `ok`, or a short reason (never a secret, a host name or an error). */
export type Check = 'ok' | string;

/** What readiness looks at, each a narrow question (provider.ts wires them). */
export interface ReadinessDeps {
  /** One round trip to the database. */
  ping(): Promise<void>;
  /** Applied, pending and unknown migrations. */
  schemaStatus(): Promise<SchemaStatus>;
  /** Throws when an algorithm the provider offers has no active signing key. */
  signingKey(): unknown;
  /** Whether the outbox worker is started and not stopped. */
  outboxActive(): boolean;
  log: FastifyBaseLogger;
}

/** Readiness of this process (`/readyz`): each check is `ok` or a short reason. */
export async function readiness(
  d: ReadinessDeps,
): Promise<{ ready: boolean; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  const timeout = () =>
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref(),
    );
  try {
    await Promise.race([d.ping(), timeout()]);
    checks.database = 'ok';
    try {
      const s = await Promise.race([d.schemaStatus(), timeout()]);
      checks.migrations =
        s.unknown.length > 0 ? 'schema newer than code' : s.pending.length > 0 ? 'migrations pending' : 'ok';
    } catch (e) {
      d.log.warn({ err: e }, 'readiness: cannot read the schema version');
      checks.migrations = 'unknown';
    }
  } catch (e) {
    d.log.warn({ err: e }, 'readiness: database unreachable');
    checks.database = 'unreachable';
    checks.migrations = 'unknown';
  }
  try {
    d.signingKey();
    checks.signing_keys = 'ok';
  } catch {
    checks.signing_keys = 'no active signing key';
  }
  checks.outbox_worker = d.outboxActive() ? 'ok' : 'not running';
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}
