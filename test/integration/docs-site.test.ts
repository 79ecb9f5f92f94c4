import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/run-cli.js';
import { expectShape } from '../helpers/json-schema.js';

/**
 * `etl docs` on the example after a backfill (with one more model that fails on one day),
 * opened from file:// in headless Chromium: no console errors, no network, one node per
 * source/seed/model and one edge per dependency, a click opens the model's page, the windows
 * and grids shown are those of `etl status --json`, and the failed window shows in its grid,
 * on the runs page and in the timeline.
 */

const example = copyExampleProject();
let browser: Browser;
let index: string;
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

/** An attribute of every element a locator finds. */
async function attributes(locator: Locator, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const l of await locator.all()) out.push((await l.getAttribute(name)) ?? '');
  return out;
}

/** A model that fails on 2024-01-07 only. */
const FLAKY = `{{ config(materialized='incremental', time_column='order_date', grain='day', start='2024-01-01') }}
select order_date, sum(revenue) as revenue,
  max(case when order_date = DATE '2024-01-07' then error('flaky on purpose') else 0 end) as revenue_check
from {{ ref('daily_revenue') }}
where order_date >= {{ start }} and order_date < {{ end }}
group by 1
`;

interface Status {
  models: {
    name: string;
    grain: string;
    counts: Record<string, number>;
    ranges: { from: string; to: string; state: string; count: number }[];
  }[];
}
let status: Status;
const STATES = ['done', 'partial', 'stale', 'missing', 'failed'];

/** The start of the window after the one starting at `t`. */
function next(t: number, grain: string): number {
  const d = new Date(t);
  if (grain === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return t + ({ hour: 1, day: 24, week: 168 }[grain] ?? 24) * 3_600_000;
}

beforeAll(async () => {
  writeFileSync(join(example.root, 'models', 'marts', 'flaky_revenue.sql'), FLAKY);
  // A column whose name starts another's: each shows its own tests only.
  writeFileSync(
    join(example.root, 'models', 'marts', 'flaky.yml'),
    'models:\n  - name: flaky_revenue\n    columns:\n      - name: revenue\n        description: no tests\n      - name: revenue_check\n        tests: [not_null]\n',
  );
  const built = runCli(
    ['backfill', '--from', '2024-01-01', '--to', '2024-01-10', '--quiet'],
    example.root,
  );
  expect(built.code, built.stderr).toBe(1);
  expect(built.stderr).toContain('flaky on purpose');
  // The site and status count hours up to now: not across the turn of an hour.
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 20_000) await new Promise((r) => setTimeout(r, left + 1000));
  const docs = runCli(['docs', '--date', '2024-01-05', '--json'], example.root);
  status = JSON.parse(runCli(['status', '--json'], example.root).stdout) as Status;
  expect(docs.code, docs.stderr).toBe(0);
  const printed = JSON.parse(docs.stdout) as { index: string };
  expectShape('docs', printed);
  index = printed.index;
  expect(existsSync(index)).toBe(true);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  example.cleanup();
});

describe('etl docs', () => {
  it('loads from file:// with no console error and no network request', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(index).href);
    await page.locator('#lineage .node').first().waitFor();
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'docs-lineage.png') });
    await page.close();
  });

  it('draws one node per source, seed and model and one edge per dependency', async () => {
    const dag = JSON.parse(runCli(['dag', '--json'], example.root).stdout) as {
      nodes: { name: string; depends_on: string[] }[];
    };
    const page = await browser.newPage();
    await page.goto(pathToFileURL(index).href);
    const names = await attributes(page.locator('#lineage .node'), 'data-name');
    const froms = await attributes(page.locator('#lineage .edge'), 'data-from');
    const tos = await attributes(page.locator('#lineage .edge'), 'data-to');
    const edges = froms.map((f, i) => `${f}->${tos[i]}`);
    const expected = dag.nodes.map((n) => n.name);
    for (const n of expected) expect(names).toContain(n);
    expect(new Set(names).size).toBe(names.length);
    const want = dag.nodes.flatMap((n) => n.depends_on.map((p) => `${p}->${n.name}`));
    expect(edges.sort()).toEqual([...new Set(want)].sort());
    await page.close();
  });

  it('a click on a node opens its page; search focuses a subgraph as -s does', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(index).href);
    await page.locator('#lineage .node[data-name="fct_orders"]').click();
    await page.locator('#page h1').waitFor();
    expect(await page.locator('#page h1').textContent()).toBe('fct_orders');
    expect(await page.locator('#page pre.sql.compiled').textContent()).toContain('2024-01-05');
    await page.screenshot({ path: join(ARTIFACTS, 'docs-model.png'), fullPage: true });
    await page.goBack();
    await page.locator('#search').fill('+daily_revenue');
    const focused = (await attributes(page.locator('#lineage .node.in-focus'), 'data-name')).sort();
    const upstream = JSON.parse(
      runCli(['dag', '--json', '-s', '+daily_revenue'], example.root).stdout,
    ) as { nodes: { name: string }[] };
    expect(focused).toEqual(upstream.nodes.map((n) => n.name).sort());
    await page.close();
  });

  it('walks the lineage by keyboard: arrows follow dependencies, Enter opens the page', async () => {
    const dag = JSON.parse(runCli(['dag', '--json'], example.root).stdout) as {
      nodes: { name: string; depends_on: string[] }[];
    };
    const page = await browser.newPage();
    await page.goto(pathToFileURL(index).href);
    const focused = (): Promise<string | null> =>
      page.evaluate<string | null>(`document.activeElement?.dataset?.name ?? null`);
    await page.locator('#lineage .node[data-name="fct_orders"]').focus();
    await page.keyboard.press('ArrowLeft');
    const up = await focused();
    expect(dag.nodes.find((n) => n.name === 'fct_orders')?.depends_on).toContain(up);
    await page.keyboard.press('ArrowRight');
    const down = await focused();
    expect(dag.nodes.find((n) => n.name === down)?.depends_on).toContain(up);
    await page.keyboard.press('Enter');
    await page.locator('#page h1').waitFor();
    expect(await page.locator('#page h1').textContent()).toBe(down);
    // The page's title has the focus: Tab goes on from there.
    expect(await page.evaluate<string>(`document.activeElement.tagName`)).toBe('H1');
    await page.goBack();
    // Zoom by the buttons (and keys), back to the whole graph by "fit".
    const width = async () =>
      Number((await page.locator('#lineage').getAttribute('viewBox'))?.split(' ')[2]);
    const whole = await width();
    await page.locator('#zoom-in').click();
    expect(await width()).toBeLessThan(whole);
    await page.locator('#zoom-fit').click();
    expect(await width()).toBe(whole);
    await page.close();
  });

  it('shows the windows etl status --json has, by state', async () => {
    const page = await browser.newPage();
    for (const m of status.models) {
      await page.goto(`${pathToFileURL(index).href}#model/${m.name}`);
      const rows = [];
      for (const tr of await page.locator('#page table.ranges tr[data-state]').all())
        rows.push({
          state: await tr.getAttribute('data-state'),
          count: Number(await tr.locator('td').nth(3).textContent()),
        });
      expect(rows, m.name).toEqual(m.ranges.map((r) => ({ state: r.state, count: r.count })));
    }
    await page.close();
  });

  it('draws the windows of each model in a grid with the counts and states of etl status --json', async () => {
    const page = await browser.newPage();
    for (const m of status.models) {
      await page.goto(`${pathToFileURL(index).href}#model/${m.name}`);
      await page.locator('#page .legend').waitFor();
      // The legend counts every window; the grid draws those in view, each with its state.
      const counts = Object.entries(m.counts).filter(([s]) => STATES.includes(s));
      for (const [state, count] of counts)
        expect(
          Number(
            await page
              .locator(`#page .legend-item[data-state="${state}"]`)
              .getAttribute('data-count'),
          ),
          `${m.name} ${state}`,
        ).toBe(count);
      const want = new Map<string, string>();
      for (const r of m.ranges)
        for (let t = Date.parse(r.from); t < Date.parse(r.to); t = next(t, m.grain))
          want.set(new Date(t).toISOString(), r.state);
      // One round trip for every cell drawn (an attribute at a time would take seconds).
      const cells = await page.evaluate<[string, string][]>(
        `[...document.querySelectorAll('#page .grid-scroll .c')].map((c) => [c.dataset.start, c.dataset.state])`,
      );
      const starts = cells.map(([start]) => start);
      const states = cells.map(([, state]) => state);
      expect(starts.length, m.name).toBeGreaterThan(0);
      starts.forEach((s, i) => expect(states[i], `${m.name} ${s}`).toBe(want.get(s)));
      if (m.grain === 'day') {
        // Three years of days fit in view: every window is drawn.
        expect(starts.length, m.name).toBe(counts.reduce((a, [, b]) => a + b, 0));
        const drawn: Record<string, number> = {};
        for (const s of states) drawn[s] = (drawn[s] ?? 0) + 1;
        for (const [state, count] of counts)
          expect(drawn[state] ?? 0, `${m.name} ${state}`).toBe(count);
      }
    }
    await page.goto(`${pathToFileURL(index).href}#model/hourly_orders`);
    await page.screenshot({ path: join(ARTIFACTS, 'docs-grid-hours.png') });
    await page.close();
  });

  it('searches with the selector grammar of -s, as etl dag -s selects', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(index).href);
    for (const selector of [
      'tag:finance',
      'tag:finance+',
      '@stg_orders',
      'path:models/staging',
      'config.materialized:incremental',
      'stg_orders+,+daily_revenue',
      '1+fct_orders stg_pay*',
    ]) {
      await page.locator('#search').fill(selector);
      const focused = (
        await attributes(page.locator('#lineage .node.in-focus'), 'data-name')
      ).sort();
      const dag = runCli(['dag', '--json', '-s', ...selector.split(' ')], example.root);
      expect(dag.code, dag.stderr).toBe(0);
      const want = (JSON.parse(dag.stdout) as { nodes: { name: string }[] }).nodes.map(
        (n) => n.name,
      );
      expect(focused, selector).toEqual(want.sort());
      expect(await page.locator('#search-note').textContent()).toBe(
        `${want.length} of ${await page.locator('#lineage .node').count()} nodes`,
      );
    }
    // And by the windows' state, which -s has not: the model that failed; the models with
    // any window done.
    await page.locator('#search').fill('state:failed');
    expect(await attributes(page.locator('#lineage .node.in-focus'), 'data-name')).toEqual([
      'flaky_revenue',
    ]);
    await page.locator('#search').fill('state:done');
    expect((await attributes(page.locator('#lineage .node.in-focus'), 'data-name')).sort()).toEqual(
      status.models
        .filter((m) => (m.counts.done ?? 0) > 0)
        .map((m) => m.name)
        .sort(),
    );
    await page.close();
  });

  it('keeps the keyboard in a grid scrolled away from the focused window', async () => {
    const page = await browser.newPage();
    await page.goto(`${pathToFileURL(index).href}#model/hourly_orders`);
    await page.locator('#page .grid-scroll .c[tabindex="0"]').focus();
    await page.evaluate(`document.querySelector('#page .grid-scroll').scrollTop = 1e9`);
    await page.waitForTimeout(100);
    expect(await page.evaluate<string>(`document.activeElement.className`)).toBe('grid-scroll');
    await page.keyboard.press('End');
    expect(await page.evaluate<string>(`document.activeElement.dataset.state`)).toBe('missing');
    await page.keyboard.press('Home');
    expect(await page.evaluate<string>(`document.activeElement.dataset.start`)).toBe(
      '2024-01-01T00:00:00.000Z',
    );
    await page.close();
  });

  it('lists each column with its own tests', async () => {
    const page = await browser.newPage();
    await page.goto(`${pathToFileURL(index).href}#model/flaky_revenue`);
    const row = (name: string) =>
      page.locator('#page tr', { has: page.locator(`code:text-is("${name}")`) });
    expect(await row('revenue').locator('td').nth(2).textContent()).toBe('');
    expect(await row('revenue_check').locator('td').nth(2).textContent()).toBe('not_null');
    await page.close();
  });

  it('shows the failed window in its grid, on the runs page and in the timeline', async () => {
    const page = await browser.newPage();
    await page.goto(`${pathToFileURL(index).href}#model/flaky_revenue`);
    const failed = page.locator('#page .grid-scroll .c[data-state="failed"]');
    expect(await failed.count()).toBe(1);
    expect(await failed.getAttribute('data-start')).toBe('2024-01-07T00:00:00.000Z');
    expect(await failed.getAttribute('title')).toContain('flaky on purpose');
    expect(await failed.textContent()).toBe('✕');
    // Keyboard: the grid opens on the failed window; arrows move, Enter tells.
    await failed.focus();
    await page.keyboard.press('ArrowRight'); // a week on
    await page.keyboard.press('Enter');
    expect(await page.locator('#page .grid-detail').textContent()).toContain(
      '2024-01-14 · missing',
    );
    await page.keyboard.press('ArrowUp'); // a day back
    expect(await page.locator('#page .grid-detail').textContent()).toMatch(/^2024-01-13 · missing/);
    for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowUp');
    expect(await page.locator('#page .grid-detail').textContent()).toMatch(
      /^2024-01-06 · done · [\d,]+ rows · hash \w+ · run \d{8}T\d{6}Z-/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'docs-grid-days.png') });

    await page.goto(`${pathToFileURL(index).href}#runs`);
    const run = page.locator('#page table.runs tr[data-status="failed"]');
    expect(await run.count()).toBe(1);
    expect(await run.textContent()).toContain('backfill --from 2024-01-01 --to 2024-01-10');
    const runId = await run.getAttribute('data-run');
    expect(
      await page.locator(`#page tr.run-failures[data-run="${runId}"]`).textContent(),
    ).toContain('flaky_revenue 2024-01-07: ');
    const steps = page.locator('#gantt rect.step');
    expect(await steps.count()).toBeGreaterThan(10);
    const bad = page.locator('#gantt rect.step[data-status="failed"]');
    expect(await bad.count()).toBe(1);
    expect(await bad.getAttribute('data-model')).toBe('flaky_revenue');
    await page.screenshot({ path: join(ARTIFACTS, 'docs-runs.png'), fullPage: true });
    await page.close();
  });

  // Last: it edits the project.
  it('keeps the layout and formatted SQL for the next build while they apply', async () => {
    const cacheFile = join(example.root, '.etl', 'docs-cache.json');
    const before = statSync(cacheFile).mtimeMs;
    const again = runCli(['docs', '--date', '2024-01-05', '--quiet'], example.root);
    expect(again.code, again.stderr).toBe(0);
    // Nothing new to lay out or format: the cache is not written again.
    expect(statSync(cacheFile).mtimeMs).toBe(before);
    // A new model: laid out anew, not the old layout.
    writeFileSync(
      join(example.root, 'models', 'marts', 'orders_copy.sql'),
      `{{ config(materialized='view') }}\nselect * from {{ ref('fct_orders') }}\n`,
    );
    const grown = runCli(['docs', '--date', '2024-01-05', '--quiet'], example.root);
    expect(grown.code, grown.stderr).toBe(0);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(index).href);
    expect(
      await page.locator('#lineage .edge[data-from="fct_orders"][data-to="orders_copy"]').count(),
    ).toBe(1);
    await page.goto(`${pathToFileURL(index).href}#model/orders_copy`);
    expect(await page.locator('#page pre.sql.compiled').textContent()).toMatch(
      /from\s+"?main"?\."?fct_orders"?/i,
    );
    await page.close();
  });
});
