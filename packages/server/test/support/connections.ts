import { afterAll } from 'vitest';
import { connect, type Connection } from '../../src/store/connect.js';
import { testDatabase } from '../../src/testing/index.js';

/**
 * Opens store connections on PostgreSQL, each in a schema of its own, for one test file; after the file's tests
 * every connection is closed and its schema dropped. `query` adds URL settings (`&pool_max=2`).
 */
export function postgresConnections(): { open(query?: string): Promise<Connection> } {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return {
    async open(query = '') {
      const db = testDatabase('postgres');
      const c = await connect(db.url + query);
      cleanups.push(db.cleanup, () => c.db.destroy());
      return c;
    },
  };
}
