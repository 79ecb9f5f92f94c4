import { pathToFileURL } from 'node:url';
import { writeDocs } from '../../core/api/docs.js';
import type { ServeDocsOptions } from '../../core/api/serve-docs.js';
import { EtlError, ProjectErrors, UsageError, errorMessage } from '../../core/errors.js';
import { intFlag, parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';

interface DocsFlags extends GlobalFlags {
  out?: string;
  date?: string;
  serve?: boolean;
  port?: string;
}

/** `etl docs [--out DIR] [--date D] [--serve [--port N]]`: write the project's static site. */
export async function docsCommand(flags: DocsFlags): Promise<number> {
  const date = parseDateFlag(flags.date, '--date');
  const port = intFlag(flags.port, '--port', 0, 65_535);
  if (port !== undefined && flags.serve !== true)
    throw new UsageError('--port needs --serve', '--port', 'etl docs --serve --port 8580');
  const options = {
    ...projectOptions(flags),
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(date === undefined ? {} : { date }),
  };
  if (flags.serve === true)
    return serve(flags, { ...options, ...(port === undefined ? {} : { port }) });
  const result = await writeDocs(options);
  const nodes = result.data.nodes.length;
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ schema_version: 1, status: 'success', index: result.index, nodes, partitions: result.data.partitions.length, warehouse_note: result.warehouseNote })}\n`,
    );
  else if (!flags.quiet) {
    if (result.warehouseNote !== null) process.stderr.write(`note: ${result.warehouseNote}\n`);
    process.stderr.write(
      `Wrote the docs site (${nodes} nodes) to ${result.index}\nOpen ${pathToFileURL(result.index).href} in a browser.\n`,
    );
  }
  return 0;
}

/** `--serve`: serve the site, rebuilding it on changes, until Ctrl-C or SIGTERM. */
async function serve(flags: DocsFlags, options: ServeDocsOptions): Promise<number> {
  const { serveDocs } = await import('../../core/api/serve-docs.js');
  const stopped = stopSignal();
  const server = await serveDocs({
    ...options,
    signal: stopped,
    onRebuild: (result, ms) => {
      if (!flags.quiet)
        process.stderr.write(`rebuilt (${result.data.nodes.length} nodes) in ${ms} ms\n`);
    },
    // The last good site is still served: say what is wrong, one line each, and go on.
    onError: (error) => process.stderr.write(`${errorLines(error)}\n`),
  });
  const { result } = server;
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({ schema_version: 1, status: 'serving', url: server.url, index: result.index })}\n`,
    );
  else if (!flags.quiet) {
    if (result.warehouseNote !== null) process.stderr.write(`note: ${result.warehouseNote}\n`);
    process.stderr.write(`Serving the docs site at ${server.url} (Ctrl-C to stop)\n`);
  }
  if (!stopped.aborted)
    await new Promise<void>((done) =>
      stopped.addEventListener('abort', () => done(), { once: true }),
    );
  await server.close();
  return 0;
}

/** Aborted by the first Ctrl-C (SIGINT) or SIGTERM; a second one exits at once. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}

/** An error as one line per problem: `error[CODE]: file:line:col: message`. */
function errorLines(error: unknown): string {
  if (!(error instanceof EtlError)) return `error: ${errorMessage(error).split('\n')[0] ?? ''}`;
  const list = error instanceof ProjectErrors ? error.errors : [error];
  return list
    .map((e) => {
      const at = e.location;
      const where =
        at === undefined
          ? ''
          : `${[at.file, at.line, at.line === undefined ? undefined : at.column].filter((p) => p !== undefined).join(':')}: `;
      return `error[${e.code}]: ${where}${e.message.split('\n')[0] ?? ''}`;
    })
    .join('\n');
}
