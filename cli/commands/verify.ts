import { verifyProject, type VerifySummary, type WindowCheck } from '../../core/api/verify.js';
import { UsageError } from '../../core/errors.js';
import { formatDay, windowLabel, type Window } from '../../core/time/window.js';
import { labelRanges } from '../../core/plan/data-versions.js';
import { foldReasons } from '../../core/plan/reason-fold.js';
import { windowRanges } from '../../core/plan/window-ranges.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, painter, useColor } from '../output.js';

/** Paints text when the output takes colour. */
type Paint = ReturnType<typeof painter>;

interface VerifyFlags extends GlobalFlags {
  from?: string;
  to?: string;
  select?: string[];
  exclude?: string[];
}

/** `etl verify --from A --to B [-s SEL]`: rebuild windows in a scratch database and compare hashes. */
export async function verifyCommand(flags: VerifyFlags): Promise<number> {
  const from = parseDateFlag(flags.from, '--from');
  const to = parseDateFlag(flags.to, '--to');
  if (from === undefined || to === undefined)
    throw new UsageError('verify needs --from and --to', '--from');
  if (from > to)
    throw new UsageError(`--from ${flags.from ?? ''} is after --to ${flags.to ?? ''}`, '--from');
  const paint = painter(useColor(process.stdout));
  const summary = await verifyProject({
    ...projectOptions(flags),
    from,
    to,
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    onWindow: (c: WindowCheck) => {
      if (flags.json || c.status !== 'mismatch') return;
      process.stdout.write(
        `${paint('red', 'MISMATCH')} ${c.model} ${windowLabel(c.window)}: ${c.reason ?? ''}\n  ${paint('cyan', 'fix')}: ${c.fix ?? ''}\n`,
      );
    },
  });
  const ok = summary.mismatched === 0 && summary.stale === 0;
  process.stdout.write(flags.json ? summaryJson(summary, ok) : summaryText(summary, ok, paint));
  return ok ? 0 : 1;
}

/**
 * `--json`: the counts, each mismatch (one window, `[from, to)`), and stale windows as runs of
 * consecutive windows with their reason and the command that rebuilds them.
 */
function summaryJson(summary: VerifySummary, ok: boolean): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return `${JSON.stringify({
    schema_version: 1,
    status: ok ? 'success' : 'failed',
    matched: summary.matched,
    mismatched: summary.mismatched,
    stale: summary.stale,
    accepted: summary.accepted,
    unverified: summary.unverified,
    missing: summary.missing,
    mismatches: summary.checks
      .filter((c) => c.status === 'mismatch')
      .map((c) => ({
        model: c.model,
        from: iso(c.window.start),
        to: iso(c.window.end),
        ledger: c.ledger ?? null,
        rebuilt: c.rebuilt ?? null,
        stored: c.stored ?? null,
        reason: c.reason ?? null,
        fix: c.fix ?? null,
      })),
    stale_windows: staleGroups(summary.checks).flatMap((g) =>
      windowRanges(g.windows, 'stale').map((r) => ({
        model: g.model,
        ...r,
        reason: g.reason,
        fix: fixOf(g.model, g.seeds, Date.parse(r.from), Date.parse(r.to)),
      })),
    ),
    skipped: summary.skipped,
  })}\n`;
}

/**
 * The text report after the mismatches (printed as found): models skipped, stale windows with
 * their fix, and a closing line with the counts.
 */
function summaryText(summary: VerifySummary, ok: boolean, paint: Paint): string {
  let out = '';
  for (const s of summary.skipped) out += `${paint('dim', `skip ${s.model}: ${s.reason}`)}\n`;
  const stale = staleGroups(summary.checks);
  for (const g of stale)
    out += `${paint('yellow', 'STALE')} ${g.model} ${labelRanges(g.windows)}: ${g.reason}\n  ${paint('cyan', 'fix')}: ${g.fix}\n`;
  if (stale.length > 1) out += fixAll(stale, paint);
  const parts = [
    `${formatCount(summary.matched)} windows match`,
    `${formatCount(summary.mismatched)} mismatched`,
  ];
  if (summary.stale > 0)
    parts.push(`${formatCount(summary.stale)} stale (to rebuild, not compared)`);
  if (summary.accepted > 0)
    parts.push(`${formatCount(summary.accepted)} accepted with --forward-only (not compared)`);
  if (summary.unverified > 0)
    parts.push(
      `${formatCount(summary.unverified)} current but not rebuilt (they build on earlier windows)`,
    );
  if (summary.missing > 0) parts.push(`${formatCount(summary.missing)} not built`);
  return `${out}${ok ? paint('green', 'Verified') : paint('red', summary.mismatched > 0 ? 'Mismatches' : 'Stale windows')}: ${parts.join(', ')}\n`;
}

/** One command for all stale groups: the span of every group, every seed and model. */
function fixAll(stale: readonly StaleGroup[], paint: Paint): string {
  const from = Math.min(...stale.map((g) => g.windows[0]!.start));
  const to = Math.max(...stale.map((g) => g.windows[g.windows.length - 1]!.end)) - 1;
  const selectors = new Set(stale.flatMap((g) => [...g.seeds, `${g.model}+`]));
  return `${paint('cyan', 'fix all')}: etl backfill --from ${formatDay(from)} --to ${formatDay(to)} -s ${[...selectors].join(' ')}\n`;
}

/** Stale windows of a model for one reason, with the command that rebuilds them. */
interface StaleGroup {
  model: string;
  reason: string;
  windows: Window[];
  seeds: string[];
  fix: string;
}

/** Stale windows by model and reason, with one command for each group. */
function staleGroups(checks: readonly WindowCheck[]): StaleGroup[] {
  const groups = new Map<string, { model: string; reason: string; windows: Window[] }>();
  for (const c of checks) {
    if (c.status !== 'stale') continue;
    const key = `${c.model}\u0000${c.reason ?? ''}`;
    const group = groups.get(key) ?? { model: c.model, reason: c.reason ?? '', windows: [] };
    group.windows.push(c.window);
    groups.set(key, group);
  }
  const byModel = new Map<string, { reason: string; windows: Window[] }[]>();
  for (const g of groups.values()) byModel.set(g.model, [...(byModel.get(g.model) ?? []), g]);
  const folded = [...byModel].flatMap(([model, list]) =>
    foldReasons(list).map((g) => ({ model, ...g })),
  );
  return folded.map((g) => {
    // A seed edited on disk is reloaded only when selected.
    const seeds = [...g.reason.matchAll(/seed (\w+) changed/g)].map((m) => m[1]!);
    return {
      ...g,
      seeds,
      fix: fixOf(g.model, seeds, g.windows[0]!.start, g.windows[g.windows.length - 1]!.end),
    };
  });
}

/** The command that rebuilds a model's stale windows in `[from, to)` (epoch ms). */
function fixOf(model: string, seeds: readonly string[], from: number, to: number): string {
  return `etl backfill --from ${formatDay(from)} --to ${formatDay(to - 1)} -s ${[...seeds, `${model}+`].join(' ')}`;
}
