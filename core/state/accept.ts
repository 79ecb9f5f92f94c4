import type { Dialect } from '../engine/dialect.js';
import { quoteString } from '../util/sql.js';
import { NEXT_SEQ, PARTITIONS, ts } from './ledger.js';

/**
 * `--forward-only`: a new ledger row for each window of a model built under an older
 * definition, the same rows, counts, hashes and inputs under the current fingerprint, marked
 * `forward_only` so that `status` and `verify` know its rows come from the older definition.
 */
export function acceptSql(
  accept: {
    readonly model: string;
    readonly fingerprint: string;
    readonly from: readonly string[];
  },
  runId: string,
  now: number,
  dialect: Dialect,
): string {
  const model = quoteString(accept.model);
  return `INSERT INTO ${PARTITIONS} (model, window_start, window_end, fingerprint, row_count, content_hash, run_id, finished_at, input_version, input_start, "partial", forward_only, seq)
SELECT model, window_start, window_end, ${quoteString(accept.fingerprint)}, row_count, content_hash, ${quoteString(runId)}, ${ts(now)}, input_version, input_start, "partial", true, ${NEXT_SEQ}
FROM (${dialect.newestPerKey(`(SELECT * FROM ${PARTITIONS} WHERE model = ${model})`, 'window_start', 'seq')})
WHERE fingerprint IN (${accept.from.map(quoteString).join(', ')})
ORDER BY window_start`;
}
