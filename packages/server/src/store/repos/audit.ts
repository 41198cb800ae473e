import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../tables.js';
import { inBatches } from '../batches.js';
import type { AuditEventTable } from './console-tables.js';

export type AuditEventRow = Selectable<AuditEventTable>;
export type NewAuditEvent = Omit<Insertable<AuditEventTable>, 'id'>;

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
  /** Keyset paging: only events older than this id. */
  before?: number | undefined;
  limit: number;
}

/**
 * The audit log. Append-only through the product: this repository has no update and no delete, and nothing
 * else writes the table.
 */
export class AuditRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async append(row: NewAuditEvent): Promise<void> {
    await this.db.insertInto('audit_events').values(row).execute();
  }

  /** Several events, in this order, in as few statements as the engine's parameter limit allows. */
  async appendMany(rows: readonly NewAuditEvent[]): Promise<void> {
    for (const batch of inBatches(rows)) await this.db.insertInto('audit_events').values(batch).execute();
  }

  /** Newest first; `before` continues a page (ids only grow, so pages never shift while events arrive). */
  list(f: AuditFilter): Promise<AuditEventRow[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (f.actor) q = q.where((eb) => eb.or([eb('actor_id', '=', f.actor!), eb('actor_name', '=', f.actor!)]));
    if (f.action) q = q.where('action', '=', f.action);
    if (f.target) q = q.where('target_id', '=', f.target);
    if (f.since !== undefined) q = q.where('at', '>=', f.since);
    if (f.until !== undefined) q = q.where('at', '<', f.until);
    if (f.before !== undefined) q = q.where('id', '<', f.before);
    return q.orderBy('id', 'desc').limit(f.limit).execute();
  }
}

/** Roles of users; the console admits `admin`. */
export class RolesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async list(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.role).sort();
  }

  async has(userId: string, role: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** True when the role was newly granted. */
  async grant(userId: string, role: string, by: string | null, now: number): Promise<boolean> {
    const r = await this.db
      .insertInto('user_roles')
      .values({ user_id: userId, role, granted_at: now, granted_by: by })
      .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** True when the user had the role. */
  async revoke(userId: string, role: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('user_roles')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
