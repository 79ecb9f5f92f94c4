import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { get, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { copyExampleProject } from '../helpers/example-project.js';
import { freshDatabase } from '../helpers/postgres.js';
import { BIN, runCli, runCliAsync } from '../helpers/run-cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function project(): string {
  const p = copyExampleProject();
  cleanups.push(p.cleanup);
  return p.root;
}

/** `etl docs --serve ...` in the background, with what it printed so far. */
function serve(root: string, args: readonly string[] = []) {
  const child = spawn(process.execPath, [BIN, 'docs', '--serve', '--port', '0', ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, out };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function fetchText(url: string): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url);
  return {
    status: res.status,
    body: await res.text(),
    type: res.headers.get('content-type') ?? '',
  };
}

/** The site's embedded data. */
function siteData(html: string): {
  nodes: { name: string; columns: { name: string; description: string | null }[] }[];
  partitions: { name: string; counts: Record<string, number> }[];
  runs: { command: string }[];
  warehouse_note: string | null;
} {
  const json = /<script type="application\/json" id="etl-data">([\s\S]*?)<\/script>/.exec(
    html,
  )?.[1];
  expect(json).toBeDefined();
  return JSON.parse(json ?? '{}') as ReturnType<typeof siteData>;
}

/** An open `/__etl/events` stream and the text it received. */
async function events(url: string): Promise<{ text: () => string; close: () => void }> {
  let text = '';
  const res = await new Promise<IncomingMessage>((ok, fail) =>
    get(`${url}__etl/events`, ok).on('error', fail),
  );
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
  res.on('data', (d: Buffer) => (text += d.toString()));
  await until('the stream to open', () => text.includes(': connected'));
  return { text: () => text, close: () => res.destroy() };
}

const reloads = (text: string): number => text.match(/^event: reload$/gm)?.length ?? 0;

async function exited(child: ChildProcess, ms: number): Promise<number | null> {
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

describe('etl docs --serve', () => {
  it('serves the site, reloads it on changes, keeps the last good one, and stops on Ctrl-C', async () => {
    const root = project();
    const { child, out } = serve(root);
    const url = await until(
      'the URL',
      () =>
        /Serving the docs site at (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)/.exec(
          out.stderr,
        )?.[1],
      30_000,
    );

    const page = await fetchText(url);
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('new EventSource("/__etl/events")');
    expect(page.body).toMatch(
      /http-equiv="Content-Security-Policy" content="[^"]*; connect-src 'self'"/,
    );
    expect((await fetchText(`${url}index.html`)).status).toBe(200);
    expect((await fetchText(`${url}nope`)).status).toBe(404);
    // Asked for under another name (DNS rebinding): refused.
    const foreign = await new Promise<number>((done, fail) => {
      const req = request(url, { headers: { Host: 'attacker.example' } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', fail);
      req.end();
    });
    expect(foreign).toBe(403);
    // The file on disk stays as `etl docs` writes it: it opens from file://, with no server.
    const onDisk = readFileSync(join(root, '.etl/docs/index.html'), 'utf8');
    expect(onDisk).not.toContain('EventSource');
    expect(onDisk).not.toContain('connect-src');

    const stream = await events(url);
    cleanups.push(stream.close);

    // A column's description edited in a schema file: the page reloads and shows it.
    const schema = join(root, 'models/staging/schema.yml');
    writeFileSync(
      schema,
      readFileSync(schema, 'utf8').replace('Primary key of the customer.', 'Edited while serving.'),
    );
    await until('a reload', () => reloads(stream.text()) === 1);
    const edited = siteData((await fetchText(url)).body).nodes.find(
      (n) => n.name === 'stg_customers',
    );
    expect(edited?.columns.find((c) => c.name === 'customer_id')?.description).toBe(
      'Edited while serving.',
    );
    expect(out.stderr).toMatch(/rebuilt \(\d+ nodes\) in \d+ ms/);

    // Saved again as many editors save: a new copy renamed over the file.
    writeFileSync(
      `${schema}.new`,
      readFileSync(schema, 'utf8').replace('Edited while serving.', 'Saved by rename.'),
    );
    renameSync(`${schema}.new`, schema);
    await until('a reload after a save by rename', () => reloads(stream.text()) === 2);
    expect((await fetchText(url)).body).toContain('Saved by rename.');

    // A broken template: said on stderr with its file; the last good site is still served.
    const model = join(root, 'models/staging/stg_customers.sql');
    const sql = readFileSync(model, 'utf8');
    writeFileSync(model, `${sql}\n{{ broken`);
    await until('the error', () =>
      /error\[\w+\]: models\/staging\/stg_customers\.sql/.test(out.stderr),
    );
    const kept = await fetchText(url);
    expect(kept.status).toBe(200);
    expect(kept.body).toContain('Saved by rename.');
    expect(reloads(stream.text())).toBe(2);

    // Mended: it rebuilds and reloads again.
    writeFileSync(model, `-- mended\n${sql}`);
    await until('a reload once mended', () => reloads(stream.text()) === 3);
    expect((await fetchText(url)).body).toContain('-- mended');

    // Nothing holds the warehouse between builds: a backfill runs, and the next load shows it.
    const before = siteData((await fetchText(url)).body);
    expect(before.partitions.every((p) => (p.counts.done ?? 0) === 0)).toBe(true);
    const backfill = runCli(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-03', '--quiet'],
      root,
    );
    expect(backfill.stderr).toBe('');
    expect(backfill.code).toBe(0);
    const after = siteData((await fetchText(url)).body);
    expect(after.partitions.some((p) => (p.counts.done ?? 0) > 0)).toBe(true);
    // The warehouse's own files are not project changes.
    await new Promise((r) => setTimeout(r, 600));
    expect(reloads(stream.text())).toBe(3);

    // A user who saves and starts a build at once, while the open page reloads: the build
    // runs (a rebuild after an edit does not open the warehouse; a page load that reads it
    // after a run is waited for).
    for (let i = 0; i < 3; i++) {
      writeFileSync(model, `-- save ${i}\n${readFileSync(model, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 150 + 100 * i));
      const [built] = await Promise.all([
        runCliAsync(['build', '--date', '2024-01-15', '-s', 'stg_customers', '--quiet'], root),
        fetchText(url),
      ]);
      expect(built.stderr).toBe('');
      expect(built.code).toBe(0);
    }

    // A run holds the warehouse: the page shows what was read before, saying so, not nothing.
    const warehouse = join(root, 'warehouse.duckdb');
    const holder = spawn(
      process.execPath,
      [fileURLToPath(new URL('../helpers/hold-duckdb.mjs', import.meta.url)), warehouse],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => {
      if (holder.exitCode === null) holder.kill('SIGKILL');
    });
    await once(holder.stdout, 'data');
    utimesSync(warehouse, new Date(), new Date(Date.now() + 1000));
    const held = siteData((await fetchText(url)).body);
    expect(held.warehouse_note).toMatch(
      /could not be read now .*showing it as read at \d\d:\d\d:\d\d UTC/,
    );
    expect(held.partitions.some((p) => (p.counts.done ?? 0) > 0)).toBe(true);
    expect(held.runs.length).toBeGreaterThan(0);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    utimesSync(warehouse, new Date(), new Date(Date.now() + 2000));
    expect(siteData((await fetchText(url)).body).warehouse_note).toBeNull();

    child.kill('SIGINT');
    expect(await exited(child, 5_000)).toBe(0);
  }, 90_000);

  it('on PostgreSQL, a page load shows a run made since (no file to watch there)', async () => {
    const root = project();
    const db = await freshDatabase();
    cleanups.push(() => void db.drop());
    const { child, out } = serve(root, ['--target', db.url]);
    const url = await until(
      'the URL',
      () => /Serving the docs site at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.stderr)?.[1],
      30_000,
    );
    expect(siteData((await fetchText(url)).body).runs).toEqual([]);
    const built = await runCliAsync(
      ['backfill', '--from', '2024-01-01', '--to', '2024-01-02', '--quiet', '--target', db.url],
      root,
    );
    expect(built.code, built.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 2_100));
    const after = siteData((await fetchText(url)).body);
    expect(after.runs.map((r) => r.command)).toEqual(['backfill']);
    expect(after.partitions.some((p) => (p.counts.done ?? 0) > 0)).toBe(true);
    child.kill('SIGINT');
    expect(await exited(child, 5_000)).toBe(0);
  }, 90_000);

  it('a browser on the served page reloads itself on a change, where it was, with no console error', async () => {
    const root = project();
    const { child, out } = serve(root);
    const url = await until(
      'the URL',
      () => /Serving the docs site at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.stderr)?.[1],
      30_000,
    );
    const browser = await launchChromium();
    cleanups.push(() => void browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}#model/stg_customers`);
    await page.locator('#page h1').waitFor();
    const schema = join(root, 'models/staging/schema.yml');
    writeFileSync(
      schema,
      readFileSync(schema, 'utf8').replace('Primary key of the customer.', 'Seen in the browser.'),
    );
    await page
      .locator('#page td', { hasText: 'Seen in the browser.' })
      .waitFor({ timeout: 15_000 });
    expect(page.url()).toBe(`${url}#model/stg_customers`);
    expect(errors).toEqual([]);
    await browser.close();
    child.kill('SIGINT');
    expect(await exited(child, 5_000)).toBe(0);
  }, 90_000);

  it('prints one JSON line with --json', async () => {
    const { child, out } = serve(project(), ['--json']);
    const line = await until(
      'the JSON line',
      () => (out.stdout.includes('\n') ? out.stdout : undefined),
      30_000,
    );
    const json = JSON.parse(line) as Record<string, unknown>;
    expect(json).toMatchObject({ schema_version: 1, status: 'serving' });
    expect(json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(json.index).toMatch(/\.etl[/\\]docs[/\\]index\.html$/);
    expect((await fetchText(json.url as string)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited(child, 5_000)).toBe(0);
  }, 60_000);

  it.each([
    [['docs', '--serve', '--port', '70000'], /--port '70000'/],
    [['docs', '--serve', '--port', 'http'], /--port 'http'/],
    [['docs', '--port', '8080'], /--port needs --serve/],
  ])('%j is a usage error', (args, message) => {
    const { code, stderr } = runCli(args, project());
    expect(code).toBe(2);
    expect(stderr).toMatch(/error\[E_USAGE\]/);
    expect(stderr).toMatch(message);
  });
});
