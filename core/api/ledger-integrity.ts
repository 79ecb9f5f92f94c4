import type { Connection } from '../engine/adapter.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import type { Plan } from '../plan/plan.js';
import { formatTimestamp, type Window } from '../time/window.js';
import { quoteIdent } from '../util/sql.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import { currentDefinition } from '../plan/window-state.js';

/** A window whose ledger row count does not match the rows its table holds. */
export interface Drift {
  readonly model: string;
  readonly window: Window;
  readonly recorded: number;
  readonly actual: number;
}

/**
 * Compare the ledger with the tables: for each time-windowed model of the plan, count the
 * table's rows per window over the plan's range, and report every window done under the
 * current fingerprint whose count differs from its ledger row (someone wrote to the table by
 * hand). One grouped scan per model.
 */
export async function findDrift(
  conn: Connection,
  compiled: CompiledGraph,
  plan: Plan,
  state: WarehouseState,
): Promise<Drift[]> {
  const drift: Drift[] = [];
  for (const { model: name, range } of plan.windows) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model' || node.config.timeColumn === undefined) continue;
    if (state.relations.get(name) !== 'table') continue;
    const done = (state.partitions.get(name) ?? []).filter(
      (r) =>
        currentDefinition(node, r) && r.window.start >= range.start && r.window.end <= range.end,
    );
    if (done.length === 0) continue;
    const tc = quoteIdent(node.config.timeColumn);
    const rows = await conn.query(
      `SELECT ${conn.dialect.windowKey(tc, node.config.grain)} AS w, count(*) AS n FROM ${node.relation}
WHERE ${tc} >= TIMESTAMP '${formatTimestamp(range.start)}' AND ${tc} < TIMESTAMP '${formatTimestamp(range.end)}' GROUP BY 1`,
    );
    const actual = new Map(rows.map((r) => [Number(r.w), Number(r.n)]));
    for (const record of done) {
      const count = actual.get(record.window.start) ?? 0;
      if (count !== record.rowCount)
        drift.push({
          model: name,
          window: record.window,
          recorded: record.rowCount,
          actual: count,
        });
    }
  }
  return drift;
}

/** The state with drifted windows marked, so that the planner rebuilds them. */
export function withDrift(state: WarehouseState, drift: readonly Drift[]): WarehouseState {
  const drifted = new Map<string, Set<number>>();
  for (const d of drift) {
    const set = drifted.get(d.model) ?? new Set<number>();
    set.add(d.window.start);
    drifted.set(d.model, set);
  }
  return { ...state, drifted };
}
