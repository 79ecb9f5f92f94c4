import { planBackfillProject, planBuildProject, planCatchUpProject } from '../../core/api/build.js';
import type { Plan } from '../../core/plan/plan.js';
import { UsageError } from '../../core/errors.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, painter, useColor } from '../output.js';
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
}

/** `etl plan (--date D | --from A --to B | --until D)`: what would run, without running it. */
export async function planCommand(flags: PlanFlags): Promise<number> {
  const common = {
    ...projectOptions(flags),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    fullRefresh: flags.fullRefresh === true,
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
    plan = await planCatchUpProject({ ...common, ...(until === undefined ? {} : { until }) });
  } else {
    const date = parseDateFlag(flags.date, '--date');
    plan = await planBuildProject({ ...common, ...(date === undefined ? {} : { date }) });
  }
  if (flags.json)
    process.stdout.write(`${JSON.stringify(planJson(plan, flags.verbose === true))}\n`);
  else process.stdout.write(formatPlan(plan, useColor(process.stdout), flags.verbose === true));
  return 0;
}

/** The plan as JSON: per model, its window counts and steps; SQL only when verbose. */
export function planJson(plan: Plan, withSql: boolean): unknown {
  return {
    command: plan.command,
    models: plan.windows,
    steps: plan.steps.map((s) => ({
      id: s.id,
      model: s.model,
      kind: s.kind,
      reason: s.reason,
      windows: s.windows.map((w) => ({
        start: new Date(w.start).toISOString(),
        end: new Date(w.end).toISOString(),
      })),
      is_incremental: s.isIncremental,
      full_refresh: s.fullRefresh,
      depends_on: s.dependsOn,
      ...(withSql ? { sql: s.sql } : {}),
    })),
    skipped: plan.skipped,
  };
}

/** The plan as text: per model in dependency order, windows to build, done, stale; batches. */
export function formatPlan(plan: Plan, color: boolean, withSql: boolean): string {
  const paint = painter(color);
  const byModel = new Map<string, Plan['steps'][number][]>();
  for (const step of plan.steps)
    byModel.set(step.model, [...(byModel.get(step.model) ?? []), step]);
  const counts = new Map(plan.windows.map((w) => [w.model, w]));
  const width = Math.max(
    8,
    ...[...byModel.keys(), ...plan.skipped.map((s) => s.model)].map((m) => m.length),
  );
  const lines: string[] = [];
  for (const [model, steps] of byModel) {
    const first = steps[0]!;
    const c = counts.get(model);
    let detail: string;
    if (c) {
      const parts = [
        `${formatCount(c.missing + c.stale + c.forced)} of ${formatCount(c.total)} windows to build`,
      ];
      if (c.stale > 0) parts.push(paint('yellow', `${formatCount(c.stale)} stale`));
      if (c.forced > 0) parts.push(`${formatCount(c.forced)} forced`);
      if (c.done > 0) parts.push(`${formatCount(c.done)} done (skip)`);
      if (c.batches !== c.missing + c.stale + c.forced)
        parts.push(`${formatCount(c.batches)} batches`);
      const ids = steps.map((s) => s.id.split('@')[1] ?? '');
      parts.push(ids.length <= 3 ? ids.join(', ') : `${ids[0]} … ${ids[ids.length - 1]}`);
      detail = parts.join(', ');
    } else detail = first.reason;
    lines.push(
      `  ${paint('green', first.kind.padEnd(11))} ${model.padEnd(width)}  ${paint('dim', detail)}${first.fullRefresh ? paint('yellow', ' (full refresh)') : ''}`,
    );
    if (withSql)
      for (const s of steps)
        lines.push(
          s.sql
            .split('\n')
            .map((l) => `      ${l}`)
            .join('\n'),
        );
  }
  for (const s of plan.skipped)
    lines.push(
      `  ${paint('dim', 'skip'.padEnd(11))} ${s.model.padEnd(width)}  ${paint('dim', s.reason)}`,
    );
  const windows = plan.steps.reduce((n, s) => n + s.windows.length, 0);
  const count = plan.steps.length;
  return `${lines.join('\n')}\n${count} step${count === 1 ? '' : 's'} (${formatCount(windows)} window${windows === 1 ? '' : 's'}) to run, ${plan.skipped.length} skipped\n`;
}
