import fc from 'fast-check';
import { expect } from 'vitest';
import { planBackfillProject, planBuildProject } from '../../core/api/build.js';
import type { RunOptions } from '../../core/api/run-command.js';
import { LINEAGE_DAYS, type LineageVariant } from './lineage-project.js';

/**
 * The operations of the law-of-data-versions property tests (on DuckDB and on PostgreSQL):
 * builds (with or without a full refresh, of all or one model), backfills (forced or not,
 * batched or not), catch-up runs, and edits of the lineage project (seed rows, SQL, a start, a
 * grain, a materialization).
 */
export const END = LINEAGE_DAYS - 1;
const dayIndex = fc.integer({ min: 0, max: END });
const threads = fc.integer({ min: 1, max: 3 });

export type Op =
  | { kind: 'build'; date: number; threads: number; fullRefresh: boolean; only?: string }
  | { kind: 'backfill'; from: number; to: number; force: boolean; threads: number; batch?: number }
  | { kind: 'run'; until: number; threads: number }
  | { kind: 'edit'; change: Partial<LineageVariant> };

export const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('build' as const),
    date: dayIndex,
    threads,
    fullRefresh: fc.constantFrom(false, false, false, true),
  }),
  fc.record({
    kind: fc.constant('build' as const),
    date: dayIndex,
    threads,
    fullRefresh: fc.constant(true),
    only: fc.constantFrom('daily', 'hourly', 'users_latest', 'monthly', 'running'),
  }),
  fc
    .record({
      kind: fc.constant('backfill' as const),
      a: dayIndex,
      b: dayIndex,
      force: fc.boolean(),
      threads,
      batch: fc.option(fc.integer({ min: 2, max: 10 }), { nil: undefined }),
    })
    .map(({ a, b, batch, ...rest }) => ({
      ...rest,
      from: Math.min(a, b),
      to: Math.max(a, b),
      ...(batch === undefined ? {} : { batch }),
    })),
  fc.record({ kind: fc.constant('run' as const), until: dayIndex, threads }),
  fc.record({
    kind: fc.constant('edit' as const),
    change: fc.oneof(
      fc.record({ events: fc.constantFrom('A' as const, 'B' as const) }),
      fc.record({ users: fc.constantFrom('A' as const, 'B' as const) }),
      fc.record({ daily: fc.constantFrom('A' as const, 'B' as const, 'C' as const, 'S' as const) }),
      fc.record({ tier: fc.constantFrom('day' as const, 'week' as const) }),
      fc.record({
        tierAs: fc.constantFrom('incremental' as const, 'table' as const, 'view' as const),
      }),
    ),
  }),
);

/**
 * Ledger rows of windows a model wrote while it was incremental stay when it becomes a table
 * or a view (the ledger is append-only): they describe nothing then, and are not compared.
 */
export function ledgerSkipped(variant: LineageVariant): string[] {
  return (variant.tierAs ?? 'incremental') === 'incremental' ? [] : ['daily_tier'];
}

/**
 * A build or backfill of a sequence, planned from the ledger rows of the windows it can look
 * at, plans what it would from the whole ledger (core/plan/ledger-scope.ts).
 */
export async function expectScopedPlan(
  options: RunOptions,
  o: Exclude<Op, { kind: 'edit' }>,
  day: (i: number) => number,
): Promise<void> {
  if (o.kind === 'run') return;
  const plan = (wholeLedger: boolean) =>
    o.kind === 'build'
      ? planBuildProject({
          ...options,
          date: day(o.date),
          fullRefresh: o.fullRefresh,
          wholeLedger,
          ...(o.only === undefined ? {} : { select: [`+${o.only}`] }),
        })
      : planBackfillProject({
          ...options,
          from: day(o.from),
          to: day(o.to),
          force: o.force,
          wholeLedger,
          ...(o.batch === undefined ? {} : { batchSize: o.batch }),
        });
  expect(await plan(false), `the plan of ${JSON.stringify(o)}`).toEqual(await plan(true));
}
