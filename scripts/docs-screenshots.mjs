#!/usr/bin/env node
// The README's pictures of `etl docs`: the example backfilled over Q1 2024 in a temp folder,
// its site opened in headless Chromium (the @sparticuz/chromium package the tests use), and
// the lineage, a model page and the runs page saved to docs/images/.
// Usage: npm run build && node scripts/docs-screenshots.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'dist', 'cli', 'etl.cjs');
const out = join(repo, 'docs', 'images');
const root = mkdtempSync(join(tmpdir(), 'etl-screenshots-'));
try {
  for (const item of ['models', 'seeds', 'etl.yml'])
    cpSync(join(repo, item), join(root, item), { recursive: true });
  const etl = (...args) => execFileSync(process.execPath, [bin, ...args], { cwd: root });
  etl('backfill', '--from', '2024-01-01', '--to', '2024-03-31', '--threads', '4', '--quiet');
  etl('docs', '--date', '2024-01-15', '--quiet');
  const index = pathToFileURL(join(root, '.etl', 'docs', 'index.html')).href;

  const { default: chromium } = await import('@sparticuz/chromium');
  const { chromium: playwright } = await import('playwright-core');
  const folder = join(tmpdir(), 'etl-test-chromium-153');
  mkdirSync(folder, { recursive: true });
  process.env.TMPDIR = folder;
  const browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 620 } });
  mkdirSync(out, { recursive: true });
  await page.goto(index);
  await page.screenshot({ path: join(out, 'docs-lineage.png') });
  await page.goto(`${index}#model/hourly_orders`);
  await page.locator('#page .grid-scroll .c').first().waitFor();
  await page.screenshot({ path: join(out, 'docs-model.png') });
  await page.goto(`${index}#runs`);
  await page.locator('#gantt').waitFor();
  await page.screenshot({ path: join(out, 'docs-runs.png') });
  await browser.close();
  console.log(`wrote docs-lineage.png, docs-model.png, docs-runs.png to ${out}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
