/**
 * node dist/bench/docs.js [--quick]
 *
 * What `etl docs` costs on big projects, each figure measured side by side in one run (median
 * of 3, of 1 with --quick):
 * 1. the lineage layout of 200 and 1,000 generated models: dagre's tight-tree (what etl uses)
 *    against elkjs' layered, on the same graph;
 * 2. the whole docs build of 1,000 models, in process and as `etl docs`;
 * 3. the site of 1,000 models in headless Chromium: until interactive (target < 2 s), and a
 *    click on a node until its page shows;
 * 4. a partition grid of 100,000 hourly windows and of 36,500 daily ones: until drawn, cells
 *    in the DOM, scrolling to the last window, and a scroll step.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { writeDocs } from '../core/api/docs.js';
import { launchChromium } from './chromium.js';
import { compileProject } from '../core/compile/compile-project.js';
import { parseTarget } from '../core/engine/target.js';
import { loadProject } from '../core/project/load-project.js';
import { docsHtml, type DocsData, type DocsPartitions } from '../core/docs/docs-site.js';
import type { WindowDetails } from '../core/docs/docs-ledger.js';
import { layoutLineage, type LineageNode } from '../core/docs/lineage-layout.js';
import { writeLayeredProject, prng } from './generated-project.js';
import { commandMs, median, time } from './measure.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 1 : 3;
const bin = fileURLToPath(new URL('../cli/etl.cjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'etl-bench-docs-'));
const INTERACTIVE_TARGET_MS = 2000;

interface Figure {
  readonly case: string;
  readonly value: string;
  readonly note?: string;
}
const figures: Figure[] = [];
const ms = (n: number): string => `${Math.round(n).toLocaleString('en-US')} ms`;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** Median milliseconds of `runs` runs of `work`. */
async function medianMs(work: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) times.push(await time(work));
  return median(times);
}

/** A layered project of `n` models (bench/generated-project.ts) with a target never built. */
function layeredProject(n: number): string {
  const dir = join(work, `layered-${n}`);
  writeLayeredProject(dir, n);
  writeFileSync(join(dir, 'etl.yml'), 'target: duckdb:w.duckdb\n');
  return dir;
}

type Edge = { readonly from: string; readonly to: string };

/** Node width as layoutLineage sizes it (kept in step with core/docs/lineage-layout.ts). */
const nodeWidth = (label: string): number =>
  Math.max(80, Math.round((label.length + 2) * 7.2 + 24));

interface ElkLike {
  layout(graph: unknown): Promise<{ width?: number; height?: number }>;
}

/** elkjs, or why it could not be loaded. */
async function loadElk(): Promise<ElkLike | string> {
  try {
    const mod = (await import('elkjs/lib/elk.bundled.js')) as unknown as {
      default: new () => ElkLike;
    };
    return new mod.default();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** 1. dagre tight-tree (layoutLineage) against elkjs layered, on the docs' own graph. */
async function layoutCase(n: number, nodes: readonly LineageNode[], edges: readonly Edge[]) {
  const dagreMs = await medianMs(() => layoutLineage(nodes, edges));
  const label = `1. layout ${n.toLocaleString('en-US')} models (${nodes.length.toLocaleString('en-US')} nodes, ${edges.length.toLocaleString('en-US')} edges)`;
  figures.push({ case: `${label}: dagre tight-tree`, value: ms(dagreMs) });
  const elk = await loadElk();
  if (typeof elk === 'string') {
    figures.push({ case: `${label}: elkjs layered`, value: 'skipped', note: elk });
    log(`  1. layout ${n}: dagre ${ms(dagreMs)}, elkjs skipped (${elk})`);
    return;
  }
  const graph = () => ({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '10',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
    },
    children: nodes.map((node) => ({ id: node.id, width: nodeWidth(node.label), height: 30 })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  const elkMs = await medianMs(() => elk.layout(graph()));
  figures.push({
    case: `${label}: elkjs layered`,
    value: ms(elkMs),
    note: `elkjs/dagre = ${(elkMs / dagreMs).toFixed(2)}x`,
  });
  log(`  1. layout ${n}: dagre ${ms(dagreMs)}, elkjs ${ms(elkMs)}`);
}

/** The lineage graph writeDocs lays out, from its data. */
function lineageOf(data: DocsData): { nodes: LineageNode[]; edges: Edge[] } {
  const known = new Set(data.nodes.map((n) => n.name));
  return {
    nodes: data.nodes.map((n) => ({ id: n.name, label: n.name })),
    edges: data.nodes.flatMap((n) =>
      n.depends_on.filter((p) => known.has(p)).map((p) => ({ from: p, to: n.name })),
    ),
  };
}

/** The same graph of a project, from compiling it (no SQL formatting, no site). */
function compiledLineage(dir: string): { nodes: LineageNode[]; edges: Edge[] } {
  const compiled = compileProject(loadProject(dir), {
    target: parseTarget('duckdb::memory:', dir),
  });
  const nodes = [...compiled.nodes.values()];
  return {
    nodes: nodes.map((n) => ({ id: n.name, label: n.name })),
    edges: nodes.flatMap((n) =>
      n.kind === 'model' ? n.refs.map((p) => ({ from: p, to: n.name })) : [],
    ),
  };
}

/** A fresh page (own context, so no cache), closed after `work`. */
async function withPage<T>(browser: Browser, work: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage();
  try {
    return await work(page);
  } finally {
    await page.context().close();
  }
}

/** 3. The 1,000-model site: until interactive, and a click on a node until its page. */
async function renderCase(browser: Browser, index: string, nodeName: string): Promise<void> {
  const url = pathToFileURL(index).href;
  const ready: number[] = [];
  const clicks: number[] = [];
  let inPage = { parseMs: 0, domInteractive: 0, fcp: 0, elements: 0, svgNodes: 0, svgEdges: 0 };
  let clickHow = 'click';
  for (let r = 0; r < runs; r++)
    await withPage(browser, async (page) => {
      const started = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 60_000 });
      ready.push(performance.now() - started);
      inPage = await page.evaluate<typeof inPage>(`(() => {
        const text = document.getElementById('etl-data').textContent;
        const t0 = performance.now();
        JSON.parse(text);
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return {
          parseMs: performance.now() - t0,
          domInteractive: nav ? nav.domInteractive : 0,
          fcp: fcp ? fcp.startTime : 0,
          elements: document.getElementsByTagName('*').length,
          svgNodes: document.querySelectorAll('#lineage .node').length,
          svgEdges: document.querySelectorAll('#lineage .edge').length,
        };
      })()`);
      const node = page.locator(`#lineage .node[data-name="${nodeName}"]`);
      const clicked = performance.now();
      try {
        await node.click({ timeout: 3000 });
      } catch {
        // Nodes of a 1,000-model graph fitted to the screen are tiny, and may be overlapped.
        clickHow = 'dispatched click';
        await node.dispatchEvent('click');
      }
      // A selector, not waitForFunction: the page's CSP forbids the eval its polling uses.
      await page.waitForSelector(`#page h1:text-is(${JSON.stringify(nodeName)})`, {
        timeout: 10_000,
      });
      clicks.push(performance.now() - clicked);
    });
  const readyMs = median(ready);
  figures.push({
    case: '3. render 1,000 models: goto → interactive (data-ready)',
    value: ms(readyMs),
    note: `${readyMs < INTERACTIVE_TARGET_MS ? 'PASS' : 'FAIL'} (< 2 s); in page: domInteractive ${ms(inPage.domInteractive)}, first paint ${ms(inPage.fcp)}, JSON.parse ${ms(inPage.parseMs)}; ${inPage.elements.toLocaleString('en-US')} elements (${inPage.svgNodes} nodes, ${inPage.svgEdges} edges)`,
  });
  figures.push({
    case: `3. render 1,000 models: ${clickHow} on ${nodeName} → #page h1`,
    value: ms(median(clicks)),
  });
  figures.push({
    case: '3. render 1,000 models: index.html size',
    value: `${statSync(index).size.toLocaleString('en-US')} bytes`,
  });
  log(`  3. render: interactive ${ms(readyMs)}, click ${ms(median(clicks))}`);
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Docs data of one incremental model of `count` windows of `grain` from 2000-01-01 (or, hourly,
 * 2014-01-01): mostly done, with runs of stale, failed and missing windows scattered, every
 * built window with its details.
 */
function syntheticData(name: string, grain: 'hour' | 'day', count: number): DocsData {
  const step = grain === 'hour' ? HOUR : DAY;
  const first = Date.UTC(grain === 'hour' ? 2014 : 2000, 0, 1);
  const random = prng(count);
  const states: string[] = [];
  while (states.length < count) {
    const roll = random();
    const [state, length] =
      roll < 0.9
        ? ['done', 1 + Math.floor(random() * 400)]
        : roll < 0.95
          ? ['stale', 1 + Math.floor(random() * 48)]
          : roll < 0.97
            ? ['failed', 1 + Math.floor(random() * 3)]
            : ['missing', 1 + Math.floor(random() * 200)];
    for (let i = 0; i < length && states.length < count; i++) states.push(state);
  }
  const runIds = Array.from(
    { length: 50 },
    (_, i) => `2024-05-01T00-00-00-${String(i).padStart(4, '0')}`,
  );
  const details: WindowDetails = { start: [], rows: [], hash: [], run: [], at: [], error: [] };
  const counts: Record<string, number> = { done: 0, partial: 0, stale: 0, missing: 0, failed: 0 };
  const ranges: { from: string; to: string; state: string; count: number; reason?: string }[] = [];
  for (let i = 0; i < count; i++) {
    const state = states[i]!;
    const start = first + i * step;
    counts[state] = (counts[state] ?? 0) + 1;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.state === state) {
      last.count++;
      last.to = new Date(start + step).toISOString();
    } else
      ranges.push({
        from: new Date(start).toISOString(),
        to: new Date(start + step).toISOString(),
        state,
        count: 1,
        ...(state === 'stale' ? { reason: 'upstream src changed' } : {}),
      });
    if (state === 'missing') continue;
    const failed = state === 'failed';
    details.start.push(start);
    details.rows.push(failed ? null : Math.floor(random() * 100_000));
    details.hash.push(
      failed
        ? null
        : Math.floor(random() * 2 ** 52)
            .toString(16)
            .padStart(16, '0'),
    );
    details.run.push(Math.floor(random() * runIds.length));
    details.at.push(start + step + Math.floor(random() * HOUR));
    details.error.push(failed ? `Binder Error: column "x" not found\nLINE 1: select x ...` : null);
  }
  const partitions: DocsPartitions = {
    name,
    grain,
    counts,
    forward_only: 0,
    refreshing: null,
    ranges,
    details,
  };
  return {
    schema_version: 1,
    generated_at: '2024-05-02T00:00:00.000Z',
    etl_version: '0.0.0-bench',
    project: 'bench',
    target: { name: null, type: 'duckdb' },
    sample_window: null,
    nodes: [
      {
        name,
        kind: 'model',
        materialized: 'incremental',
        file: `models/${name}.sql`,
        description: null,
        depends_on: [],
        columns: [],
        tests: [],
        config: { materialized: 'incremental', grain },
        raw_sql: 'select 1',
        compiled_sql: 'select 1',
        compiled_window: null,
        state: counts.failed! > 0 ? 'failed' : 'done',
      },
    ],
    partitions: [partitions],
    run_ids: runIds,
    runs: [],
    gantt: null,
    warehouse_note: null,
  };
}

/** In the page: the ms of one scroll step of the grid (frame start → cells drawn and laid out). */
const SCROLL_STEP = `new Promise((resolve) => {
  const el = document.querySelector('.grid-scroll');
  const inner = el.firstElementChild;
  let frame = 0;
  const t0 = performance.now();
  const timer = setTimeout(() => { observer.disconnect(); resolve({ frame: -1, total: -1 }); }, 1000);
  const observer = new MutationObserver(() => {
    observer.disconnect();
    clearTimeout(timer);
    inner.getBoundingClientRect();
    inner.lastElementChild.lastElementChild.getBoundingClientRect();
    const t = performance.now();
    resolve({ frame: t - frame, total: t - t0 });
  });
  observer.observe(inner, { childList: true });
  requestAnimationFrame(() => { frame = performance.now(); });
  el.scrollTop += el.clientHeight;
})`;

/** 4. A grid of `count` windows: until drawn, cells in the DOM, scroll to the end, a step. */
async function gridCase(browser: Browser, grain: 'hour' | 'day', count: number): Promise<void> {
  const name = grain === 'hour' ? 'fct_hourly' : 'fct_daily';
  const data = syntheticData(name, grain, count);
  const layout = layoutLineage([{ id: name, label: name }], []);
  const file = join(work, `grid-${grain}.html`);
  const built = performance.now();
  writeFileSync(file, docsHtml(data, layout));
  const buildMs = performance.now() - built;
  const lastStart = new Date(data.partitions[0]!.ranges.at(-1)!.to);
  lastStart.setTime(lastStart.getTime() - (grain === 'hour' ? HOUR : DAY));
  const lastIso = lastStart.toISOString();
  const url = `${pathToFileURL(file).href}#model/${name}`;
  const drawn: number[] = [];
  const toEnd: number[] = [];
  const frames: number[] = [];
  const steps: number[] = [];
  let cells = 0;
  for (let r = 0; r < runs; r++)
    await withPage(browser, async (page) => {
      const started = performance.now();
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForSelector('.grid-scroll .c', { state: 'attached', timeout: 60_000 });
      drawn.push(performance.now() - started);
      cells = await page.evaluate<number>("document.querySelectorAll('.grid-scroll .c').length");
      for (let s = 0; s < (quick ? 5 : 10); s++) {
        const step = await page.evaluate<{ frame: number; total: number }>(SCROLL_STEP);
        if (step.frame >= 0) {
          frames.push(step.frame);
          steps.push(step.total);
        }
      }
      const scrolled = performance.now();
      await page.evaluate(
        "(() => { const el = document.querySelector('.grid-scroll'); el.scrollTop = el.scrollHeight; })()",
      );
      try {
        await page.waitForSelector(`.grid-scroll .c[data-start="${lastIso}"]`, {
          state: 'attached',
          timeout: 1000,
        });
        toEnd.push(performance.now() - scrolled);
      } catch {
        toEnd.push(Infinity);
      }
    });
  const label = `4. grid ${count.toLocaleString('en-US')} ${grain === 'hour' ? 'hourly' : 'daily'} windows`;
  const size = statSync(file).size;
  figures.push({
    case: `${label}: goto → cells drawn`,
    value: ms(median(drawn)),
    note: `${size.toLocaleString('en-US')} bytes of HTML (docsHtml ${ms(buildMs)}); ${cells.toLocaleString('en-US')} cells in the DOM`,
  });
  const endMs = median(toEnd);
  figures.push({
    case: `${label}: scroll to the bottom → last window drawn`,
    value: Number.isFinite(endMs) ? ms(endMs) : 'not within 1 s',
    note: `${Number.isFinite(endMs) && endMs < 1000 ? 'PASS' : 'FAIL'} (< 1 s), ${lastIso}`,
  });
  figures.push({
    case: `${label}: scroll step (frame start → drawn + laid out)`,
    value: frames.length > 0 ? `${median(frames).toFixed(1)} ms` : 'no redraw seen',
    note:
      steps.length > 0
        ? `scroll → drawn ${median(steps).toFixed(1)} ms (median of ${steps.length})`
        : '',
  });
  log(`  ${label}: drawn ${ms(median(drawn))}, ${cells} cells, to end ${ms(endMs)}`);
}

/** The figures as a table on stdout. */
function printTable(): void {
  const width = Math.max(...figures.map((f) => f.case.length));
  const valueWidth = Math.max(...figures.map((f) => f.value.length));
  process.stdout.write(
    `\netl docs bench (${quick ? 'quick: 1 run' : `median of ${runs}`}, node ${process.version})\n\n`,
  );
  for (const f of figures)
    process.stdout.write(
      `${f.case.padEnd(width)}  ${f.value.padStart(valueWidth)}${f.note ? `  ${f.note}` : ''}\n`,
    );
}

try {
  const started = performance.now();
  log('docs bench: building the 200- and 1,000-model projects');
  const small = layeredProject(200);
  const big = layeredProject(1000);
  const bigOut = join(work, 'site-1000');
  // Cold: no layout kept from a build before (.etl/docs-cache.json); warm: the same graph,
  // its layout reused (a description edited, a run finished, a --serve rebuild).
  const layoutCache = join(big, '.etl', 'docs-cache.json');
  const cold = async (): Promise<number> => {
    rmSync(layoutCache, { force: true });
    const t0 = performance.now();
    bigDocs = await writeDocs({ project: big, out: bigOut });
    return performance.now() - t0;
  };
  const docsTimes: number[] = [];
  let bigDocs = await writeDocs({ project: big, out: bigOut });
  const smallGraph = compiledLineage(small);
  await layoutCase(200, smallGraph.nodes, smallGraph.edges);
  const bigGraph = lineageOf(bigDocs.data);
  await layoutCase(1000, bigGraph.nodes, bigGraph.edges);
  for (let r = 0; r < runs; r++) docsTimes.push(await cold());
  const warmTimes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    bigDocs = await writeDocs({ project: big, out: bigOut });
    warmTimes.push(performance.now() - t0);
  }
  const docsMs = median(docsTimes);
  figures.push({
    case: '2. docs build 1,000 models: writeDocs (no warehouse), cold',
    value: ms(docsMs),
    note: bigDocs.warehouseNote ?? '',
  });
  figures.push({
    case: '2. docs build 1,000 models: writeDocs, layout kept',
    value: ms(median(warmTimes)),
    note: `the same graph: layout and formatted SQL read from .etl/docs-cache.json`,
  });
  const cliTimes: number[] = [];
  const cliWarm: number[] = [];
  for (let r = 0; r < runs; r++) {
    rmSync(layoutCache, { force: true });
    cliTimes.push(commandMs(process.execPath, [bin, 'docs', '--project-dir', big, '--quiet']));
    cliWarm.push(commandMs(process.execPath, [bin, 'docs', '--project-dir', big, '--quiet']));
  }
  figures.push({
    case: '2. docs build 1,000 models: node dist/cli/etl.cjs docs, cold',
    value: ms(median(cliTimes)),
  });
  figures.push({
    case: '2. docs build 1,000 models: node dist/cli/etl.cjs docs, layout kept',
    value: ms(median(cliWarm)),
  });
  log(
    `  2. docs build: writeDocs ${ms(docsMs)} cold, ${ms(median(warmTimes))} warm; etl docs ${ms(median(cliTimes))} cold, ${ms(median(cliWarm))} warm`,
  );

  const browser = await launchChromium();
  try {
    await renderCase(browser, bigDocs.index, 'm500');
    await gridCase(browser, 'hour', 100_000);
    await gridCase(browser, 'day', 36_500);
  } finally {
    await browser.close();
  }
  printTable();
  process.stdout.write(`\nwhole bench ${ms(performance.now() - started)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
