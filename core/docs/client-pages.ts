/**
 * The site's partition grids, runs page and run timeline: browser code, inlined into the
 * page's script (see docs-site.ts), where `data`, `nodes`, `esc` and `link` are in scope.
 *
 * A grid lays a model's windows out by grain: hours as a day × hour heatmap (a row a day),
 * days as a year calendar (a block a year: weekdays down, weeks across), weeks and months as
 * a row a year. Each window drawn is an element carrying its state and a title; only the rows
 * in view (and a few more) are drawn, so 100,000 windows cost what a screenful does. Arrow
 * keys move through the windows, Enter or a click tells a window's details.
 */
export const PAGES_JS = `
  const HOUR = 3600000, DAY = 86400000;
  const STATES = ['done', 'partial', 'stale', 'missing', 'failed'];
  const MARK = { failed: '✕', stale: '~', partial: '½', done: '', missing: '' };
  const numbers = new Intl.NumberFormat('en-US');
  const fmt = (n) => numbers.format(n);
  const iso = (ms) => new Date(ms).toISOString();
  const addGrain = (ms, grain, n) => {
    if (grain === 'hour') return ms + n * HOUR;
    if (grain === 'day') return ms + n * DAY;
    if (grain === 'week') return ms + n * 7 * DAY;
    const d = new Date(ms);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
  };
  const label = (ms, grain) => {
    const t = iso(ms);
    if (grain === 'hour') return t.slice(0, 10) + ' ' + t.slice(11, 16);
    if (grain === 'week') return 'week of ' + t.slice(0, 10);
    if (grain === 'month') return t.slice(0, 7);
    return t.slice(0, 10);
  };
  const duration = (ms) => ms < 1000 ? Math.round(ms) + ' ms' : ms < 60000 ? (ms / 1000).toFixed(1) + ' s' : Math.floor(ms / 60000) + 'm ' + String(Math.round(ms % 60000 / 1000)).padStart(2, '0') + 's';

  // A model's windows one by one, from its ranges: starts, states and reasons as arrays.
  const expanded = new Map();
  function windowsOf(p) {
    let w = expanded.get(p.name);
    if (w) return w;
    const start = [], state = [], reason = [], forward = [];
    for (const r of p.ranges) {
      const to = Date.parse(r.to);
      for (let s = Date.parse(r.from); s < to; s = addGrain(s, p.grain, 1)) { start.push(s); state.push(r.state); reason.push(r.reason); forward.push(r.forward_only === true); }
    }
    const detail = new Map(p.details.start.map((s, i) => [s, i]));
    w = { start, state, reason, forward, detail };
    expanded.set(p.name, w);
    return w;
  }

  // The layout of a grain: blocks (rows, or a year for days) of windows, cells placed in them.
  const CELL = 13;
  function layoutOf(p, w) {
    const blocks = [];
    const keyOf = p.grain === 'hour' ? (s) => Math.floor(s / DAY) : (s) => new Date(s).getUTCFullYear();
    for (let i = 0; i < w.start.length; i++) {
      const k = keyOf(w.start[i]);
      const last = blocks[blocks.length - 1];
      if (last && last.key === k) last.to = i + 1; else blocks.push({ key: k, from: i, to: i + 1 });
    }
    const daysGrid = p.grain === 'day';
    return {
      blocks,
      height: daysGrid ? 18 + 7 * CELL + 6 : CELL,
      blockLabel: (b) => p.grain === 'hour' ? iso(b.key * DAY).slice(0, 10) : String(b.key),
      // Column and row of a window in its block.
      place: (s, b) => {
        if (p.grain === 'hour') return [Math.floor((s % DAY) / HOUR), 0];
        if (p.grain === 'month') return [new Date(s).getUTCMonth(), 0];
        const jan1 = Date.UTC(b.key, 0, 1);
        if (p.grain === 'week') return [Math.floor((s - jan1) / (7 * DAY)), 0];
        const weekday = (new Date(jan1).getUTCDay() + 6) % 7;
        const day = Math.floor((s - jan1) / DAY);
        return [Math.floor((day + weekday) / 7), (new Date(s).getUTCDay() + 6) % 7];
      },
      // Arrow keys: [left/right, up/down] in windows.
      steps: p.grain === 'hour' ? [1, 24] : p.grain === 'day' ? [7, 1] : p.grain === 'week' ? [1, 52] : [1, 12],
    };
  }

  function titleOf(p, w, i) {
    const parts = [label(w.start[i], p.grain), w.state[i] + (w.forward[i] ? ' (forward-only: rows of an older definition, accepted)' : '')];
    if (w.reason[i]) parts.push(w.reason[i]);
    const d = w.detail.get(w.start[i]);
    if (d !== undefined) {
      const det = p.details;
      if (det.error[d]) parts.push('error: ' + det.error[d].split('\\n')[0]);
      if (det.rows[d] !== null) parts.push(fmt(det.rows[d]) + ' rows');
      if (det.hash[d]) parts.push('hash ' + det.hash[d]);
      parts.push('run ' + (data.run_ids[det.run[d]] || '?'));
      parts.push((det.error[d] ? 'failed at ' : 'finished at ') + iso(det.at[d]).replace('T', ' ').slice(0, 19) + ' UTC');
    }
    return parts.join(' · ');
  }

  function legend(p) {
    return '<p class="legend">' + STATES.map((s) => '<span class="legend-item" data-state="' + s + '" data-count="' + (p.counts[s] || 0) + '"><span class="c s-' + s + '">' + MARK[s] + '</span> ' + s + ' ' + fmt(p.counts[s] || 0) + '</span>').join(' ') +
      (p.forward_only ? ' <span class="legend-item" data-forward-only="' + p.forward_only + '">(' + fmt(p.forward_only) + ' forward-only: rows of an older definition, accepted)</span>' : '') + '</p>' +
      (p.refreshing !== null && p.refreshing !== undefined ? '<p class="note">a full refresh is under way: ' + fmt(p.refreshing) + ' window' + (p.refreshing === 1 ? '' : 's') + ' written aside so far; the table shown is the one before it until it is swapped in</p>' : '');
  }

  function gridHtml(p) {
    if (p.ranges.length === 0) return '<p class="dim">no windows yet (no start in its config and none built)</p>';
    return legend(p) + '<div class="grid-scroll" tabindex="0" role="group" data-model="' + esc(p.name) + '" data-grain="' + esc(p.grain) + '" aria-label="windows of ' + esc(p.name) + ' by ' + esc(p.grain) + ': arrow keys move, Enter tells one"><div class="grid-inner"></div></div><p class="grid-detail" aria-live="polite"></p>';
  }

  // Draw the blocks in view of each grid under root, and keep them drawn as it scrolls.
  function mountGrids(root) {
    for (const el of root.querySelectorAll('.grid-scroll')) {
      const p = data.partitions.find((x) => x.name === el.dataset.model);
      if (p) mountGrid(el, p);
    }
  }
  function mountGrid(el, p) {
    const w = windowsOf(p);
    const lay = layoutOf(p, w);
    const inner = el.firstElementChild;
    const detail = el.nextElementSibling;
    const blockOf = new Int32Array(w.start.length);
    lay.blocks.forEach((b, bi) => { for (let i = b.from; i < b.to; i++) blockOf[i] = bi; });
    const total = lay.blocks.length * lay.height;
    inner.style.height = total + 'px';
    el.style.height = Math.min(total + 4, 440) + 'px';
    // Open where it matters: the first failed window, else the newest built, else the newest.
    let cursor = w.state.indexOf('failed');
    if (cursor < 0) for (cursor = w.start.length - 1; cursor > 0 && w.state[cursor] === 'missing'; cursor--);
    if (w.state[cursor] === 'missing') cursor = w.start.length - 1;
    // Blocks drawn, by index: a scroll adds the blocks coming into view and drops those far
    // out of it; the others stay as they are.
    const shown = new Map();
    const OVERSCAN = 240;
    function blockHtml(bi) {
      const b = lay.blocks[bi];
      const out = ['<span class="block-label">' + lay.blockLabel(b) + '</span>'];
      const top0 = p.grain === 'day' ? 18 : 0;
      for (let i = b.from; i < b.to; i++) {
        const [col, row] = lay.place(w.start[i], b);
        const s = w.state[i];
        out.push('<span class="c s-' + s + '" data-i="' + i + '" data-state="' + s + '" data-start="' + iso(w.start[i]) + '" tabindex="' + (i === cursor ? 0 : -1) + '" role="img" title="' + esc(titleOf(p, w, i)) + '" style="left:' + (86 + col * CELL) + 'px;top:' + (top0 + row * CELL) + 'px">' + MARK[s] + '</span>');
      }
      return out.join('');
    }
    function draw() {
      const top = el.scrollTop, h = el.clientHeight || 440;
      const first = Math.max(0, Math.floor((top - OVERSCAN) / lay.height));
      const last = Math.min(lay.blocks.length, Math.ceil((top + h + OVERSCAN) / lay.height));
      for (const [bi, div] of shown) if (bi < first || bi >= last) {
        // The focused window scrolled far away: the grid keeps the focus (arrows go on).
        if (div.contains(document.activeElement)) el.focus({ preventScroll: true });
        div.remove();
        shown.delete(bi);
      }
      for (let bi = first; bi < last; bi++) {
        if (shown.has(bi)) continue;
        const div = document.createElement('div');
        div.className = 'block';
        div.style.top = bi * lay.height + 'px';
        div.style.height = lay.height + 'px';
        div.innerHTML = blockHtml(bi);
        inner.appendChild(div);
        shown.set(bi, div);
      }
    }
    // The one window Tab reaches in the grid (a roving tabindex).
    function setCursor(i) {
      inner.querySelector('[data-i="' + cursor + '"]')?.setAttribute('tabindex', '-1');
      cursor = i;
      inner.querySelector('[data-i="' + cursor + '"]')?.setAttribute('tabindex', '0');
    }
    let queued = false;
    el.addEventListener('scroll', () => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; draw(); }); } });
    const tell = (i) => { detail.textContent = titleOf(p, w, i); };
    const focusCell = (i) => {
      const to = Math.max(0, Math.min(w.start.length - 1, i));
      const y0 = blockOf[to] * lay.height;
      if (y0 < el.scrollTop || y0 + lay.height > el.scrollTop + el.clientHeight) el.scrollTop = y0 - el.clientHeight / 2;
      draw();
      setCursor(to);
      inner.querySelector('[data-i="' + cursor + '"]')?.focus();
      tell(cursor);
    };
    el.addEventListener('click', (e) => { const c = e.target.closest('.c'); if (c) focusCell(Number(c.dataset.i)); });
    el.addEventListener('keydown', (e) => {
      const [across, down] = lay.steps;
      const move = { ArrowRight: across, ArrowLeft: -across, ArrowDown: down, ArrowUp: -down }[e.key];
      if (move !== undefined && p.grain !== 'day' && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        // A row down or up: the same column in the next or previous row (years differ in weeks).
        e.preventDefault();
        const bi = blockOf[cursor] + (e.key === 'ArrowDown' ? 1 : -1);
        const b = lay.blocks[bi];
        if (!b) return;
        const [col] = lay.place(w.start[cursor], lay.blocks[blockOf[cursor]]);
        let best = b.from;
        for (let i = b.from; i < b.to; i++) if (Math.abs(lay.place(w.start[i], b)[0] - col) < Math.abs(lay.place(w.start[best], b)[0] - col)) best = i;
        focusCell(best);
      } else if (move !== undefined) { e.preventDefault(); focusCell(cursor + move); }
      else if (e.key === 'Home') { e.preventDefault(); focusCell(0); }
      else if (e.key === 'End') { e.preventDefault(); focusCell(w.start.length - 1); }
      else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); tell(cursor); }
    });
    const y = blockOf[cursor] * lay.height;
    if (y > 400) el.scrollTop = y - 200;
    draw();
  }

  function partitionsPage() {
    const parts = ['<p><a href="#">← lineage</a></p>', '<h1>Partitions</h1>'];
    if (data.warehouse_note) parts.push('<p class="note">' + esc(data.warehouse_note) + '</p>');
    if (data.partitions.length === 0) parts.push('<p class="dim">no incremental models, or none read</p>');
    for (const p of data.partitions) parts.push('<section class="partitions" data-model="' + esc(p.name) + '"><h2>' + link(p.name) + ' <span class="dim">by ' + esc(p.grain) + '</span></h2>' + gridHtml(p) + '</section>');
    return parts.join('\\n');
  }

  function runsPage() {
    const parts = ['<p><a href="#">← lineage</a></p>', '<h1>Runs</h1>'];
    if (data.warehouse_note) parts.push('<p class="note">' + esc(data.warehouse_note) + '</p>');
    if (data.runs.length === 0) parts.push('<p class="dim">no runs recorded yet</p>');
    else {
      const args = (a) => Object.entries(a).filter(([, v]) => v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => '--' + k.replace(/_/g, '-') + (v === true ? '' : ' ' + (Array.isArray(v) ? v.join(' ') : v))).join(' ');
      parts.push('<div class="table-scroll"><table class="runs"><tr><th>started (UTC)</th><th>command</th><th>status</th><th>duration</th><th>windows</th><th>rows</th><th>failed</th></tr>' + data.runs.map((r) => {
        const ms = r.finished_at ? Date.parse(r.finished_at) - Date.parse(r.started_at) : null;
        const mark = r.status === 'failed' ? '✕ ' : '';
        const failures = r.failures.length === 0 ? '' : '<tr class="run-failures" data-run="' + esc(r.run_id) + '"><td></td><td colspan="6"><ul>' + r.failures.map((f) => '<li>' + link(f.model) + (f.window ? ' ' + esc(f.window) : '') + ': <code>' + esc(f.error) + '</code></li>').join('') + '</ul></td></tr>';
        return '<tr data-run="' + esc(r.run_id) + '" data-status="' + esc(r.status) + '"><td>' + esc(r.started_at.replace('T', ' ').slice(0, 19)) + '</td><td><code>' + esc(r.command + ' ' + args(r.args)) + '</code></td><td><span class="status ' + esc(r.status) + '">' + mark + esc(r.status) + '</span></td><td>' + (ms === null ? '' : duration(ms)) + '</td><td>' + fmt(r.windows) + '</td><td>' + fmt(r.rows) + '</td><td>' + (r.failed_windows || '') + '</td></tr>' + failures;
      }).join('') + '</table></div>');
    }
    parts.push(ganttHtml(data.gantt));
    return parts.join('\\n');
  }

  // The timeline in words (and for screen readers): each model's steps, their time and share.
  function timeByModel(g) {
    const by = new Map();
    for (const s of g.steps) {
      const m = by.get(s.model) || { model: s.model, steps: 0, ms: 0, rows: 0, failed: 0, first: Infinity, last: 0 };
      m.steps++; m.ms += s.duration; m.rows += s.rows; if (s.status === 'failed') m.failed++;
      m.first = Math.min(m.first, s.start); m.last = Math.max(m.last, s.start + s.duration);
      by.set(s.model, m);
    }
    const total = [...by.values()].reduce((a, m) => a + m.ms, 0) || 1;
    const rows = [...by.values()].sort((a, b) => b.ms - a.ms);
    return '<div class="table-scroll"><table class="time-by-model"><caption>Where the time went: step time by model (threads add up)</caption><tr><th>model</th><th>steps</th><th>step time</th><th>share</th><th>from … to</th><th>rows</th><th>failed</th></tr>' +
      rows.map((m) => '<tr data-model="' + esc(m.model) + '"><td>' + link(m.model) + '</td><td>' + fmt(m.steps) + '</td><td>' + duration(m.ms) + '</td><td>' + Math.round(m.ms / total * 100) + '%</td><td>' + duration(m.first) + ' … ' + duration(m.last) + '</td><td>' + fmt(m.rows) + '</td><td>' + (m.failed ? '✕ ' + m.failed : '') + '</td></tr>').join('') + '</table></div>';
  }

  // The steps of a run across its threads: where the time went.
  function ganttHtml(g) {
    if (!g || g.steps.length === 0) return '<h2>Timeline</h2><p class="dim">no run with step timings kept yet (.etl/runs/)</p>';
    const W = 1000, LANE = 22, TOP = 20;
    const span = Math.max(1, g.duration_ms, ...g.steps.map((s) => s.start + s.duration));
    const x = (ms) => (ms / span * W).toFixed(1);
    const models = [...new Set(g.steps.map((s) => s.model))];
    const hue = new Map(models.map((m, i) => [m, Math.round(i * 360 / Math.max(1, models.length) + 200) % 360]));
    const ticks = [];
    const every = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000].find((t) => span / t <= 10) || 3600000;
    for (let t = 0; t <= span; t += every) ticks.push('<g class="tick"><line x1="' + x(t) + '" x2="' + x(t) + '" y1="' + (TOP - 4) + '" y2="' + (TOP + g.threads * LANE) + '"/><text x="' + x(t) + '" y="' + (TOP - 7) + '">' + duration(t) + '</text></g>');
    const lanes = [];
    for (let t = 1; t <= g.threads; t++) lanes.push('<text class="lane" x="-6" y="' + (TOP + (t - 1) * LANE + 15) + '">thread ' + t + '</text>');
    const bars = g.steps.map((s) => {
      const failed = s.status === 'failed';
      const title = esc(s.step + ' · ' + s.status + ' · ' + duration(s.duration) + ' · ' + fmt(s.rows) + ' rows' + (s.windows ? ' · ' + s.windows + ' window' + (s.windows === 1 ? '' : 's') : '') + ' · thread ' + s.thread);
      return '<rect class="step' + (failed ? ' failed' : '') + '" data-step="' + esc(s.step) + '" data-model="' + esc(s.model) + '" data-status="' + esc(s.status) + '" x="' + x(s.start) + '" y="' + (TOP + (s.thread - 1) * LANE + 3) + '" width="' + Math.max(0.8, s.duration / span * W).toFixed(1) + '" height="' + (LANE - 6) + '" style="--h:' + hue.get(s.model) + '"><title>' + title + '</title></rect>';
    });
    const legendHtml = models.slice(0, 40).map((m) => '<span class="key"><span class="swatch" style="--h:' + hue.get(m) + '"></span>' + esc(m) + '</span>').join(' ');
    // Its duration as the runs table gives it (the ledger's start to finish), when listed.
    const listed = data.runs.find((r) => r.run_id === g.run_id);
    const took = listed && listed.finished_at ? Date.parse(listed.finished_at) - Date.parse(listed.started_at) : g.duration_ms;
    return '<h2>Timeline of the last ' + esc(g.command) + '</h2><p class="dim">run ' + esc(g.run_id) + ' · ' + esc(g.status) + ' · ' + duration(took) + ' · ' + fmt(g.steps.length) + ' steps on ' + g.threads + ' thread' + (g.threads === 1 ? '' : 's') + ' · failed steps hatched and marked ✕</p>' +
      '<svg id="gantt" role="img" aria-label="timeline of run ' + esc(g.run_id) + '" viewBox="-70 0 ' + (W + 80) + ' ' + (TOP + g.threads * LANE + 4) + '"><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern></defs>' + ticks.join('') + lanes.join('') + bars.join('') +
      g.steps.filter((s) => s.status === 'failed').map((s) => '<text class="fail-mark" x="' + x(s.start + s.duration / 2) + '" y="' + (TOP + (s.thread - 1) * LANE + 15) + '">✕</text>').join('') + '</svg><p class="gantt-legend">' + legendHtml + '</p>' + timeByModel(g);
  }
`;

/** Styles of the grids, the runs table and the timeline. */
export const PAGES_CSS = `
.legend-item { margin-right:.8rem; white-space:nowrap; }
.c { display:inline-block; width:11px; height:11px; border-radius:2px; font:9px/11px system-ui; text-align:center; color:var(--fg); vertical-align:middle; }
.c.s-done { background:var(--done); } .c.s-partial { background:linear-gradient(135deg, var(--partial) 50%, var(--missing) 50%); }
.c.s-stale { background:repeating-linear-gradient(45deg, var(--stale) 0 2px, var(--panel) 2px 4px); }
.c.s-missing { background:transparent; box-shadow:inset 0 0 0 1px var(--line); } .c.s-failed { background:var(--failed); font-weight:700; }
.grid-scroll { position:relative; overflow:auto; border:1px solid var(--line); border-radius:6px; max-width:60rem; }
.grid-scroll:focus { outline:2px solid var(--focus); }
.grid-inner { position:relative; min-width:${86 + 54 * 13}px; }
.block { position:absolute; left:0; right:0; }
.block-label { position:absolute; left:6px; top:0; font:11px/13px ui-monospace, monospace; color:var(--dim); }
.block .c { position:absolute; cursor:pointer; }
.block .c:focus { outline:2px solid var(--focus); outline-offset:1px; }
.grid-detail { min-height:1.4em; font:12px ui-monospace, monospace; }
.note { background:var(--partial); padding:.4rem .6rem; border-radius:4px; }
table.runs code { font-size:12px; }
.status.failed { background:var(--failed); padding:0 5px; border-radius:3px; font-weight:600; }
.status.interrupted { background:var(--stale); padding:0 5px; border-radius:3px; }
.run-failures ul { margin:0; padding-left:1.2rem; }
#gantt { width:100%; max-width:70rem; height:auto; font:10px system-ui; }
#gantt .tick line { stroke:var(--line); stroke-dasharray:2 3; }
#gantt .tick text { fill:var(--dim); text-anchor:middle; }
#gantt .lane { fill:var(--dim); text-anchor:end; }
#gantt .step { fill:hsl(var(--h) 60% 62%); }
#gantt .step.failed { fill:url(#hatch); stroke:var(--alarm); stroke-width:1; }
#gantt .hatch-bg { fill:var(--failed); } #gantt .hatch-line { stroke:var(--alarm); stroke-width:2; }
#gantt .fail-mark { fill:var(--alarm); text-anchor:middle; font-weight:700; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; background:hsl(var(--h) 60% 62%); margin:0 3px 0 8px; }
.gantt-legend { font-size:12px; color:var(--dim); }
.gantt-legend .key { white-space:nowrap; }
table.time-by-model caption { text-align:left; color:var(--dim); padding:.2rem 0; }
@media (prefers-color-scheme: dark) { #gantt .step { fill:hsl(var(--h) 45% 45%); } .swatch { background:hsl(var(--h) 45% 45%); } }
`;
