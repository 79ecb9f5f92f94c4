/**
 * Work measured in a child process of its own, so that its peak memory (maxRSS) is its own.
 * Usage: node dist/bench/child.js plan DIR FROM TO | plan-warehouse DIR FROM TO | status DIR TO
 *   | backfill DIR FROM TO THREADS BATCH
 * Prints one JSON line: { ms, maxRssMb, ... }.
 */
import { loadProject } from '../core/project/load-project.js';
import { compileProject } from '../core/compile/compile-project.js';
import { parseTarget } from '../core/engine/target.js';
import { planBackfill } from '../core/plan/plan-build.js';
import { EMPTY_STATE } from '../core/state/warehouse-state.js';
import { backfillProject, planBackfillProject } from '../core/api/build.js';
import { parseDay } from '../core/time/dates.js';
import { projectStatus } from '../core/api/status.js';

const [mode, dir = '.', from = '', to = '', threads = '1', batch = '1'] = process.argv.slice(2);
const day = (s: string): number => {
  const d = parseDay(s);
  if (d === undefined) throw new Error(`bad day ${s}`);
  return d;
};
const started = performance.now();
let extra: Record<string, unknown> = {};
if (mode === 'plan') {
  const project = loadProject(dir);
  const compiled = compileProject(project, {
    target: parseTarget('duckdb::memory:', project.root),
  });
  const plan = planBackfill(compiled, EMPTY_STATE, {
    selected: new Set(compiled.nodes.keys()),
    fullRefresh: false,
    seedHashes: new Map(),
    from: day(from),
    to: day(to),
    force: false,
  });
  extra = { windows: plan.windows.reduce((n, w) => n + w.total, 0), steps: plan.steps.length };
} else if (mode === 'plan-warehouse') {
  // The whole of `etl plan --from --to`: open the warehouse, read its ledger, check it against
  // the tables, compute every window's standing (input versions included) and plan.
  const plan = await planBackfillProject({ project: dir, from: day(from), to: day(to) });
  extra = {
    windows: plan.windows.reduce((n, w) => n + w.total, 0),
    toBuild: plan.steps.reduce((n, s) => n + s.windows.length, 0),
  };
} else if (mode === 'status') {
  // The whole of `etl status --until TO`, but printing: every window's standing.
  const models = await projectStatus({ project: dir, until: from });
  extra = { windows: models.reduce((n, m) => n + m.counts.done, 0) };
} else if (mode === 'backfill') {
  const { summary } = await backfillProject({
    project: dir,
    from: day(from),
    to: day(to),
    threads: Number(threads),
    batchSize: Number(batch),
  });
  if (summary.status !== 'success') throw new Error(JSON.stringify(summary.failures));
  extra = { windows: summary.partitions.built };
} else throw new Error(`unknown mode ${mode ?? ''}`);
const ms = performance.now() - started;
const memory = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, heapMb: memory.heapUsed / 2 ** 20, ...extra })}
`,
);
