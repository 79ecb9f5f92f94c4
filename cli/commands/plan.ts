import { planBackfillProject, planBuildProject, planCatchUpProject } from '../../core/api/build.js';
import type { Plan, Step } from '../../core/plan/plan.js';
import type { PlannedStatements } from '../../core/execute/plan-statements.js';
import { formatStatements } from '../../core/materialize/statement.js';
import { UsageError } from '../../core/errors.js';
import { intFlag, parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, painter, useColor } from '../output.js';
import { labelRanges } from '../../core/plan/data-versions.js';
import { foldReasons } from '../../core/plan/reason-fold.js';
import { windowRanges } from '../../core/plan/window-ranges.js';
import { formatLiveRun, liveJson, readOrLive } from './status.js';

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
  sql?: boolean;
}

/** `etl plan (--date D | --from A --to B | --until D)`: what would run, without running it. */
export async function planCommand(flags: PlanFlags): Promise<number> {
  const color = useColor(process.stdout);
  const common = {
    ...projectOptions(flags),
    // --json and --sql print what each step runs, described on the warehouse as it is now.
    ...(flags.json === true || flags.sql === true
      ? {
          withStatements: (plan: Plan, statements: AsyncIterable<[Step, PlannedStatements]>) =>
            flags.json === true
              ? writePlanJson(plan, statements, process.stdout)
              : writePlanSql(plan, statements, process.stdout, color),
        }
      : {}),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    fullRefresh: flags.fullRefresh === true,
    forwardOnly: flags.forwardOnly === true,
  };
  const batchSize = intFlag(flags.batchSize, '--batch-size', 1, 100_000);
  // Another etl process holding the warehouse: its progress instead of the plan, exit 0.
  const read = await readOrLive(common, () => planFor(flags, common, batchSize));
  if ('live' in read) {
    const note =
      "the plan needs the warehouse, which this run holds: run etl plan again once it ends for an accurate plan (rerunning the run's own command then resumes whatever it leaves undone)";
    if (flags.json === true)
      process.stdout.write(`${JSON.stringify({ ...liveJson(read.live), plan: null, note })}\n`);
    else
      process.stdout.write(
        `${formatLiveRun(read.live, color)}\n${painter(color)('yellow', `note: ${note}`)}\n`,
      );
    return 0;
  }
  const plan = read.result;
  if (flags.json !== true && flags.sql !== true) process.stdout.write(formatPlan(plan, color));
  return 0;
}

/** Plan the command the flags describe. */
async function planFor(
  flags: PlanFlags,
  common: Parameters<typeof planBuildProject>[0],
  batchSize: number | undefined,
): Promise<Plan> {
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
  return plan;
}

/**
 * The plan as one JSON object, written as it is made (a backfill's steps may be many): per
 * model its window counts and reasons, then each step with its statements.
 */
async function writePlanJson(
  plan: Plan,
  statements: AsyncIterable<[Step, PlannedStatements]>,
  out: NodeJS.WritableStream,
): Promise<void> {
  const head = JSON.stringify({ schema_version: 1, ...planJson(plan) });
  await write(out, `${head.slice(0, -1)},"steps":[`);
  let first = true;
  for await (const [step, planned] of statements) {
    await write(out, `${first ? '' : ','}${JSON.stringify(stepJson(step, planned))}`);
    first = false;
  }
  await write(out, ']}\n');
}

/** The plan as text, then each step's statements as SQL with their purpose. */
async function writePlanSql(
  plan: Plan,
  statements: AsyncIterable<[Step, PlannedStatements]>,
  out: NodeJS.WritableStream,
  color: boolean,
): Promise<void> {
  await write(
    out,
    `${formatPlan(plan, color)}\n-- The statements each step runs, on the warehouse as it is now. A step after another of\n-- this plan records in its ledger row what it reads when it runs.\n`,
  );
  for await (const [step, planned] of statements)
    await write(
      out,
      `\n-- ${step.id}: ${step.kind}, ${step.reason}\n${
        planned.statements === undefined
          ? `-- statements known when it runs: ${planned.unknown}\n`
          : `${formatStatements(planned.statements)}\n`
      }`,
    );
}

/**
 * Write to a stream, waiting when its buffer is full. A reader that went away (`| head`) ends
 * the wait too: bin.ts turns the rest of the output into nothing.
 */
async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (out.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}

/** A step as JSON, with its statements (or why they are known only when it runs). */
function stepJson(s: Step, planned: PlannedStatements): unknown {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    id: s.id,
    model: s.model,
    kind: s.kind,
    reason: s.reason,
    conditional: s.conditional,
    windows: s.windows.map((w) => ({ start: iso(w.start), end: iso(w.end) })),
    is_incremental: s.isIncremental,
    refresh: s.refresh ?? null,
    depends_on: s.dependsOn,
    statements:
      planned.statements?.map((st) => ({
        purpose: st.purpose,
        sql: st.sql,
        ...(st.purpose === 'test' ? { test: st.test.name } : {}),
      })) ?? null,
    ...(planned.unknown === undefined ? {} : { statements_unknown: planned.unknown }),
  };
}

/** The plan as JSON without its steps: per model, its window counts and reasons. */
function planJson(plan: Plan): Record<string, unknown> {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    command: plan.command,
    models: plan.windows.map((w) => ({
      ...w,
      range: { start: iso(w.range.start), end: iso(w.range.end) },
      // Each reason's windows as runs of consecutive ones: [from, to) as ISO times.
      reasons: w.reasons.map((r) => ({
        reason: r.reason,
        state: r.state,
        count: r.windows.length,
        ranges: windowRanges(r.windows, r.state),
      })),
    })),
    accept: plan.accept,
    skipped: plan.skipped,
    notes: plan.notes ?? [],
  };
}

/**
 * The plan as text: per model in dependency order, the windows to build and why (each reason
 * with its windows), those to check after their upstream runs, and those done.
 */
export function formatPlan(plan: Plan, color: boolean): string {
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
