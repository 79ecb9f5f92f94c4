import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One line of the benchmark table. */
export interface Row {
  readonly case: string;
  readonly etl: number;
  readonly floor: number;
  readonly floorName: string;
  /** The highest acceptable etl/floor ratio (or, with `speedup`, 1/the lowest speed-up). */
  readonly target: number | undefined;
  readonly speedup?: number;
  readonly lowerIsBetter?: boolean;
  readonly unit?: 'x' | 'MiB';
  readonly note?: string;
}

/** Write BENCHMARKS.md from a run's figures. */
export function writeReport(
  path: string,
  report: {
    date: string;
    quick: boolean;
    rows: number;
    runs: number;
    machine: Record<string, unknown>;
    results: readonly Row[];
  },
): void {
  const fmt = (r: Row, n: number) =>
    r.unit === 'x'
      ? n.toFixed(2)
      : r.unit === 'MiB'
        ? `${Math.round(n)} MiB`
        : n < 1000
          ? `${Math.round(n)} ms`
          : `${(n / 1000).toFixed(2)} s`;
  const lines = [
    `Measured ${report.date.slice(0, 10)} with \`npm run bench${report.quick ? ' -- --quick' : ''}\`: ${report.rows.toLocaleString('en-US')} generated events over 365 days, medians of ${report.runs} run(s), etl and its floor side by side in one run.`,
    '',
    `Machine: ${String(report.machine.cores)} cores (${String(report.machine.cpu)}), ${String(report.machine.memoryGiB)} GiB, Node ${String(report.machine.node)}, DuckDB ${String(report.machine.duckdb)}.`,
    '',
    '| case | etl | floor | ratio | target |',
    '|---|---:|---:|---:|---|',
    ...report.results.map((r) => {
      const ratio =
        r.speedup !== undefined ? `${r.speedup.toFixed(2)}x faster` : (r.etl / r.floor).toFixed(2);
      const target =
        r.target === undefined
          ? 'context'
          : r.speedup !== undefined
            ? `>= ${(1 / r.target).toFixed(2)}x`
            : `<= ${r.target}`;
      return `| ${r.case.trim()} | ${fmt(r, r.etl)} | ${fmt(r, r.floor)} (${r.floorName}) | ${ratio} | ${target}${r.note ? `; ${r.note}` : ''} |`;
    }),
    '',
  ];
  // The results go between markers, so that the notes written around them are kept.
  const START = '<!-- results: written by npm run bench -- --write -->';
  const END = '<!-- /results -->';
  const block = `${START}\n${lines.join('\n')}\n${END}`;
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const a = old.indexOf(START);
  const b = old.indexOf(END);
  writeFileSync(
    path,
    a >= 0 && b > a ? `${old.slice(0, a)}${block}${old.slice(b + END.length)}` : `${block}\n`,
  );
}
