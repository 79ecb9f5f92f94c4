import { quoteIdent, sqlLiteral } from '../util/sql.js';
import { describeRange, type DataTestSpec } from '../project/test-spec.js';

/**
 * The query whose rows are a data test's failures, over `relation` limited to the rows meeting
 * `scope` (e.g. the window just written) and the test's own `where`.
 */
export function failingRowsSql(
  test: DataTestSpec,
  relation: string,
  relationOf: (name: string) => string,
  scope?: string,
): string {
  const conditions = [scope, test.where].filter(
    (c): c is string => c !== undefined && c.trim() !== '',
  );
  const scoped = `WITH etl_scoped AS (SELECT * FROM ${relation}${conditions.length > 0 ? ` WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` : ''})`;
  const rows = failingRows(test, relationOf);
  // A custom test's query may open with its own WITH: its CTEs follow etl_scoped.
  const own = /^\s*with\s/i.exec(rows);
  return own ? `${scoped},\n${rows.slice(own[0].length)}` : `${scoped}\n${rows}`;
}

/** The failing rows of a test, selected from `etl_scoped`: the rows it tests. */
function failingRows(test: DataTestSpec, relationOf: (name: string) => string): string {
  const col = test.column === undefined ? undefined : quoteIdent(test.column);
  switch (test.kind) {
    case 'not_null':
      return `SELECT * FROM etl_scoped WHERE ${col} IS NULL`;
    case 'unique': {
      const cols = (test.columns ?? [test.column ?? '']).map(quoteIdent).join(', ');
      const notNull = (test.columns ?? [test.column ?? ''])
        .map((c) => `${quoteIdent(c)} IS NOT NULL`)
        .join(' AND ');
      return `SELECT ${cols}, count(*) AS occurrences FROM etl_scoped WHERE ${notNull} GROUP BY ${cols} HAVING count(*) > 1`;
    }
    case 'unique_combination_of_columns': {
      // As in dbt_utils: a NULL is a value like any other, so two rows alike but for being NULL
      // in the same column are duplicates.
      const cols = (test.columns ?? []).map(quoteIdent).join(', ');
      return `SELECT ${cols}, count(*) AS occurrences FROM etl_scoped GROUP BY ${cols} HAVING count(*) > 1`;
    }
    case 'accepted_values':
      return `SELECT * FROM etl_scoped WHERE ${col} IS NOT NULL AND ${col} NOT IN (${(test.values ?? []).map(sqlLiteral).join(', ')})`;
    case 'accepted_range': {
      // A row fails when a bound is definitely not met: a NULL passes (dbt_utils semantics).
      const eq = test.range?.inclusive === false ? '' : '=';
      const outside = [
        test.range?.min === undefined ? undefined : `NOT (${col} >${eq} (${test.range.min}))`,
        test.range?.max === undefined ? undefined : `NOT (${col} <${eq} (${test.range.max}))`,
      ].filter((c) => c !== undefined);
      return `SELECT * FROM etl_scoped WHERE ${outside.join(' OR ') || 'false'}`;
    }
    case 'relationships':
      return `SELECT * FROM etl_scoped AS c WHERE c.${col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${relationOf(test.to ?? '')} AS p WHERE p.${quoteIdent(test.field ?? '')} = c.${col})`;
    case 'expression':
      // dbt_utils' expression_is_true: a row fails when the expression is false; NULL passes.
      return `SELECT * FROM etl_scoped WHERE NOT (${test.expression ?? 'true'})`;
    case 'not_empty':
      return `SELECT 1 AS empty WHERE NOT EXISTS (SELECT 1 FROM etl_scoped)`;
    case 'custom':
      return test.custom?.sql ?? 'SELECT 1 AS not_compiled';
  }
}

/** What the failing rows are, for the message: `3 rows with a null order_id`, ... */
export function describeFailures(test: DataTestSpec, n: number): string {
  const rows = `${n} row${n === 1 ? '' : 's'}`;
  switch (test.kind) {
    case 'not_null':
      return `${rows} with a null ${test.column ?? ''}`;
    case 'unique':
      return `${n} duplicated value${n === 1 ? '' : 's'} of ${(test.columns ?? [test.column]).join(', ')}`;
    case 'unique_combination_of_columns':
      return `${n} duplicated combination${n === 1 ? '' : 's'} of ${(test.columns ?? []).join(', ')}`;
    case 'accepted_values':
      return `${rows} with ${test.column ?? ''} not in (${(test.values ?? []).map(String).join(', ')})`;
    case 'accepted_range':
      return `${rows} where ${test.column ?? ''} is not ${test.range ? describeRange(test.range, ' and ') : ''}`;
    case 'relationships':
      return `${rows} whose ${test.column ?? ''} is not in ${test.to ?? ''}.${test.field ?? ''}`;
    case 'expression':
      return `${rows} where ${test.expression ?? ''} is false`;
    case 'not_empty':
      return 'found no rows';
    case 'custom':
      return `${n} failing row${n === 1 ? '' : 's'}`;
  }
}

/** Whether a failing test's message shows sample rows (not_empty has none to show). */
export function hasSampleRows(test: DataTestSpec): boolean {
  return test.kind !== 'not_empty';
}
