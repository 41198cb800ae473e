import type { ColumnDefinitionBuilder } from 'kysely';
import type { Engine } from '../connect.js';

/** An auto-increment primary key: the one place where the two engines' DDL really differs. */
export function serialColumn(engine: Engine) {
  return {
    serialType: engine === 'postgres' ? 'bigserial' : 'integer',
    serialKey: (c: ColumnDefinitionBuilder) =>
      engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
  } as const;
}
