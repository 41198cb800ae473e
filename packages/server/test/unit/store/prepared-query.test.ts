import { describe, expect, it } from 'vitest';
import { PreparedQuery } from '../../../src/store/prepared-query.js';

describe('PreparedQuery: built and compiled once, bound anew on every execution', () => {
  it('compiles each engine once, with the named values as bind parameters and constants kept', () => {
    const q = new PreparedQuery((db, p: { digest: string; now: number }) =>
      db
        .updateTable('refresh_tokens')
        .set({ used_at: p.now })
        .where('token_digest', '=', p.digest)
        .where('revoke_reason', '=', 'constant')
        .where('used_at', 'is', null),
    );
    const sqlite = q.compile('sqlite');
    expect(sqlite.query.sql).toBe(
      'update "refresh_tokens" set "used_at" = ? where "token_digest" = ? and "revoke_reason" = ? and "used_at" is null',
    );
    expect(sqlite.slots).toEqual(['now', 'digest', undefined]);
    expect(sqlite.query.parameters[2]).toBe('constant');
    expect(q.compile('postgres').query.sql).toContain('"token_digest" = $2');
  });

  it('refuses a value used outside a bind parameter (compiled into the SQL, or read by the builder)', () => {
    const asIdentifier = new PreparedQuery((db, p: { column: string }) =>
      db.selectFrom('sessions').select(p.column as 'sid'),
    );
    expect(() => asIdentifier.compile('sqlite')).toThrow(/compiled into the SQL text/);
    const readByBuilder = new PreparedQuery((db, p: { sid: string; offline: boolean }) =>
      db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('sid', '=', p.sid)
        .where('offline', '=', p.offline ? 1 : 0),
    );
    expect(() => readByBuilder.compile('sqlite')).toThrow(/offline is not a bind parameter/);
  });
});
