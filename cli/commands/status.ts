import { WarehouseInUseError } from '../../core/errors.js';
import { projectStatus, type ModelStatus, type WindowState } from '../../core/api/status.js';
import {
  addGrain,
  countWindows,
  floorToGrain,
  formatDay,
  formatTimestamp,
  windowLabel,
  type Window,
} from '../../core/time/window.js';
import { foldReasons } from '../../core/plan/reason-fold.js';
import { liveRunHolding, type LiveRun, type RunStatus } from '../../core/api/live-run.js';
import type { ProjectOptions } from '../../core/api/open-project.js';
import { PROGRESS_FILE } from '../../core/execute/progress-file.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, formatDuration, painter, useColor } from '../output.js';

interface StatusFlags extends GlobalFlags {
  select?: string[];
  exclude?: string[];
  until?: string;
}

/** `etl status`: per model its windows done / missing / stale / failed, with a calendar grid. */
export async function statusCommand(flags: StatusFlags): Promise<number> {
  const until = parseDateFlag(flags.until, '--until');
  const options = projectOptions(flags);
  let runs: readonly RunStatus[] = [];
  const read = await readOrLive(options, () =>
    projectStatus({
      ...options,
      select: flags.select ?? [],
      exclude: flags.exclude ?? [],
      ...(until === undefined ? {} : { until }),
      onRuns: (r) => (runs = r),
    }),
  );
  if ('live' in read) {
    // Another etl process holds the warehouse: its progress, and the state it began from.
    if (flags.json) process.stdout.write(`${JSON.stringify(liveJson(read.live))}\n`);
    else {
      const color = useColor(process.stdout);
      process.stdout.write(formatLiveRun(read.live, color) + formatLiveSnapshot(read.live, color));
    }
    return 0;
  }
  const models = read.result;
  if (flags.json) {
    const iso = (ms: number) => new Date(ms).toISOString();
    process.stdout.write(
      `${JSON.stringify({
        schema_version: 1,
        live: false,
        models: models.map((m) => ({
          name: m.name,
          materialized: m.materialized,
          grain: m.grain,
          counts: { ...m.counts, forward_only: m.forwardOnly },
          // Runs of windows in one state: [from, to) as ISO times, with their count.
          ranges: m.ranges.map((r) => ({
            from: iso(r.from),
            to: iso(r.to),
            state: r.state,
            count: r.count,
            ...(r.reason === undefined ? {} : { reason: r.reason }),
            ...(r.forwardOnly ? { forward_only: true } : {}),
          })),
          ...(m.refreshing === undefined ? {} : { refreshing: m.refreshing }),
        })),
        // The newest run, and runs still recorded running after the newest that finished.
        runs: runs.map((r) => ({
          run_id: r.runId,
          command: r.command,
          status: r.shown,
          ...(r.shown === r.status ? {} : { recorded_status: r.status }),
          started_at: iso(r.startedAt),
          finished_at: r.finishedAt === undefined ? null : iso(r.finishedAt),
          pid: r.pid ?? null,
          host: r.host ?? null,
        })),
      })}\n`,
    );
    return 0;
  }
  const color = useColor(process.stdout);
  process.stdout.write(
    models.map((m) => drawModel(m, color)).join('\n') + legend(color) + formatRuns(runs, color),
  );
  return 0;
}

/**
 * Read what `read` reads; when another etl process of this machine holds the warehouse and its
 * `.etl/run.json` says what it does, that run instead. A run that has just ended but not yet
 * closed the warehouse is waited for a moment. Any other error, or a holder that is not a known
 * live run, is thrown as it is (the warehouse in use).
 */
export async function readOrLive<T>(
  options: ProjectOptions,
  read: () => Promise<T>,
): Promise<{ result: T } | { live: LiveRun }> {
  const deadline = Date.now() + 3_000;
  for (;;) {
    try {
      return { result: await read() };
    } catch (error) {
      const live = liveRunHolding(error, options);
      // A run that has just started holds the warehouse before it writes its progress file:
      // a holder not known yet is asked again until the deadline.
      if (live === undefined) {
        if (!(error instanceof WarehouseInUseError) || Date.now() >= deadline) throw error;
      } else if (live.file.status === 'running' || Date.now() >= deadline) return { live };
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Say `ms` ago as `12.3 s`, `2m 05s`. */
function ago(now: number, iso: string): string {
  return formatDuration(Math.max(0, now - Date.parse(iso)));
}

/** Args of a run as flags: `--from 2024-01-01 --to 2024-03-31 --force`. */
function formatArgs(args: unknown): string {
  if (typeof args !== 'object' || args === null) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    const flag = `--${key.replaceAll('_', '-')}`;
    if (value === undefined || value === null || value === false) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) parts.push(`${flag} ${value.map(String).join(' ')}`);
    } else if (value === true) parts.push(flag);
    else parts.push(`${flag} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(' ');
}

/**
 * A live run of another process, from its progress file: what it is, how far it got, each
 * model's windows, the steps running now.
 */
export function formatLiveRun(live: LiveRun, color: boolean): string {
  const paint = painter(color);
  const f = live.file;
  const now = live.readAt;
  const t = f.totals;
  const pct = t.windows > 0 ? ` (${Math.floor((100 * t.done) / t.windows)}%)` : '';
  const args = formatArgs(f.args);
  const state =
    f.status === 'running'
      ? paint('cyan', 'running')
      : `${f.status === 'success' ? paint('green', f.status) : paint('red', f.status)}, closing the warehouse`;
  const windowed = f.models.filter((m) => m.windows_total > 0);
  const width = Math.max(8, ...windowed.map((m) => m.name.length));
  const lines = [
    `${paint('bold', `etl ${f.command}`)} is ${state} on this warehouse (another process: pid ${f.pid}); its progress, from ${PROGRESS_FILE}:`,
    `  run       ${f.run_id}: etl ${f.command}${args === '' ? '' : ` ${args}`}`,
    `  started   ${formatTimestamp(Date.parse(f.started_at))} UTC, ${ago(now, f.started_at)} ago (progress updated ${ago(now, f.updated_at)} ago)`,
    `  progress  ${formatCount(t.done)} of ${formatCount(t.windows)} windows done${pct}, ${formatCount(t.failed)} failed; ${formatCount(t.steps_done)} of ${formatCount(t.steps)} steps; ${formatCount(t.rows)} rows written`,
  ];
  for (const m of windowed) {
    const extra = [
      ...(m.failed > 0 ? [paint('red', `${formatCount(m.failed)} failed`)] : []),
      ...(m.running.length > 0 ? [paint('cyan', `running ${m.running.join(', ')}`)] : []),
    ];
    lines.push(
      `    ${m.name.padEnd(width)}  ${paint('dim', m.materialized.padEnd(11))} ${formatCount(m.windows_done)} of ${formatCount(m.windows_total)} windows${extra.length > 0 ? `, ${extra.join(', ')}` : ''}`,
    );
  }
  // Seeds, views and tables, one step each: counted, the few not done named.
  const others = f.models.filter((m) => m.windows_total === 0);
  if (others.length > 0) {
    const named = (list: readonly { name: string }[]) =>
      list.length === 0
        ? ''
        : ` (${list
            .slice(0, 4)
            .map((m) => m.name)
            .join(', ')}${list.length > 4 ? ', ...' : ''})`;
    const running = others.filter((m) => m.running.length > 0);
    const failed = others.filter((m) => m.failed > 0);
    const todo = others.filter(
      (m) => m.steps_done < m.steps_total && m.running.length === 0 && m.failed === 0,
    );
    const done = others.length - running.length - failed.length - todo.length;
    lines.push(
      `    ${'seeds, views, tables'.padEnd(width)}  ${formatCount(done)} of ${formatCount(others.length)} done${running.length > 0 ? `, ${paint('cyan', `${running.length} running${named(running)}`)}` : ''}${failed.length > 0 ? `, ${paint('red', `${failed.length} failed${named(failed)}`)}` : ''}${todo.length > 0 ? `, ${todo.length} to do${named(todo)}` : ''}`,
    );
  }
  if (f.running.length > 0)
    lines.push(
      `  running   ${f.running.map((r) => `${r.id} (${ago(now, r.started_at)}${r.attempt === undefined ? '' : `, try ${r.attempt}`})`).join(', ')}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The snapshot of a live run: the ledger as it stood when the run began, per model. */
function formatLiveSnapshot(live: LiveRun, color: boolean): string {
  const paint = painter(color);
  const snapshot = live.file.snapshot;
  if (snapshot === null)
    return `\n${paint('dim', 'The run holds the warehouse: run etl status again once it ends for the state of every window.')}\n`;
  const lines = [
    '',
    `State at the run's start (${formatTimestamp(Date.parse(snapshot.taken_at))} UTC) over the run's range, the last committed state status can read while the run holds the warehouse; the windows the run built since (above) are not in it:`,
    ...snapshot.models.map((m) => {
      const c = m.counts;
      const range = `${m.range.from.slice(0, 10)}..${m.range.to.slice(0, 10)}`;
      return `${paint('bold', m.name)}  ${paint('dim', `${m.materialized}, ${m.grain}, ${range}`)}  done ${formatCount(c.done)}${c.forward_only > 0 ? ` (${formatCount(c.forward_only)} forward-only)` : ''}, partial ${formatCount(c.partial)}, missing ${formatCount(c.missing)}, stale ${formatCount(c.stale)}, failed ${formatCount(c.failed)}`;
    }),
    paint(
      'dim',
      'Run etl status again once the run ends for the state of every window, with its grid.',
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** `etl status --json` of a live run: the run as its progress file says, and the snapshot. */
export function liveJson(live: LiveRun): Record<string, unknown> {
  const { snapshot, ...file } = live.file;
  // The file's own schema_version is the object's.
  const run: Partial<typeof file> = { ...file };
  delete run.schema_version;
  return {
    schema_version: 1,
    live: true,
    run: { ...run, read_at: new Date(live.readAt).toISOString() },
    // As the ledger stood at the run's start: counts only, without ranges.
    models: (snapshot?.models ?? []).map((m) => ({ ...m, as_of: snapshot?.taken_at })),
  };
}

/** The newest run of the ledger, and runs left running or abandoned after the last finished. */
function formatRuns(runs: readonly RunStatus[], color: boolean): string {
  if (runs.length === 0) return '';
  const paint = painter(color);
  const lines = runs.map((r, i) => {
    const when = `started ${formatTimestamp(r.startedAt)} UTC`;
    const head = `${i === 0 ? 'last run' : 'run'}: etl ${r.command} ${r.runId}`;
    switch (r.shown) {
      case 'abandoned':
        return `${head} ${paint('red', 'abandoned')}: ${when}, still recorded running but its process${r.pid === undefined ? '' : ` (pid ${r.pid}${r.host === undefined ? '' : ` on ${r.host}`})`} is gone; rerun the command to resume (what it committed is kept)`;
      case 'running':
        return `${head} ${paint('cyan', 'running')}: ${when}${r.pid === undefined ? '' : ` (pid ${r.pid}${r.host === undefined ? '' : ` on ${r.host}`})`}`;
      default:
        return `${head} ${r.shown === 'success' ? paint('green', r.shown) : paint('yellow', r.shown)}: ${when}${r.finishedAt === undefined ? '' : `, took ${formatDuration(r.finishedAt - r.startedAt)}`}`;
    }
  });
  return `\n${lines.join('\n')}\n`;
}

const PLAIN: Record<WindowState, string> = {
  done: '#',
  partial: 'o',
  stale: '~',
  failed: 'x',
  missing: '.',
};

function cell(state: WindowState, color: boolean): string {
  if (!color) return PLAIN[state];
  const paint = painter(true);
  switch (state) {
    case 'done':
      return paint('green', '■');
    case 'partial':
      return paint('cyan', '◧');
    case 'stale':
      return paint('yellow', '■');
    case 'failed':
      return paint('red', '■');
    case 'missing':
      return paint('dim', '·');
  }
}

/** Rows of the grid: a month of days, a day of hours, a year of weeks or months. */
function rowKey(m: ModelStatus, start: number): string {
  const day = formatDay(start);
  switch (m.grain) {
    case 'hour':
      return day;
    case 'day':
      return day.slice(0, 7);
    default:
      return day.slice(0, 4);
  }
}

/** Windows of a long range drawn cell by cell at each of its ends; the middle is folded. */
const DRAWN = 400;

/** A model: a head line with its counts, its grid (the latest rows), why windows are not done. */
function drawModel(m: ModelStatus, color: boolean): string {
  const paint = painter(color);
  const head = modelHead(m, paint);
  if (m.ranges.length === 0)
    return `${head}\n  ${paint('dim', 'no start in its config and nothing built yet')}\n`;
  const lines = gridLines(gridRows(m, color), m, color, paint);
  const shown = lines.slice(m.grain === 'hour' ? -8 : -24);
  const lastRange = m.ranges.at(-1)!;
  if (lines.length > shown.length)
    shown.unshift(
      `  ${paint('dim', `(${lines.length - shown.length} earlier rows not shown; last window ${formatTimestamp(addGrain(lastRange.to, m.grain, -1))})`)}`,
    );
  return `${head}\n${shown.join('\n')}\n${explain(m, paint)}`;
}

/** The model's name, kind and grain, and its windows counted by state. */
function modelHead(m: ModelStatus, paint: Paint): string {
  const c = m.counts;
  return `${paint('bold', m.name)}  ${paint('dim', `${m.materialized}, ${m.grain}`)}  done ${formatCount(c.done)}${m.forwardOnly > 0 ? ` (${formatCount(m.forwardOnly)} forward-only)` : ''}, partial ${formatCount(c.partial)}, missing ${formatCount(c.missing)}, stale ${formatCount(c.stale)}, failed ${formatCount(c.failed)}`;
}

/** A row of the grid: its cells, or a fold standing for the middle of a long range. */
type Row = { key: string; cells: string[] } | { key: string; fold: string };

/** Rows of cells; a long range draws its first and last windows and folds the rest. */
function gridRows(m: ModelStatus, color: boolean): Row[] {
  const rows: Row[] = [];
  const push = (start: number, state: WindowState): void => {
    const key = rowKey(m, start);
    let row = rows.at(-1);
    if (row === undefined || row.key !== key || !('cells' in row)) {
      row = { key, cells: [] };
      // Pad the first row so that columns are days of the month, or hours of the day.
      const pad =
        m.grain === 'day'
          ? new Date(start).getUTCDate() - 1
          : m.grain === 'hour'
            ? new Date(start).getUTCHours()
            : 0;
      for (let i = 0; i < pad; i++) row.cells.push(' ');
      rows.push(row);
    }
    row.cells.push(cell(state, color));
  };
  for (const r of m.ranges) {
    if (r.count <= 2 * DRAWN) {
      for (let s = r.from; s < r.to; s = addGrain(s, m.grain, 1)) push(s, r.state);
      continue;
    }
    let s = r.from;
    for (let i = 0; i < DRAWN; i++, s = addGrain(s, m.grain, 1)) push(s, r.state);
    const tail = addGrain(r.to, m.grain, -DRAWN);
    const folded = r.count - 2 * DRAWN;
    rows.push({
      key: `${rowKey(m, s)}..${rowKey(m, addGrain(tail, m.grain, -1))}`,
      fold: `${formatCount(folded)} windows ${FOLDED[r.state]}`,
    });
    for (s = tail; s < r.to; s = addGrain(s, m.grain, 1)) push(s, r.state);
  }
  return rows;
}

/**
 * The rows as lines. Runs of rows where nothing is built yet fold into one line, so that what
 * is built shows.
 */
function gridLines(rows: readonly Row[], m: ModelStatus, color: boolean, paint: Paint): string[] {
  const empty = (row: Row) =>
    'fold' in row
      ? row.fold.endsWith(FOLDED.missing)
      : row.cells.every((c) => c === ' ' || c === cell('missing', color));
  const lines: string[] = [];
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && empty(rows[j]!)) j++;
    if (j - i >= 2) {
      const count = countWindows(rangeStart(rows, i, m), rangeEnd(rows, j - 1, m), m.grain);
      lines.push(
        `  ${`${firstKey(rows[i]!)}..${lastKey(rows[j - 1]!)}`.padEnd(10)} ${paint('dim', `${formatCount(count)} windows, none built`)}`,
      );
      i = j;
      continue;
    }
    const row = rows[i]!;
    lines.push(
      'fold' in row
        ? `  ${row.key.padEnd(10)} ${paint('dim', row.fold)}`
        : `  ${row.key.padEnd(10)} ${row.cells.join('')}`,
    );
    i++;
  }
  return lines;
}

/** Paints text when the output takes colour. */
type Paint = ReturnType<typeof painter>;

const FOLDED: Record<WindowState, string> = {
  done: 'done',
  partial: 'partial',
  stale: 'stale',
  failed: 'failed',
  missing: 'none built',
};

const firstKey = (row: { key: string }) => row.key.split('..')[0]!;
const lastKey = (row: { key: string }) => row.key.split('..').at(-1)!;

/** The first window start of row `i` (rows are consecutive in time). */
function rangeStart(rows: readonly { key: string }[], i: number, m: ModelStatus): number {
  return keyStart(firstKey(rows[i]!), m);
}

/** The end of the last window of row `j`. */
function rangeEnd(rows: readonly { key: string }[], j: number, m: ModelStatus): number {
  const next = rows[j + 1];
  if (next !== undefined) return keyStart(firstKey(next), m);
  return m.ranges.at(-1)!.to;
}

/** The first window start of a row key (a day, a month, or a year). */
function keyStart(key: string, m: ModelStatus): number {
  const [y, mo, d] = key.split('-').map(Number);
  const start = Date.UTC(y!, (mo ?? 1) - 1, d ?? 1);
  // A row begins with the first window of the model at or after its key.
  const first = m.ranges[0]!.from;
  return Math.max(
    first,
    floorToGrain(start, m.grain) < start
      ? addGrain(floorToGrain(start, m.grain), m.grain, 1)
      : start,
  );
}

/** Reason lines shown per model. */
const REASONS = 8;

/** Why windows are stale or partial: one line per reason, with its windows as ranges. */
function explain(m: ModelStatus, paint: Paint): string {
  const byReason = new Map<string, Window[]>();
  for (const r of m.ranges) {
    if (r.reason === undefined) continue;
    const key = `${r.state} ${r.state === 'partial' ? `(${r.reason})` : `because ${r.reason}`}`;
    byReason.set(key, [...(byReason.get(key) ?? []), { start: r.from, end: r.to }]);
  }
  const reasons = foldReasons([...byReason].map(([reason, windows]) => ({ reason, windows }))).map(
    (g) => [g.reason, g.windows] as const,
  );
  const shown = reasons.length > REASONS ? reasons.slice(0, REASONS - 1) : reasons;
  const lines = shown.map(
    ([reason, windows]) =>
      `  ${paint(reason.startsWith('stale') ? 'yellow' : 'cyan', `${labelSpans(windows, m.grain)}`)} ${reason}`,
  );
  if (shown.length < reasons.length) {
    const rest = reasons
      .slice(shown.length)
      .reduce(
        (n, [, w]) => n + w.reduce((k, x) => k + countWindows(x.start, x.end, m.grain), 0),
        0,
      );
    lines.push(
      `  ${paint('dim', `... and ${formatCount(rest)} more windows for ${reasons.length - shown.length} other reasons (etl status --json lists them all)`)}`,
    );
  }
  if (m.refreshing !== undefined)
    lines.push(
      `  ${paint('yellow', `a full refresh is under way (${formatCount(m.refreshing)} windows written aside): rerun it with --full-refresh to finish it`)}`,
    );
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Spans of windows as `first..last` labels, adjacent spans merged, three at most. */
function labelSpans(spans: readonly Window[], grain: ModelStatus['grain']): string {
  const merged: { start: number; end: number }[] = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && last.end === s.start) last.end = s.end;
    else merged.push({ start: s.start, end: s.end });
  }
  const label = (start: number) => windowLabel({ start, end: addGrain(start, grain, 1) }, grain);
  const shown = merged.slice(0, 3).map((s) => {
    const lastStart = addGrain(s.end, grain, -1);
    return lastStart === s.start ? label(s.start) : `${label(s.start)}..${label(lastStart)}`;
  });
  if (merged.length > 3) shown.push(`and ${merged.length - 3} more ranges`);
  return shown.join(', ');
}

function legend(color: boolean): string {
  return `\n${(['done', 'partial', 'missing', 'stale', 'failed'] as const).map((s) => `${cell(s, color)} ${s}`).join('   ')}\n`;
}
