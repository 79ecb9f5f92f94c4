import { readdirSync, readFileSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ARTIFACTS_DIR } from './artifacts.js';
import { writeDocs, type DocsOptions, type DocsResult } from './docs.js';
import { resolveTarget } from './open-project.js';
import { isLocalFile } from '../engine/target.js';
import { UsageError } from '../errors.js';
import { findProjectRoot } from '../project/find-project.js';
import { loadProject } from '../project/load-project.js';

/** A warehouse that is not a file is read again on a page load after this long (ms). */
const REMOTE_READ_MS = 2_000;

/** Host names the server answers to. */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The port `etl docs --serve` listens on unless told. */
export const DEFAULT_DOCS_PORT = 8580;

/** The path of the server-sent events that tell an open page to reload. */
export const DOCS_EVENTS_PATH = '/__etl/events';

/** Changes closer together than this make one rebuild. */
const DEBOUNCE_MS = 200;

/** Folders whose changes never rebuild the site: etl's own output, tools', builds. */
const IGNORED_DIRS = new Set([ARTIFACTS_DIR, 'node_modules', '.git', 'target']);

/** Files a warehouse writes next to the project (a DuckDB file, its log, temp files). */
const IGNORED_SUFFIXES = ['.duckdb', '.duckdb.wal', '.tmp'];

/** Options of {@link serveDocs}. */
export interface ServeDocsOptions extends DocsOptions {
  /** Default {@link DEFAULT_DOCS_PORT}; 0 takes any free port. */
  readonly port?: number;
  /** Default 127.0.0.1: the site is for this machine only. */
  readonly host?: string;
  /** After each rebuild that changed the site (not the first build). */
  readonly onRebuild?: (result: DocsResult, ms: number) => void;
  /** A rebuild that failed: the last good site is still served. */
  readonly onError?: (error: unknown) => void;
  /** Aborting it closes the server. */
  readonly signal?: AbortSignal;
}

/** A running docs server. */
export interface DocsServer {
  /** Where the site is, e.g. `http://127.0.0.1:8580/`. */
  readonly url: string;
  /** The first build (also written to disk, as `etl docs` writes it). */
  readonly result: DocsResult;
  /** Stop watching, end the open event streams and stop listening. */
  close(): Promise<void>;
}

/**
 * `etl docs --serve`: build the site once, serve it from memory on a local port, rebuild it
 * when a project file changes (the open page reloads itself through server-sent events), and
 * when the warehouse file changed since the last build (a backfill ran) on the next page load.
 * A rebuild that fails keeps the last good site. The file on disk stays as `etl docs` writes
 * it; only the served copy gets the reload script.
 */
export async function serveDocs(options: ServeDocsOptions): Promise<DocsServer> {
  const { port = DEFAULT_DOCS_PORT, host = '127.0.0.1', onRebuild, onError, signal } = options;
  // writeDocs reads the options it knows; the server's own are no concern of its.
  const docsOptions: DocsOptions = options;
  const env = options.env ?? process.env;
  const root = findProjectRoot({ dir: options.project, env });
  const outDir = resolve(root, options.out ?? join(ARTIFACTS_DIR, 'docs'));

  let warehouse = warehouseFile(root, docsOptions);
  let stamp = warehouseStamp(warehouse);
  const first = await writeDocs(docsOptions);
  // What was read of the warehouse, reused while its file is as it was then: a save in the
  // project rebuilds without opening the warehouse, so a run can start at any moment.
  let kept = first.snapshot;
  let keptStamp = stamp;
  let lastRead = Date.now();
  let html = servedHtml(readFileSync(first.index, 'utf8'));
  if (first.warehouseNote !== null && warehouse !== undefined) stamp = '';
  let shown = contentKey(first);
  let failed = false;

  const streams = new Set<ServerResponse>();
  let closed = false;

  const build = async (notify: boolean): Promise<void> => {
    if (closed) return;
    const started = performance.now();
    // Taken before reading, so that a write during the build shows on the next load.
    const before = warehouseStamp(warehouse);
    try {
      const reuse = warehouse !== undefined && kept !== undefined && before === keptStamp;
      const result = await writeDocs(
        reuse
          ? { ...docsOptions, snapshot: kept }
          : { ...docsOptions, ...(kept === undefined ? {} : { fallback: kept }) },
      );
      if (!reuse && result.snapshot !== undefined) {
        kept = result.snapshot;
        keptStamp = before;
      }
      lastRead = reuse ? lastRead : Date.now();
      html = servedHtml(readFileSync(result.index, 'utf8'));
      warehouse = warehouseFile(root, docsOptions) ?? warehouse;
      // A warehouse that could not be read (a run held it) is read again on the next load.
      stamp = result.warehouseNote !== null && warehouse !== undefined ? '' : before;
      // A save that changes nothing (or a file we do not read) neither reloads nor says so,
      // unless it mends a failed build: that is worth saying.
      const key = contentKey(result);
      if (key === shown && !failed) return;
      shown = key;
      failed = false;
      onRebuild?.(result, Math.round(performance.now() - started));
      if (notify) broadcast(streams, 'reload', result.data.generated_at);
    } catch (error) {
      failed = true;
      onError?.(error);
    }
  };

  // One build at a time; changes during a build make one more, after it.
  let current: Promise<void> | undefined;
  let next: { promise: Promise<void>; notify: boolean } | undefined;
  const start = (notify: boolean): Promise<void> => {
    current = build(notify).finally(() => (current = undefined));
    return current;
  };
  const rebuild = (notify: boolean): Promise<void> => {
    if (next !== undefined) {
      next.notify ||= notify;
      return next.promise;
    }
    if (current === undefined) return start(notify);
    const queued = { notify, promise: Promise.resolve() };
    queued.promise = current.then(() => {
      next = undefined;
      return start(queued.notify);
    });
    next = queued;
    return queued.promise;
  };

  let timer: NodeJS.Timeout | undefined;
  const changed = (path: string): void => {
    if (closed || ignored(path, root, outDir, warehouse)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(true), DEBOUNCE_MS);
  };
  const watchers = watchProject(root, changed);

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // Only pages asked for by this machine's own name: a page of another site that rebinds
    // its name to 127.0.0.1 must not read the project (DNS rebinding).
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!LOCAL_HOSTS.has(host)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('forbidden host\n');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/' || path === '/index.html') {
      // A warehouse file changed since it was read (a run), or one that is not a file (a
      // server, where runs leave no trace here) read more than a moment ago: read it again.
      if (
        warehouse === undefined
          ? Date.now() - lastRead > REMOTE_READ_MS
          : warehouseStamp(warehouse) !== stamp
      )
        await rebuild(false);
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
        .end(html);
    } else if (path === DOCS_EVENTS_PATH) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  };
  // Proxies and browsers end idle streams; a comment now and then keeps them open.
  const keepAlive = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 30_000);
  keepAlive.unref();

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(keepAlive);
    for (const w of watchers.values()) w.close();
    for (const s of streams) s.end();
    streams.clear();
    const stopped = new Promise<void>((done) => server.close(() => done()));
    server.closeAllConnections();
    await stopped;
    // A build still running holds the warehouse open: let it finish.
    await current;
  };

  try {
    await listen(server, port, host);
  } catch (error) {
    await close();
    throw error;
  }
  if (signal?.aborted === true) await close();
  else signal?.addEventListener('abort', () => void close(), { once: true });
  const { port: bound } = server.address() as AddressInfo;
  const name = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${name}:${bound}/`, result: first, close };
}

/** The page as served: it reloads itself after a rebuild, so it may connect back to us. */
export function servedHtml(html: string): string {
  const csp = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/i;
  const script = `<script>new EventSource(${JSON.stringify(DOCS_EVENTS_PATH)}).addEventListener('reload', () => location.reload());</script>\n`;
  const withCsp = html.replace(csp, (_m, open: string, policy: string, end: string) =>
    /(^|;)\s*connect-src\b/.test(policy)
      ? `${open}${policy}${end}`
      : `${open}${policy}; connect-src 'self'${end}`,
  );
  const body = withCsp.lastIndexOf('</body>');
  return body < 0
    ? `${withCsp}${script}`
    : `${withCsp.slice(0, body)}${script}${withCsp.slice(body)}`;
}

/** What the site shows, but for when it was generated. */
function contentKey(result: DocsResult): string {
  return JSON.stringify({ ...result.data, generated_at: null });
}

/** The warehouse's file when it is a local DuckDB file (else nothing to look at). */
function warehouseFile(root: string, options: DocsOptions): string | undefined {
  try {
    const target = resolveTarget(loadProject(root, { env: options.env ?? process.env }), options);
    return isLocalFile(target) ? target.path : undefined;
  } catch {
    return undefined;
  }
}

/** When the warehouse file and its write-ahead log last changed ('' for no file target). */
function warehouseStamp(file: string | undefined): string {
  if (file === undefined) return '';
  const mtime = (path: string): number => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return `${mtime(file)}:${mtime(`${file}.wal`)}`;
}

/** Whether a change to `path` (absolute) leaves the site as it is. */
function ignored(
  path: string,
  root: string,
  outDir: string,
  warehouse: string | undefined,
): boolean {
  if (
    relative(root, path)
      .split(sep)
      .some((part) => IGNORED_DIRS.has(part))
  )
    return true;
  if (path === outDir || path.startsWith(outDir + sep)) return true;
  if (warehouse !== undefined && (path === warehouse || path === `${warehouse}.wal`)) return true;
  return IGNORED_SUFFIXES.some((suffix) => path.endsWith(suffix));
}

/**
 * Watch every folder of the project but the ignored ones, each on its own (not one recursive
 * watch of the root): Node 20's recursive watch on Linux loses a file once an editor saves it
 * by renaming a new copy over it, and it would also walk node_modules and .git.
 */
function watchProject(root: string, changed: (path: string) => void): Map<string, FSWatcher> {
  const watchers = new Map<string, FSWatcher>();
  const forget = (dir: string): void => {
    for (const [d, w] of watchers)
      if (d === dir || d.startsWith(dir + sep)) {
        w.close();
        watchers.delete(d);
      }
  };
  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    let entries: Dirent[];
    try {
      const w = watch(dir, (_event, file) => {
        const path = file === null ? dir : join(dir, file);
        // A folder made, moved in or replaced is watched afresh with what is in it; one
        // gone, no more.
        if (path !== dir) forget(path);
        if (path !== dir && isDir(path) && !IGNORED_DIRS.has(basename(path))) add(path);
        changed(path);
      });
      w.on('error', () => forget(dir));
      watchers.set(dir, w);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      // Gone between the listing and the watch: nothing to watch.
      return;
    }
    for (const e of entries)
      if (e.isDirectory() && !IGNORED_DIRS.has(e.name)) add(join(dir, e.name));
  };
  add(root);
  return watchers;
}

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

function broadcast(streams: ReadonlySet<ServerResponse>, event: string, data: string): void {
  for (const s of streams) s.write(`event: ${event}\ndata: ${data}\n\n`);
}

async function listen(
  server: ReturnType<typeof createServer>,
  port: number,
  host: string,
): Promise<void> {
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new UsageError(
              `port ${port} on ${host} is in use`,
              '--port',
              'give another with --port N, or --port 0 for any free port',
            )
          : error,
      ),
    );
    server.listen(port, host, () => done());
  });
}
