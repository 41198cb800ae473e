/**
 * PostgreSQL schemas made by testDatabase('postgres') are not dropped by its cleanup. Left behind they pile up in
 * the shared test database, and every migration's catalog introspection reads all of them, so each run gets
 * slower. Tests drop the ones they made, once their stores and processes are closed.
 */
import pg from 'pg';

/** Drop the schemas named by these database URLs (SQLite URLs and URLs without a test schema are ignored). */
export async function dropTestSchemas(urls: readonly string[]): Promise<void> {
  const schemas = urls
    .filter((u) => u.startsWith('postgres'))
    .map((u) => new URL(u).searchParams.get('schema'))
    .filter((s): s is string => !!s && /^t_[0-9a-f]+$/.test(s));
  if (!schemas.length || !process.env.DATABASE_URL) return;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    // Names are checked against a strict pattern above; DDL takes no bind parameters.
    for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`);
  } finally {
    await client.end();
  }
}
