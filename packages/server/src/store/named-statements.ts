import type pg from 'pg';

/** SQL that is worth preparing once per connection: the statements requests run, not DDL or migrations. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * SQLSTATEs after which a connection stops naming statements: 0A000 "cached plan must not change result type"
 * (another process migrated a table under a prepared `select *`) and 26000 "prepared statement does not exist"
 * (a pooler such as PgBouncer in transaction mode moved us to another server connection).
 */
const GIVE_UP = new Set(['0A000', '26000']);

type Query = (...args: unknown[]) => unknown;

/**
 * Make a pg client send Kysely's queries as named prepared statements: the first run of a SQL text parses and plans
 * it on the server, every later run on that connection only binds and executes (issue 18: "prepared statements
 * by name"). Kysely compiles each query to the same text with `$n` parameters, so the text is the key; names are
 * per connection, as PostgreSQL's prepared statements are.
 *
 * Bounded: at most `max` statements per connection (texts with a varying number of `in (...)` parameters are not
 * all worth keeping; beyond the limit they run unnamed, as before). After an error that says the server's
 * statements no longer match (see {@link GIVE_UP}), the connection goes back to unnamed statements for good: a
 * query outside a transaction is run again unnamed and succeeds; one inside a transaction fails like any database
 * error (the transaction is already aborted), and the next ones work. Turn it off for a database URL with
 * `?prepared_statements=off` (for example behind PgBouncer in transaction mode without prepared-statement support).
 */
export function nameStatements(client: pg.PoolClient, max = 256): void {
  const names = new Map<string, string>();
  let enabled = true;
  // Outside a transaction a stale statement is simply run again unnamed; inside one the transaction has failed.
  let inTransaction = false;
  const query = client.query.bind(client) as Query;
  const named = (...args: unknown[]): unknown => {
    const [text, values, callback] = args;
    if (typeof text === 'string') {
      if (/^\s*(begin|start transaction)\b/i.test(text)) inTransaction = true;
      else if (/^\s*(commit|rollback|end)\b/i.test(text)) inTransaction = false;
    }
    if (!enabled || typeof text !== 'string' || !Array.isArray(values) || !PREPARABLE.test(text)) {
      return query(...args);
    }
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= max) return query(...args);
      name = `adieu_${names.size + 1}`;
      names.set(text, name);
    }
    const result = query({ name, text, values }, callback);
    if (result instanceof Promise) {
      const standalone = !inTransaction;
      return result.catch((e: unknown) => {
        if (!GIVE_UP.has((e as { code?: string }).code ?? '')) throw e;
        enabled = false;
        if (standalone) return query(text, values);
        throw e;
      });
    }
    return result;
  };
  client.query = named as typeof client.query;
}
