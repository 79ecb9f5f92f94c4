import { planBackfillProject, planBuildProject, planCatchUpProject } from '../../core/api/build.js';
import type { Plan } from '../../core/plan/plan.js';
import { UsageError } from '../../core/errors.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, painter, useColor } from '../output.js';
import { labelRanges } from '../../core/plan/data-versions.js';
import { foldReasons } from '../../core/plan/reason-fold.js';
import { intFlag } from '../run-flags.js';

interface PlanFlags extends GlobalFlags {
  date?: string;
  from?: string;
  to?: string;
  until?: string;
  force?: boolean;
  batchSize?: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  forwardOnly?: boolean;
}

/** `etl plan (--date D | --from A --to B | --until D)`: what would run, without running it. */
export async function planCommand(flags: PlanFlags): Promise<number> {
  const common = {
    ...projectOptions(flags),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    fullRefresh: flags.fullRefresh === true,
    forwardOnly: flags.forwardOnly === true,
  };
  const batchSize = intFlag(flags.batchSize, '--batch-size', 1, 100_000);
  let plan: Plan;
  if (flags.from !== undefined || flags.to !== undefined) {
    const from = parseDateFlag(flags.from, '--from');
    const to = parseDateFlag(flags.to, '--to');
    if (from === undefined || to === undefined)
      throw new UsageError(
        'plan a backfill with both --from and --to',
        from === undefined ? '--from' : '--to',
      );
    if (flags.date !== undefined)
      throw new UsageError('give either --date or --from/--to', '--date');
    plan = await planBackfillProject({
      ...common,
      from,
      to,
      force: flags.force === true,
      ...(batchSize === undefined ? {} : { batchSize }),
    });
  } else if (flags.until !== undefined) {
    const until = parseDateFlag(flags.until, '--until');
    plan = await planCatchUpProject({
      ...common,
      ...(until === undefined ? {} : { until }),
      ...(batchSize === undefined ? {} : { batchSize }),
    });
  } else {
    const date = parseDateFlag(flags.date, '--date');
    plan = await planBuildProject({ ...common, ...(date === undefined ? {} : { date }) });
  }
  if (flags.json)
    process.stdout.write(`${JSON.stringify(planJson(plan, flags.verbose === true))}\n`);
  else process.stdout.write(formatPlan(plan, useColor(process.stdout), flags.verbose === true));
  return 0;
}

/** The plan as JSON: per model, its window counts, reasons and steps; SQL only when verbose. */
export function planJson(plan: Plan, withSql: boolean): unknown {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    command: plan.command,
    models: plan.windows.map((w) => ({
      ...w,
      range: { start: iso(w.range.start), end: iso(w.range.end) },
      reasons: w.reasons.map((r) => ({
        reason: r.reason,
        count: r.windows.length,
        windows: labelRanges(r.windows, undefined, Infinity),
      })),
    })),
    accept: plan.accept,
    steps: plan.steps.map((s) => ({
      id: s.id,
      model: s.model,
      kind: s.kind,
      reason: s.reason,
      conditional: s.conditional,
      windows: s.windows.map((w) => ({ start: iso(w.start), end: iso(w.end) })),
      is_incremental: s.isIncremental,
      refresh: s.refresh ?? null,
      depends_on: s.dependsOn,
    })),
    skipped: plan.skipped,
    notes: plan.notes ?? [],
  };
}

/**
 * The plan as text: per model in dependency order, the windows to build and why (each reason
 * with its windows), those to check after their upstream runs, and those done.
 */
export function formatPlan(plan: Plan, color: boolean, withSql: boolean): string {
  const paint = painter(color);
  const byModel = new Map<string, Plan['steps'][number][]>();
  for (const step of plan.steps)
    byModel.set(step.model, [...(byModel.get(step.model) ?? []), step]);
  const counts = new Map(plan.windows.map((w) => [w.model, w]));
  const accepted = new Map(plan.accept.map((a) => [a.model, a]));
  const width = Math.max(
    8,
    ...[...byModel.keys(), ...plan.skipped.map((s) => s.model)].map((m) => m.length),
  );
  const lines: string[] = [];
  for (const [model, steps] of byModel) {
    const first = steps[0]!;
    const c = counts.get(model);
    let detail: string;
    const reasons: string[] = [];
    if (c) {
      const build = c.missing + c.stale + c.forced;
      const parts = [
        c.refresh
          ? `full refresh: ${formatCount(build)} of ${formatCount(c.total)} windows to rebuild aside, then swap in`
          : `${formatCount(build)} of ${formatCount(c.total)} windows to build`,
      ];
      if (c.missing > 0) parts.push(`${formatCount(c.missing)} missing`);
      if (c.stale > 0) parts.push(paint('yellow', `${formatCount(c.stale)} stale`));
      if (c.forced > 0 && !c.refresh) parts.push(`${formatCount(c.forced)} forced`);
      if (c.check > 0) parts.push(`${formatCount(c.check)} to check after their upstream`);
      if (c.done > 0) parts.push(`${formatCount(c.done)} done (skip)`);
      if (c.partial > 0) parts.push(`${formatCount(c.partial)} of them partial`);
      if (c.batches !== build + c.check) parts.push(`${formatCount(c.batches)} batches`);
      detail = parts.join(', ');
      for (const r of foldReasons(c.reasons))
        if (r.reason !== 'missing' && r.reason !== 'forced' && r.reason !== 'full refresh')
          reasons.push(`      ${paint('dim', `${labelRanges(r.windows)}: ${r.reason}`)}`);
    } else detail = first.reason;
    const a = accepted.get(model);
    if (a)
      reasons.unshift(
        `      ${paint('yellow', `--forward-only: ${formatCount(a.windows)} windows built under an older definition keep their rows`)}`,
      );
    lines.push(
      `  ${paint('green', first.kind.padEnd(11))} ${model.padEnd(width)}  ${paint('dim', detail)}`,
      ...reasons,
    );
  }
  for (const s of plan.skipped) {
    lines.push(
      `  ${paint('dim', 'skip'.padEnd(11))} ${s.model.padEnd(width)}  ${paint('dim', s.reason)}`,
    );
    const a = accepted.get(s.model);
    if (a)
      lines.push(
        `      ${paint('yellow', `--forward-only: ${formatCount(a.windows)} windows built under an older definition keep their rows`)}`,
      );
  }
  const windows = plan.steps.reduce((n, s) => n + s.windows.length, 0);
  const count = plan.steps.length;
  for (const note of plan.notes ?? []) lines.push(paint('yellow', `note: ${note}`));
  return `${lines.join('\n')}\n${count} step${count === 1 ? '' : 's'} (${formatCount(windows)} window${windows === 1 ? '' : 's'}) to run, ${plan.skipped.length} skipped\n`;
}
