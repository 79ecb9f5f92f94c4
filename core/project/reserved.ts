/**
 * Names etl keeps for itself, refused in projects at compile time: its ledger's schema, and
 * the `__etl` mark of its working tables (`daily__etl_new` while a table is rebuilt,
 * `daily__etl_refresh` during a full refresh), so that no model, seed or source can name a
 * relation etl creates, swaps or drops.
 */
export const STATE_SCHEMA = 'etl_state';

/** The mark of etl's working tables: a model or seed name cannot contain it. */
export const WORKING_MARK = '__etl';

/** Why `name` (a model or seed) cannot be used, or undefined. Case-insensitive. */
export function reservedName(name: string): string | undefined {
  if (name.toLowerCase().includes(WORKING_MARK))
    return `'${name}' contains '${WORKING_MARK}', which marks etl's working tables (a table model 'daily' is rebuilt as 'daily${WORKING_MARK}_new'): rename it`;
  return undefined;
}

/** Whether a schema name (unquoted, any case) is etl's own. */
export function isStateSchema(schema: string): boolean {
  return schema.replace(/^"|"$/g, '').toLowerCase() === STATE_SCHEMA;
}
