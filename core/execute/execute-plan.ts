import { EtlError, WindowError, errorMessage } from '../errors.js';
import type { Connection } from '../engine/adapter.js';
import type { CompiledGraph, CompiledSeed } from '../compile/compiled-graph.js';
import type { Plan, Step } from '../plan/plan.js';
import { writeView } from '../materialize/view.js';
import { writeTable } from '../materialize/table.js';
import { writeIncremental } from '../materialize/incremental.js';
import { writeUpsert } from '../materialize/upsert.js';
import { loadSeeds } from '../materialize/seed.js';
import type { WriteContext, WriteResult } from '../materialize/write-context.js';
import type { StepResult } from './run-summary.js';
import type { Reporter } from '../report/reporter.js';

/** Inputs of {@link executePlan}. */
export interface ExecuteOptions {
  readonly compiled: CompiledGraph;
  readonly conn: Connection;
  readonly runId: string;
  readonly now: () => number;
  readonly reporter: Reporter;
  /** Hash of each seed file, for the seed records. */
  readonly seedHashes: ReadonlyMap<string, string>;
}

/**
 * Run a plan's steps in order, one transaction each (all seeds together in one). A step whose
 * dependency did not succeed is `upstream_failed`; independent steps go on. A seed that cannot
 * be loaded is bad input: it stops the run with its error.
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<StepResult[]> {
  const { compiled, conn, reporter } = options;
  const ctx: WriteContext = { conn, runId: options.runId, now: options.now };
  const results: StepResult[] = [];
  const ok = new Set<string>();
  const failed = new Set<string>();

  const seedSteps = plan.steps.filter((s) => s.kind === 'seed');
  if (seedSteps.length > 0) {
    const started = performance.now();
    const loads = seedSteps.map((step) => ({
      seed: compiled.nodes.get(step.model) as CompiledSeed,
      fileHash: options.seedHashes.get(step.model) ?? '',
    }));
    for (const step of seedSteps) reporter.stepStarted(step);
    const counts = await loadSeeds(ctx, loads);
    const durationMs = (performance.now() - started) / seedSteps.length;
    for (const step of seedSteps) {
      const rows = counts.get(step.model) ?? 0;
      const result: StepResult = {
        step,
        status: 'success',
        rows,
        windows: [],
        error: undefined,
        durationMs,
      };
      ok.add(step.id);
      results.push(result);
      reporter.stepFinished(result);
    }
  }

  for (const step of plan.steps) {
    if (step.kind === 'seed') continue;
    if (step.dependsOn.some((d) => !ok.has(d))) {
      const cause = step.dependsOn.find((d) => failed.has(d));
      const result: StepResult = {
        step,
        status: 'upstream_failed',
        rows: 0,
        windows: [],
        error: new EtlError('E_UPSTREAM_FAILED', `skipped: upstream ${cause ?? 'step'} failed`, {
          exitCode: 1,
        }),
        durationMs: 0,
      };
      failed.add(step.id);
      results.push(result);
      reporter.stepFinished(result);
      continue;
    }
    reporter.stepStarted(step);
    const started = performance.now();
    let result: StepResult;
    try {
      const written = await writeStep(ctx, compiled, step);
      result = {
        step,
        status: 'success',
        ...written,
        error: undefined,
        durationMs: performance.now() - started,
      };
      ok.add(step.id);
    } catch (error) {
      result = {
        step,
        status: 'failed',
        rows: 0,
        windows: [],
        error: asStepError(step, error),
        durationMs: performance.now() - started,
      };
      failed.add(step.id);
    }
    results.push(result);
    reporter.stepFinished(result);
  }
  return results;
}

async function writeStep(
  ctx: WriteContext,
  compiled: CompiledGraph,
  step: Step,
): Promise<WriteResult> {
  const model = compiled.nodes.get(step.model);
  if (model?.kind !== 'model') throw new Error(`no model named ${step.model}`);
  const write = { step, model };
  switch (step.kind) {
    case 'view':
      return writeView(ctx, write);
    case 'table':
      return writeTable(ctx, write);
    case 'incremental':
      return writeIncremental(ctx, write);
    case 'upsert':
      return writeUpsert(ctx, write);
    case 'seed':
      throw new Error('seeds are loaded together');
  }
}

function asStepError(step: Step, error: unknown): EtlError {
  if (error instanceof EtlError) return error;
  return new WindowError('E_SQL', `model '${step.model}': ${errorMessage(error)}`, {
    model: step.model,
    window: step.windows.length > 0 ? step.id.split('@')[1] : undefined,
    sql: step.sql,
    cause: error,
  });
}
