/**
 * Bind parameters one multi-row statement may carry. Both engines allow far more (SQLite 32,766 since 3.32,
 * PostgreSQL 65,535); staying well below keeps each statement's text and plan small.
 */
const PARAMETERS_PER_STATEMENT = 8_000;

/**
 * Rows in slices small enough for one multi-row statement each, given the bind parameters one row takes (by
 * default, for rows to insert: the columns of the first): a set-based write of a thousand sessions is a few
 * statements, never one over an engine's limit.
 */
export function inBatches<T>(
  rows: readonly T[],
  parametersPerRow = typeof rows[0] === 'object' && rows[0] !== null ? Object.keys(rows[0]).length : 1,
): T[][] {
  const size = Math.max(1, Math.floor(PARAMETERS_PER_STATEMENT / Math.max(1, parametersPerRow)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
