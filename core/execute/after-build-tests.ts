import type { Connection } from '../engine/adapter.js';
import type { CompiledGraph, CompiledModel } from '../compile/compiled-graph.js';
import { otherRelationsRead } from '../project/test-spec.js';
import { spanCondition } from '../materialize/incremental.js';
import type { DataTests } from '../materialize/test-statements.js';
import { failingRowsSql } from '../testing/data-test-sql.js';
import { runDataTest } from '../testing/run-data-tests.js';
import type { TestResult } from '../testing/test-result.js';
import { quoteIdent } from '../util/sql.js';
import type { Window } from '../time/window.js';
import type { StepResult } from './run-summary.js';

/** What {@link runAfterBuildTests} reads. */
export interface AfterBuildTests {
  readonly compiled: CompiledGraph;
  readonly tests: DataTests;
  /** The main connection, outside any transaction. */
  readonly conn: Connection;
  /** Says why a test was not run. */
  readonly info: (message: string) => void;
}

/**
 * The data tests that read other models (relationships), run once every step of the run is
 * done, on what each model wrote in this run: the windows written of a windowed model, the
 * whole relation of the others. A test is not run when a model it reads besides its own
 * failed or was skipped in this run (the run has failed already). Their windows are committed
 * whatever they find: a failing test fails the run, it rolls nothing back. Returns the results
 * by the id of the step they are reported with, the model's last step written.
 */
export async function runAfterBuildTests(
  results: readonly StepResult[],
  options: AfterBuildTests,
): Promise<Map<string, TestResult[]>> {
  const byModel = new Map<string, StepResult[]>();
  const unfinished = new Set<string>();
  for (const r of results) {
    const steps = byModel.get(r.step.model);
    if (steps === undefined) byModel.set(r.step.model, [r]);
    else steps.push(r);
    if (r.status !== 'success' && r.status !== 'unchanged') unfinished.add(r.step.model);
  }
  const checked = new Map<string, TestResult[]>();
  for (const [name, steps] of byModel) {
    const tests = options.tests.after(name);
    const model = options.compiled.nodes.get(name);
    if (tests.length === 0 || model?.kind !== 'model') continue;
    const written = writtenBy(model, steps);
    if (written === undefined) continue;
    const out: TestResult[] = [];
    for (const test of tests) {
      const missing = otherRelationsRead(test).filter((m) => unfinished.has(m));
      if (missing.length > 0) {
        options.info(
          `  not run: ${test.name}: ${missing.join(', ')} did not build fully in this run`,
        );
        continue;
      }
      const sql = failingRowsSql(test, model.relation, options.tests.relationOf, written.scope);
      out.push(await runDataTest(options.conn, test, sql));
    }
    checked.set(written.last, out);
  }
  return checked;
}

/**
 * What a model's steps wrote into its relation: the rows they test (`scope`, undefined for
 * the whole relation) and the last step that wrote; undefined when nothing was written.
 */
function writtenBy(
  model: CompiledModel,
  steps: readonly StepResult[],
): { scope: string | undefined; last: string } | undefined {
  const done = steps.filter(
    (r) => r.status === 'success' && r.step.kind !== 'discard' && r.step.refresh === undefined,
  );
  // A full refresh's windows are written aside: its swap puts them in the relation.
  const swapped = steps.find((r) => r.status === 'success' && r.step.kind === 'swap');
  const last = swapped ?? done[done.length - 1];
  if (last === undefined) return undefined;
  const timeColumn = model.config.timeColumn;
  const whole = swapped !== undefined || done.some((r) => r.step.kind !== 'incremental');
  if (whole || timeColumn === undefined) return { scope: undefined, last: last.step.id };
  const spans = mergeSpans(done.flatMap((r) => r.step.windows));
  const column = quoteIdent(timeColumn);
  return {
    scope: spans.map((s) => `(${spanCondition(s)(column)})`).join(' OR '),
    last: last.step.id,
  };
}

/** Windows sorted and joined where they meet or overlap, so that the scope stays short. */
function mergeSpans(windows: readonly Window[]): Window[] {
  const spans: Window[] = [];
  for (const w of [...windows].sort((a, b) => a.start - b.start)) {
    const previous = spans[spans.length - 1];
    if (previous !== undefined && w.start <= previous.end)
      spans[spans.length - 1] = { start: previous.start, end: Math.max(previous.end, w.end) };
    else spans.push({ start: w.start, end: w.end });
  }
  return spans;
}
