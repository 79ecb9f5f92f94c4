import type { DocsRun, WindowDetails } from './docs-ledger.js';
import { PAGES_CSS, PAGES_JS } from './client-pages.js';
import { SELECT_JS } from './client-select.js';
import { highlightCss, highlightScript } from './highlight.js';
import type { LineageLayout } from './lineage-layout.js';

/** One node of the site: a source, seed or model, as `.etl/manifest.json` lists it, and more. */
export interface DocsNode {
  readonly name: string;
  readonly kind: 'source' | 'seed' | 'model';
  readonly materialized: string | null;
  readonly file: string | null;
  readonly description: string | null;
  readonly depends_on: readonly string[];
  readonly columns: readonly { readonly name: string; readonly description: string | null }[];
  readonly tests: readonly {
    readonly name: string;
    readonly type: string;
    readonly severity: string;
    /** The column (or columns, comma-separated) it checks, or null. */
    readonly column: string | null;
    /** Its newest result among the runs kept in `.etl/runs/`, or null. */
    readonly last: {
      readonly status: string;
      readonly failures: number;
      readonly run_id: string;
    } | null;
  }[];
  readonly config: Readonly<Record<string, unknown>>;
  /** The model's template, as written. */
  readonly raw_sql: string | null;
  /** Rendered for the model's first window of the day given (`compiled_window`), formatted. */
  readonly compiled_sql: string | null;
  /** The window `compiled_sql` was rendered for (by the model's grain), ISO. */
  readonly compiled_window: { readonly from: string; readonly to: string } | null;
  /** Incremental models: how their windows stand (`done`, `stale`, `failed`...), else null. */
  readonly state: 'done' | 'partial' | 'stale' | 'failed' | 'missing' | null;
}

/** An incremental model's windows, as ranges of one state (as `etl status --json` gives). */
export interface DocsPartitions {
  readonly name: string;
  readonly grain: string;
  readonly counts: Readonly<Record<string, number>>;
  /** Windows whose rows were accepted with `--forward-only`. */
  readonly forward_only: number;
  /** A full refresh under way: the windows written aside so far; else null. */
  readonly refreshing: number | null;
  readonly ranges: readonly {
    readonly from: string;
    readonly to: string;
    readonly state: string;
    readonly count: number;
    readonly reason?: string;
    readonly forward_only?: boolean;
  }[];
  /** Each window with a ledger row or a failure: rows, hash, run, when, error. */
  readonly details: WindowDetails;
}

/** The steps of one run on a timeline, per thread. */
export interface DocsGantt {
  readonly run_id: string;
  readonly command: string;
  readonly status: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly threads: number;
  readonly steps: readonly {
    readonly step: string;
    readonly model: string;
    readonly status: string;
    readonly thread: number;
    /** Milliseconds after the run started. */
    readonly start: number;
    readonly duration: number;
    readonly rows: number;
    readonly windows: number;
  }[];
}

/** Everything the site shows, embedded in its page as JSON. */
export interface DocsData {
  readonly schema_version: 1;
  readonly generated_at: string;
  readonly etl_version: string;
  readonly project: string;
  readonly target: { readonly name: string | null; readonly type: string };
  /** The window compiled SQL was rendered for (ISO), or null. */
  readonly sample_window: { readonly from: string; readonly to: string } | null;
  readonly nodes: readonly DocsNode[];
  /** Per incremental model; empty when the warehouse could not be read. */
  readonly partitions: readonly DocsPartitions[];
  /** Run ids the windows' details point into. */
  readonly run_ids: readonly string[];
  /** The last runs, newest first. */
  readonly runs: readonly DocsRun[];
  /** The newest backfill's steps (else the newest run's), from `.etl/runs/`, or null. */
  readonly gantt: DocsGantt | null;
  /** Why partitions are empty, when they are. */
  readonly warehouse_note: string | null;
}

/** Text safe inside HTML (and attribute values). */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The lineage as an SVG: one `g.node` per node (state and kind as data), one path per edge. */
export function lineageSvg(layout: LineageLayout, nodes: ReadonlyMap<string, DocsNode>): string {
  const edges = layout.edges.map((e) => {
    const d = e.points
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(' ');
    return `<path class="edge" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}" d="${d}" marker-end="url(#arrow)"/>`;
  });
  const boxes = layout.nodes.map((n) => {
    const node = nodes.get(n.id);
    const kind = node?.kind ?? 'model';
    // An incremental model by key is coloured as an upsert (it is one, a day at a time).
    const mat =
      node?.config.strategy === 'incremental_by_key' ? 'upsert' : (node?.materialized ?? kind);
    const state = node?.state ?? 'none';
    const tests = node?.tests.length ?? 0;
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    // A failed model carries a symbol, not only a colour.
    const mark =
      state === 'failed' ? '✕ ' : state === 'stale' ? '~ ' : state === 'partial' ? '½ ' : '';
    const badge =
      tests > 0
        ? `<g class="badge"><title>${tests} test${tests === 1 ? '' : 's'}</title><circle cx="${(x + n.width).toFixed(1)}" cy="${y.toFixed(1)}" r="8"/><text x="${(x + n.width).toFixed(1)}" y="${(y + 3.5).toFixed(1)}">${tests}</text></g>`
        : '';
    return `<g class="node kind-${kind} mat-${escapeHtml(mat)} state-${state}" data-name="${escapeHtml(n.id)}" data-kind="${kind}" data-materialized="${escapeHtml(mat)}" data-state="${state}" tabindex="0" role="link" aria-label="${escapeHtml(`${n.id}, ${mat}${state === 'none' ? '' : `, ${state}`}`)}"><title>${escapeHtml(`${n.id} (${mat}${state === 'none' ? '' : `, ${state}`})`)}</title><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width}" height="${n.height}" rx="6"/><text x="${n.x.toFixed(1)}" y="${(n.y + 4).toFixed(1)}">${escapeHtml(mark + n.label)}</text>${badge}</g>`;
  });
  return `<svg id="lineage" role="img" aria-label="lineage of ${layout.nodes.length} nodes" viewBox="0 0 ${Math.max(layout.width, 1)} ${Math.max(layout.height, 1)}" data-width="${layout.width}" data-height="${layout.height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs><g id="viewport"><g class="edges">${edges.join('')}</g><g class="nodes">${boxes.join('')}</g></g></svg>`;
}

/** The whole site: one self-contained HTML file (no network, works from `file://`). */
export function docsHtml(data: DocsData, layout: LineageLayout): string {
  const byName = new Map(data.nodes.map((n) => [n.name, n]));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.project)} · etl docs</title>
<style>${CSS}${PAGES_CSS}${highlightCss()}</style>
</head>
<body>
<header><a href="#" class="home">${escapeHtml(data.project)}</a><nav aria-label="pages"><a href="#">Lineage</a> <a href="#partitions">Partitions</a> <a href="#runs">Runs</a></nav>
<label>Search <input id="search" type="search" placeholder="name, +model+, tag:x, state:failed" autocomplete="off" title="the selector grammar of -s: names and globs, +/@ graph operators, tag:, path:, config.KEY:, source:, and state: by windows (done, stale, failed, missing, partial); spaces for a union, commas for an intersection"></label><span id="search-note" class="dim" aria-live="polite"></span>
<label>Colour by <select id="colour"><option value="materialized">materialization</option><option value="state">state</option></select></label>
<span class="dim generated" title="etl ${escapeHtml(data.etl_version)}">written ${escapeHtml(data.generated_at.slice(0, 16).replace('T', ' '))} UTC</span>
</header>
<main>
<section id="graph-view" aria-label="lineage">${lineageSvg(layout, byName)}<div id="zoom" role="group" aria-label="zoom"><button id="zoom-in" type="button" aria-label="zoom in" title="zoom in (+)">+</button><button id="zoom-out" type="button" aria-label="zoom out" title="zoom out (−)">−</button><button id="zoom-fit" type="button" aria-label="fit the whole lineage" title="fit (0)">fit</button></div><p id="graph-legend" class="dim"><span class="by-mat">${['seed', 'source', 'view', 'table', 'incremental', 'upsert'].map((m) => `<span class="key"><span class="swatch-box" style="background:var(--${m})"></span>${m}</span>`).join(' ')}</span><span class="by-st">${['done', 'partial', 'stale', 'failed', 'missing'].map((m) => `<span class="key"><span class="swatch-box st-${m}">${m === 'failed' ? '✕' : m === 'stale' ? '~' : m === 'partial' ? '½' : ''}</span>${m}</span>`).join(' ')}</span> · <span class="badge-key">n</span> tests · drag to pan, wheel to zoom, arrows to walk</p></section>
<section id="page" hidden></section>
</main>
<script type="application/json" id="etl-data">${scriptJson(data)}</script>
<script>${highlightScript()}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

const CSS = `
:root { --bg:#fff; --fg:#1d1d1f; --dim:#6b6b76; --line:#c8c8d0; --panel:#f5f5f7;
  --seed:#d8e8ff; --source:#e6f4d7; --view:#efe6ff; --table:#fff1cc; --incremental:#ffe0d6; --upsert:#ffd6e7;
  --done:#bfe8c2; --partial:#ffe9a8; --stale:#ffd08a; --failed:#ffb3b3; --missing:#e3e3e8; --focus:#0a64d8; --on-focus:#fff; --alarm:#b00020; }
@media (prefers-color-scheme: dark) { :root { --bg:#16161a; --fg:#ececf1; --dim:#9d9daa; --line:#4a4a55; --panel:#222228;
  --seed:#213a5c; --source:#2b4422; --view:#3a2d57; --table:#4d3f14; --incremental:#5a2f24; --upsert:#5a2440;
  --done:#1f5a2a; --partial:#5c4d12; --stale:#6b4514; --failed:#7a1f1f; --missing:#34343c; --focus:#6aa8ff; --on-focus:#16161a; --alarm:#ff8a9a; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; gap:1.2rem; align-items:center; padding:.5rem 1rem; border-bottom:1px solid var(--line); flex-wrap:wrap; }
header .home { font-weight:600; color:inherit; text-decoration:none; }
header nav a { color:var(--focus); margin-right:.6rem; }
header .generated { margin-left:auto; font-size:12px; }
.dim { color:var(--dim); }
input, select { font:inherit; background:var(--panel); color:var(--fg); border:1px solid var(--line); border-radius:4px; padding:2px 6px; }
#graph-view { height:calc(100vh - var(--header-h, 50px)); overflow:hidden; position:relative; }
#zoom { position:absolute; right:1rem; top:.6rem; display:flex; gap:4px; }
#zoom button { font:14px system-ui; min-width:2rem; background:var(--panel); color:var(--fg); border:1px solid var(--line); border-radius:4px; cursor:pointer; }
#zoom button:focus { outline:2px solid var(--focus); }
.table-scroll { overflow-x:auto; max-width:100%; }
#graph-legend { position:absolute; left:1rem; bottom:.2rem; margin:0; font-size:12px; background:var(--bg); padding:2px 6px; border-radius:4px; }
#graph-legend .key { white-space:nowrap; margin-right:.6rem; }
.swatch-box { display:inline-block; width:14px; height:11px; border:1px solid var(--line); border-radius:2px; margin-right:3px; font:9px/10px system-ui; text-align:center; vertical-align:middle; color:var(--fg); }
.badge-key { display:inline-block; min-width:14px; border-radius:7px; background:var(--focus); color:var(--on-focus); font-size:10px; text-align:center; }
.swatch-box.st-done { background:var(--done); } .swatch-box.st-partial { background:var(--partial); } .swatch-box.st-stale { background:var(--stale); }
.swatch-box.st-failed { background:var(--failed); } .swatch-box.st-missing { background:var(--bg); border-style:dashed; }
body.by-state #graph-legend .by-mat, body.by-materialized #graph-legend .by-st { display:none; }
#lineage { width:100%; height:100%; cursor:grab; user-select:none; touch-action:none; }
#lineage .edge { fill:none; stroke:var(--line); stroke-width:1.2; }
#lineage marker path { fill:var(--line); }
#lineage .node rect { stroke:var(--line); fill:var(--panel); }
#lineage .node text { font:12px ui-monospace, monospace; text-anchor:middle; fill:var(--fg); pointer-events:none; }
#lineage .node { cursor:pointer; }
#lineage .node:focus rect, #lineage .node:hover rect { stroke:var(--focus); stroke-width:2; }
#lineage .node:focus { outline:none; }
body.by-materialized #lineage .mat-seed rect { fill:var(--seed); }
body.by-materialized #lineage .kind-source rect { fill:var(--source); }
body.by-materialized #lineage .mat-view rect { fill:var(--view); }
body.by-materialized #lineage .mat-table rect { fill:var(--table); }
body.by-materialized #lineage .mat-incremental rect { fill:var(--incremental); }
body.by-materialized #lineage .mat-upsert rect { fill:var(--upsert); }
body.by-state #lineage .state-done rect { fill:var(--done); }
body.by-state #lineage .state-partial rect { fill:var(--partial); }
body.by-state #lineage .state-stale rect { fill:var(--stale); }
body.by-state #lineage .state-failed rect { fill:var(--failed); stroke-dasharray:4 2; }
body.by-state #lineage .state-missing rect { fill:var(--bg); stroke-dasharray:3 3; stroke-width:1.5; }
#lineage .badge circle { fill:var(--focus); }
#lineage .badge text { font:10px system-ui; fill:var(--on-focus); text-anchor:middle; }
#lineage.focused .node:not(.in-focus), #lineage.focused .edge:not(.in-focus) { opacity:.15; }
#page { padding:1rem 1.5rem; max-width:70rem; }
#page h1 { margin:.2rem 0 .6rem; font-size:1.4rem; }
#page h1:focus { outline:none; }
#page pre { background:var(--panel); padding:.8rem; overflow:auto; border-radius:6px; font:12px/1.5 ui-monospace, monospace; }
#page table { border-collapse:collapse; margin:.4rem 0 1rem; }
#page td, #page th { border-bottom:1px solid var(--line); padding:3px 10px 3px 0; text-align:left; vertical-align:top; }
#page a { color:var(--focus); }
.state { display:inline-block; padding:0 6px; border-radius:3px; }
.state.done { background:var(--done); } .state.partial { background:var(--partial); } .state.stale { background:var(--stale); }
.state.failed { background:var(--failed); } .state.missing { background:var(--missing); }
`;

/** The page's script: pan/zoom, search and selection, colouring, and pages by hash. */
const CLIENT_JS = `
(() => {
  const data = JSON.parse(document.getElementById('etl-data').textContent);
  const nodes = new Map(data.nodes.map((n) => [n.name, n]));
  const children = new Map();
  for (const n of data.nodes) for (const p of n.depends_on) {
    if (!children.has(p)) children.set(p, []);
    children.get(p).push(n.name);
  }
  const svg = document.getElementById('lineage');
  const graphView = document.getElementById('graph-view');
  const page = document.getElementById('page');
  const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

  // Colour by materialization or by state.
  const colour = document.getElementById('colour');
  const setColour = () => { document.body.classList.toggle('by-state', colour.value === 'state'); document.body.classList.toggle('by-materialized', colour.value !== 'state'); };
  colour.addEventListener('change', setColour);
  setColour();

  // Pan and zoom by the viewBox.
  const full = { w: Number(svg.dataset.width) || 1, h: Number(svg.dataset.height) || 1 };
  let view = { x: 0, y: 0, w: full.w, h: full.h };
  const apply = () => svg.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h);
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
    const k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
    const w = view.w * k, h = view.h * k;
    view = { x: view.x + (view.w - w) * fx, y: view.y + (view.h - h) * fy, w, h };
    apply();
  }, { passive: false });
  // Zoom by buttons and keys too (+, -, 0), about the middle of the view.
  const zoomBy = (k) => {
    const w = view.w * k, h = view.h * k;
    view = { x: view.x + (view.w - w) / 2, y: view.y + (view.h - h) / 2, w, h };
    apply();
  };
  document.getElementById('zoom-in').addEventListener('click', () => zoomBy(1 / 1.4));
  document.getElementById('zoom-out').addEventListener('click', () => zoomBy(1.4));
  document.getElementById('zoom-fit').addEventListener('click', () => { view = { x: 0, y: 0, w: full.w, h: full.h }; apply(); });
  graphView.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT') return;
    if (e.key === '+' || e.key === '=') zoomBy(1 / 1.4);
    else if (e.key === '-') zoomBy(1.4);
    else if (e.key === '0') { view = { x: 0, y: 0, w: full.w, h: full.h }; apply(); }
  });
  // The graph fills the window below the header, however the header wraps.
  const header = document.querySelector('header');
  const fit = () => document.documentElement.style.setProperty('--header-h', header.offsetHeight + 'px');
  window.addEventListener('resize', fit);
  fit();
  let drag;
  svg.addEventListener('pointerdown', (e) => { if (e.target.closest('.node')) return; drag = { x: e.clientX, y: e.clientY, v: { ...view } }; svg.setPointerCapture(e.pointerId); });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    view = { ...drag.v, x: drag.v.x - (e.clientX - drag.x) * drag.v.w / r.width, y: drag.v.y - (e.clientY - drag.y) * drag.v.h / r.height };
    apply();
  });
  svg.addEventListener('pointerup', () => { drag = undefined; });

  // Search: the CLI's selector grammar (client-select.ts).
  const walk = (start, next, depth) => {
    const seen = new Set();
    let frontier = [start];
    for (let d = 0; frontier.length > 0 && d < depth; d++) {
      const out = [];
      for (const n of frontier) for (const m of next(n) || []) if (!seen.has(m)) { seen.add(m); out.push(m); }
      frontier = out;
    }
    return seen;
  };
  const parents = (n) => nodes.get(n)?.depends_on || [];
  const kids = (n) => children.get(n) || [];
${SELECT_JS}
  const search = document.getElementById('search');
  const searchNote = document.getElementById('search-note');
  search.addEventListener('input', () => {
    const chosen = search.value.trim() === '' ? undefined : select(search.value);
    searchNote.textContent = chosen === undefined ? '' : chosen.size === 0 ? 'no node matches' : chosen.size + ' of ' + nodes.size + ' nodes';
    svg.classList.toggle('focused', chosen !== undefined);
    for (const g of svg.querySelectorAll('.node')) g.classList.toggle('in-focus', chosen?.has(g.dataset.name) ?? false);
    for (const p of svg.querySelectorAll('.edge')) p.classList.toggle('in-focus', (chosen?.has(p.dataset.from) && chosen?.has(p.dataset.to)) ?? false);
  });

  // A node opens its page; Enter too (keyboard).
  const open = (name) => { location.hash = '#model/' + encodeURIComponent(name); };
  svg.addEventListener('click', (e) => { const g = e.target.closest('.node'); if (g) open(g.dataset.name); });
  // Keyboard: Tab walks the nodes; arrows follow the lineage (left: upstream, right:
  // downstream, up/down: the next node in the same column), keeping the node in view.
  const boxes = new Map([...svg.querySelectorAll('.node')].map((g) => { const r = g.querySelector('rect'); return [g.dataset.name, { g, x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')), w: Number(r.getAttribute('width')), h: Number(r.getAttribute('height')) }]; }));
  const reveal = (b) => {
    if (b.x < view.x || b.y < view.y || b.x + b.w > view.x + view.w || b.y + b.h > view.y + view.h) {
      view = { ...view, x: b.x + b.w / 2 - view.w / 2, y: b.y + b.h / 2 - view.h / 2 };
      apply();
    }
  };
  const nearest = (from, names) => names.map((n) => boxes.get(n)).filter(Boolean).sort((a, b) => Math.abs(a.y - from.y) - Math.abs(b.y - from.y))[0];
  svg.addEventListener('keydown', (e) => {
    const g = e.target.closest('.node');
    if (!g) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(g.dataset.name); return; }
    const here = boxes.get(g.dataset.name);
    let to;
    if (e.key === 'ArrowLeft') to = nearest(here, parents(g.dataset.name));
    else if (e.key === 'ArrowRight') to = nearest(here, kids(g.dataset.name));
    else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      const column = [...boxes.values()].filter((b) => Math.abs(b.x + b.w / 2 - here.x - here.w / 2) < 1).sort((a, b) => a.y - b.y);
      to = column[column.indexOf(here) + (e.key === 'ArrowUp' ? -1 : 1)];
    } else return;
    e.preventDefault();
    if (to) { to.g.focus(); reveal(to); }
  });
  svg.addEventListener('focusin', (e) => { const g = e.target.closest('.node'); if (g) reveal(boxes.get(g.dataset.name)); });

  const link = (n) => '<a href="#model/' + encodeURIComponent(n) + '">' + esc(n) + '</a>';
  function modelPage(n) {
    const parts = ['<p><a href="#">← lineage</a></p>', '<h1>' + esc(n.name) + '</h1>',
      '<p class="dim">' + esc(n.kind) + (n.materialized ? ' · ' + esc(n.materialized) : '') + (n.file ? ' · ' + esc(n.file) : '') + (n.state ? ' · <span class="state ' + esc(n.state) + '">' + esc(n.state) + '</span>' : '') + '</p>'];
    if (n.description) parts.push('<p>' + esc(n.description) + '</p>');
    if (data.warehouse_note && n.kind === 'model') parts.push('<p class="note">' + esc(data.warehouse_note) + '</p>');
    const p = data.partitions.find((x) => x.name === n.name);
    if (p) parts.push('<h2>Windows <span class="dim">by ' + esc(p.grain) + '</span></h2>' + gridHtml(p) + '<details><summary>as ranges</summary><table class="ranges"><tr><th>from</th><th>to</th><th>state</th><th>windows</th><th>reason</th></tr>' + p.ranges.map((r) => '<tr data-state="' + esc(r.state) + '"><td>' + esc(r.from) + '</td><td>' + esc(r.to) + '</td><td><span class="state ' + esc(r.state) + '">' + esc(r.state) + '</span></td><td>' + r.count + '</td><td>' + esc(r.reason) + '</td></tr>').join('') + '</table></details>');
    parts.push('<h2>Upstream</h2><p>' + (n.depends_on.map(link).join(', ') || '<span class="dim">none</span>') + '</p>');
    parts.push('<h2>Downstream</h2><p>' + ((children.get(n.name) || []).map(link).join(', ') || '<span class="dim">none</span>') + '</p>');
    if (n.columns.length > 0) parts.push('<h2>Columns</h2><table><tr><th>column</th><th>description</th><th>tests</th></tr>' + n.columns.map((c) => '<tr><td><code>' + esc(c.name) + '</code></td><td>' + esc(c.description) + '</td><td>' + n.tests.filter((t) => (t.column || '').split(',').map((x) => x.trim()).includes(c.name)).map((t) => esc(t.name.split('(')[0])).join(', ') + '</td></tr>').join('') + '</table>');
    if (n.tests.length > 0) parts.push('<h2>Tests</h2><ul class="tests">' + n.tests.map((t) => '<li data-test="' + esc(t.name) + '" data-last="' + esc(t.last?.status ?? 'none') + '">' + esc(t.name) + ' <span class="dim">' + esc(t.type) + ', ' + esc(t.severity) + '</span>' + (t.last ? ' · last: <span class="status ' + esc(t.last.status) + '">' + (t.last.status === 'fail' || t.last.status === 'error' ? '✕ ' : '') + esc(t.last.status) + (t.last.failures ? ' (' + t.last.failures + ' rows)' : '') + '</span> <span class="dim">run ' + esc(t.last.run_id) + '</span>' : ' · <span class="dim">not run yet</span>') + '</li>').join('') + '</ul>');
    if (Object.keys(n.config).length > 0) parts.push('<h2>Config</h2><pre>' + esc(JSON.stringify(n.config, null, 2)) + '</pre>');
    if (n.raw_sql) parts.push('<h2>Template</h2><pre class="sql raw">' + esc(n.raw_sql) + '</pre>');
    if (n.compiled_sql) parts.push('<h2>Compiled</h2><p class="dim">' + (n.compiled_window ? 'for the window ' + esc(n.compiled_window.from) + ' … ' + esc(n.compiled_window.to) : '') + '</p><pre class="sql compiled">' + esc(n.compiled_sql) + '</pre>');
    return parts.join('\\n');
  }
${PAGES_JS}
  function route() {
    const m = /^#model\\/(.+)$/.exec(location.hash);
    let name;
    try { name = m ? decodeURIComponent(m[1]) : undefined; } catch { name = undefined; }
    const n = name === undefined ? undefined : nodes.get(name);
    const other = location.hash === '#partitions' ? 'partitions' : location.hash === '#runs' ? 'runs' : undefined;
    const onPage = n !== undefined || other !== undefined;
    graphView.hidden = onPage;
    page.hidden = !onPage;
    if (onPage) {
      page.innerHTML = n ? modelPage(n) : other === 'runs' ? runsPage() : partitionsPage();
      document.title = (n ? n.name : other) + ' · ' + data.project;
      mountGrids(page);
      if (window.etlHighlight) for (const pre of page.querySelectorAll('pre.sql')) pre.innerHTML = window.etlHighlight(pre.textContent, pre.classList.contains('raw'));
      window.scrollTo(0, 0);
      // The page changed: the keyboard (and a screen reader) starts at its title.
      const h1 = page.querySelector('h1');
      if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
    } else document.title = data.project + ' · etl docs';
    document.body.dataset.ready = '1';
  }
  window.addEventListener('hashchange', route);
  route();
})();
`;
