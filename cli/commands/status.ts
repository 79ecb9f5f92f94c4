import { projectStatus, type ModelStatus, type WindowState } from '../../core/api/status.js';
import { formatDay, formatTimestamp, type Window } from '../../core/plan/window.js';
import { labelRanges } from '../../core/plan/data-versions.js';
import { foldReasons } from '../../core/plan/reason-fold.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, painter, useColor } from '../output.js';

interface StatusFlags extends GlobalFlags {
  select?: string[];
  exclude?: string[];
  until?: string;
}

/** `etl status`: per model its windows done / missing / stale / failed, with a calendar grid. */
export async function statusCommand(flags: StatusFlags): Promise<number> {
  const until = parseDateFlag(flags.until, '--until');
  const models = await projectStatus({
    ...projectOptions(flags),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    ...(until === undefined ? {} : { until }),
  });
  if (flags.json) {
    const iso = (ms: number) => new Date(ms).toISOString();
    const pick = (m: ModelStatus, s: WindowState) =>
      m.windows.filter((w) => w.state === s).map((w) => iso(w.window.start));
    const why = (m: ModelStatus) =>
      Object.fromEntries(
        m.windows.filter((w) => w.reason !== undefined).map((w) => [iso(w.window.start), w.reason]),
      );
    process.stdout.write(
      `${JSON.stringify({
        models: models.map((m) => ({
          name: m.name,
          materialized: m.materialized,
          grain: m.grain,
          done: pick(m, 'done'),
          partial: pick(m, 'partial'),
          stale: pick(m, 'stale'),
          failed: pick(m, 'failed'),
          missing: pick(m, 'missing'),
          reasons: why(m),
          forward_only: m.windows.filter((w) => w.forwardOnly).map((w) => iso(w.window.start)),
          ...(m.refreshing === undefined ? {} : { refreshing: m.refreshing }),
        })),
      })}\n`,
    );
    return 0;
  }
  const color = useColor(process.stdout);
  process.stdout.write(models.map((m) => renderModel(m, color)).join('\n') + legend(color));
  return 0;
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

function renderModel(m: ModelStatus, color: boolean): string {
  const paint = painter(color);
  const count = (s: WindowState) => m.windows.filter((w) => w.state === s).length;
  const forward = m.windows.filter((w) => w.forwardOnly).length;
  const head = `${paint('bold', m.name)}  ${paint('dim', `${m.materialized}, ${m.grain}`)}  done ${formatCount(count('done'))}${forward > 0 ? ` (${formatCount(forward)} forward-only)` : ''}, partial ${formatCount(count('partial'))}, missing ${formatCount(count('missing'))}, stale ${formatCount(count('stale'))}, failed ${formatCount(count('failed'))}`;
  if (m.windows.length === 0)
    return `${head}\n  ${paint('dim', 'no start in its config and nothing built yet')}\n`;
  const rows = new Map<string, string[]>();
  for (const w of m.windows) {
    const key = rowKey(m, w.window.start);
    const row = rows.get(key) ?? [];
    if (row.length === 0 && m.grain === 'day') {
      // Pad the first row so that columns are days of the month.
      const dom = new Date(w.window.start).getUTCDate();
      for (let i = 1; i < dom; i++) row.push(' ');
    }
    if (row.length === 0 && m.grain === 'hour') {
      const hour = new Date(w.window.start).getUTCHours();
      for (let i = 0; i < hour; i++) row.push(' ');
    }
    row.push(cell(w.state, color));
    rows.set(key, row);
  }
  // Runs of rows where nothing is built yet fold into one line, so that what is built shows.
  const folded: { key: string; line: string }[] = [];
  const keys = [...rows.keys()];
  for (let i = 0; i < keys.length;) {
    let j = i;
    const empty = (k: string) =>
      rows.get(k)!.every((c) => c === ' ' || c === cell('missing', color));
    while (j < keys.length && empty(keys[j]!)) j++;
    if (j - i >= 2) {
      const count = keys
        .slice(i, j)
        .reduce((n, k) => n + rows.get(k)!.filter((c) => c !== ' ').length, 0);
      folded.push({
        key: keys[i]!,
        line: `  ${`${keys[i]}..${keys[j - 1]}`.padEnd(10)} ${paint('dim', `${formatCount(count)} windows, none built`)}`,
      });
      i = j;
      continue;
    }
    const k = keys[i]!;
    folded.push({ key: k, line: `  ${k.padEnd(10)} ${rows.get(k)!.join('')}` });
    i++;
  }
  const shown = folded.slice(m.grain === 'hour' ? -8 : -24);
  const lines = shown.map((f) => f.line);
  if (folded.length > shown.length)
    lines.unshift(
      `  ${paint('dim', `(${folded.length - shown.length} earlier rows not shown; last window ${formatTimestamp(m.windows.at(-1)!.window.start)})`)}`,
    );
  return `${head}\n${lines.join('\n')}\n${explain(m, paint)}`;
}

/** Reason lines shown per model. */
const REASONS = 8;

/** Why windows are stale or partial: one line per reason, with its windows as ranges. */
function explain(m: ModelStatus, paint: ReturnType<typeof painter>): string {
  const byReason = new Map<string, Window[]>();
  for (const w of m.windows) {
    if (w.reason === undefined) continue;
    const key = `${w.state} ${w.state === 'partial' ? `(${w.reason})` : `because ${w.reason}`}`;
    byReason.set(key, [...(byReason.get(key) ?? []), w.window]);
  }
  const reasons = foldReasons([...byReason].map(([reason, windows]) => ({ reason, windows }))).map(
    (g) => [g.reason, g.windows] as const,
  );
  const shown = reasons.length > REASONS ? reasons.slice(0, REASONS - 1) : reasons;
  const lines = shown.map(
    ([reason, windows]) =>
      `  ${paint(reason.startsWith('stale') ? 'yellow' : 'cyan', `${labelRanges(windows, m.grain)}`)} ${reason}`,
  );
  if (shown.length < reasons.length) {
    const rest = reasons.slice(shown.length).reduce((n, [, w]) => n + w.length, 0);
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

function legend(color: boolean): string {
  return `\n${(['done', 'partial', 'missing', 'stale', 'failed'] as const).map((s) => `${cell(s, color)} ${s}`).join('   ')}\n`;
}
