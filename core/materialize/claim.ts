import type { Row } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import { PARTITIONS, STATE_SCHEMA, ts } from '../state/ledger.js';
import { quoteString } from '../util/sql.js';
import type { Claim } from './statement.js';
import type { ModelWrite } from './write-context.js';

/**
 * Where many processes write one warehouse (PostgreSQL), a step first claims what it writes:
 * it takes a lock on each of its windows (or on its relation) inside its transaction. Two
 * outcomes end the step without writing, and are not failures:
 */

/** Another process holds a lock the step needs: it is building the same window right now. */
export class Busy extends Error {
  constructor() {
    super('another process is building this step');
  }
}

/**
 * Once the locks were got: another process built all the step writes since the plan read the
 * ledger, from the same definition and the same inputs. Its ledger rows (`rows`) stand for
 * this step's.
 */
export class BuiltElsewhere extends Error {
  constructor(readonly rows: readonly Row[]) {
    super('another process built this step');
  }
}

/**
 * The claim of a window step: per window, the newest ledger row if it is newer than the one
 * the plan saw (`seen`), of the same fingerprint and input version; returns its start (`w`),
 * counts, hash, whether partial and the run that wrote it. An upsert also reads the table's
 * newest content hash (`whole`). Undefined when a window's input version is unknown.
 */
export function windowClaim(dialect: Dialect, write: ModelWrite): Claim | undefined {
  const { step, model } = write;
  if (step.refresh !== undefined || dialect.stepLock === undefined) return undefined;
  const values: string[] = [];
  for (const w of step.windows) {
    const inputs = write.inputs?.get(w.start);
    if (inputs === undefined) return undefined;
    values.push(`(${ts(w.start)}, ${inputs.seen}, ${quoteString(inputs.version)})`);
  }
  const name = quoteString(model.name);
  const whole =
    step.kind === 'upsert'
      ? `, (SELECT content_hash FROM ${STATE_SCHEMA}.models WHERE model = ${name} ORDER BY seq DESC LIMIT 1) AS whole`
      : '';
  return {
    all: values.length,
    ...(write.samples === undefined ? {} : { merged: true as const }),
    sql: `SELECT ${dialect.epochMs('p.window_start')} AS w, p.row_count, p.content_hash, p."partial", p.run_id${whole}
FROM ${PARTITIONS} AS p
JOIN (VALUES ${values.join(', ')}) AS etl_c(s, seen, iv) ON p.window_start = etl_c.s
WHERE p.model = ${name} AND p.fingerprint = ${quoteString(model.fingerprint)}
  AND p.seq > etl_c.seen AND p.input_version = etl_c.iv
  AND p.seq = (SELECT max(q.seq) FROM ${PARTITIONS} AS q WHERE q.model = p.model AND q.window_start = p.window_start)`,
  };
}

/**
 * The claim of a view or table build: the model's newest build record if it is newer than the
 * one the plan saw, of the same fingerprint and input version; returns its counts, hash and
 * run.
 */
export function buildClaim(dialect: Dialect, write: ModelWrite): Claim | undefined {
  const { model } = write;
  if (dialect.stepLock === undefined || write.inputVersion === undefined) return undefined;
  const name = quoteString(model.name);
  return {
    all: 1,
    sql: `SELECT row_count, content_hash, run_id FROM ${STATE_SCHEMA}.models AS b
WHERE b.model = ${name} AND b.fingerprint = ${quoteString(model.fingerprint)}
  AND b.input_version = ${quoteString(write.inputVersion)} AND b.seq > ${write.seen ?? 0}
  AND b.seq = (SELECT max(seq) FROM ${STATE_SCHEMA}.models WHERE model = ${name})`,
  };
}
