import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../connect.js';
import { serialColumn } from './serial-column.js';

/** Migration `0005_console_audit_roles`: its id and content are fixed once released (existing databases record the id). */
export function m0005ConsoleAuditRoles(engine: Engine): Migration {
  const { serialType, serialKey } = serialColumn(engine);
  return {
    async up(db: Kysely<unknown>) {
      // Issue 16: roles (the console admits `admin`), the append-only audit log, and console sign-ins.
      await db.schema
        .createTable('user_roles')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addColumn('granted_by', 'text')
        .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', serialType, serialKey)
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_name', 'text')
        .addColumn('client_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text')
        .addColumn('target_id', 'text')
        .addColumn('status', 'integer')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema.createIndex('audit_events_target').on('audit_events').column('target_id').execute();
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_digest', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
