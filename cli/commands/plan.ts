import { planBuildProject } from '../../core/api/build.js';
import type { Plan } from '../../core/plan/plan.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { painter, useColor } from '../output.js';

interface PlanFlags extends GlobalFlags {
  date?: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
}

/** `etl plan --date D`: what build would do, without running anything. */
export async function planCommand(flags: PlanFlags): Promise<number> {
  const date = parseDateFlag(flags.date, '--date');
  const plan = await planBuildProject({
    ...projectOptions(flags),
    ...(date === undefined ? {} : { date }),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    fullRefresh: flags.fullRefresh === true,
    readOnly: true,
  });
  if (flags.json)
    process.stdout.write(`${JSON.stringify(planJson(plan, flags.verbose === true))}\n`);
  else process.stdout.write(formatPlan(plan, useColor(process.stdout), flags.verbose === true));
  return 0;
}

/** The plan as JSON: per model, its steps; SQL only when verbose. */
export function planJson(plan: Plan, withSql: boolean): unknown {
  return {
    command: plan.command,
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

/** The plan as text, grouped by model in dependency order. */
export function formatPlan(plan: Plan, color: boolean, withSql: boolean): string {
  const paint = painter(color);
  const byModel = new Map<string, Plan['steps'][number][]>();
  for (const step of plan.steps)
    byModel.set(step.model, [...(byModel.get(step.model) ?? []), step]);
  const lines: string[] = [];
  for (const [model, steps] of byModel) {
    const first = steps[0];
    if (!first) continue;
    const windows = steps.map((s) => s.id.split('@')[1]).filter((w) => w !== undefined);
    const detail =
      windows.length > 0
        ? `${windows.length} window${windows.length === 1 ? '' : 's'}: ${compactList(windows)}`
        : first.reason;
    lines.push(
      `  ${paint('green', first.kind.padEnd(11))} ${model}  ${paint('dim', detail)}${first.fullRefresh ? paint('yellow', ' (full refresh)') : ''}`,
    );
    if (withSql) for (const s of steps) lines.push(indent(s.sql, 6));
  }
  for (const s of plan.skipped)
    lines.push(`  ${paint('dim', 'skip'.padEnd(11))} ${s.model}  ${paint('dim', s.reason)}`);
  const count = plan.steps.length;
  return `${lines.join('\n')}\n${count} step${count === 1 ? '' : 's'} to run, ${plan.skipped.length} skipped\n`;
}

function compactList(items: string[]): string {
  if (items.length <= 4) return items.join(', ');
  return `${items[0]} … ${items[items.length - 1]}`;
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}
