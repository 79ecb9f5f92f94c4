import { quoteIdent, sqlLiteral } from '../util/sql.js';
import type { DataTestSpec } from '../project/test-spec.js';

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
  const col = test.column === undefined ? undefined : quoteIdent(test.column);
  switch (test.kind) {
    case 'not_null':
      return `${scoped}\nSELECT * FROM etl_scoped WHERE ${col} IS NULL`;
    case 'unique': {
      const cols = (test.columns ?? [test.column ?? '']).map(quoteIdent).join(', ');
      const notNull = (test.columns ?? [test.column ?? ''])
        .map((c) => `${quoteIdent(c)} IS NOT NULL`)
        .join(' AND ');
      return `${scoped}\nSELECT ${cols}, count(*) AS occurrences FROM etl_scoped WHERE ${notNull} GROUP BY ${cols} HAVING count(*) > 1`;
    }
    case 'accepted_values':
      return `${scoped}\nSELECT * FROM etl_scoped WHERE ${col} IS NOT NULL AND ${col} NOT IN (${(test.values ?? []).map(sqlLiteral).join(', ')})`;
    case 'relationships':
      return `${scoped}\nSELECT * FROM etl_scoped AS c WHERE c.${col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${relationOf(test.to ?? '')} AS p WHERE p.${quoteIdent(test.field ?? '')} = c.${col})`;
    case 'expression':
      return `${scoped}\nSELECT * FROM etl_scoped WHERE (${test.expression ?? 'true'}) IS NOT TRUE`;
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
    case 'accepted_values':
      return `${rows} with ${test.column ?? ''} not in (${(test.values ?? []).map(String).join(', ')})`;
    case 'relationships':
      return `${rows} whose ${test.column ?? ''} is not in ${test.to ?? ''}.${test.field ?? ''}`;
    case 'expression':
      return `${rows} where ${test.expression ?? ''} is false or NULL`;
  }
}
