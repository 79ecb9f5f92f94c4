import { pathToFileURL } from 'node:url';
import { writeDocs } from '../../core/api/docs.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';

interface DocsFlags extends GlobalFlags {
  out?: string;
  date?: string;
}

/** `etl docs [--out DIR] [--date D]`: write the project's static site. */
export async function docsCommand(flags: DocsFlags): Promise<number> {
  const date = parseDateFlag(flags.date, '--date');
  const result = await writeDocs({
    ...projectOptions(flags),
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(date === undefined ? {} : { date }),
  });
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
