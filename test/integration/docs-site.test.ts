import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleProject } from '../helpers/example-project.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/run-cli.js';
import { expectShape } from '../helpers/json-schema.js';

/**
 * `etl docs` on the example after a backfill, opened from file:// in headless Chromium: no
 * console errors, no network, one node per source/seed/model and one edge per dependency,
 * a click opens the model's page, and the windows shown are those of `etl status --json`.
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

beforeAll(async () => {
  const built = runCli(
    ['backfill', '--from', '2024-01-01', '--to', '2024-01-10', '--quiet'],
    example.root,
  );
  expect(built.code, built.stderr).toBe(0);
  const docs = runCli(['docs', '--date', '2024-01-05', '--json'], example.root);
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

  it('shows the windows etl status --json has, by state', async () => {
    const status = JSON.parse(runCli(['status', '--json'], example.root).stdout) as {
      models: { name: string; ranges: { state: string; count: number }[] }[];
    };
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
});
