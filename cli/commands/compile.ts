import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type * as SqlFormatter from 'sql-formatter';
import { compileModels } from '../../core/api/compile.js';
import { windowLabel } from '../../core/time/window.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { painter, useColor } from '../output.js';

interface CompileFlags extends GlobalFlags {
  date?: string;
  out?: string;
  select?: string[];
  exclude?: string[];
}

/** `etl compile [-s SEL] [--date D] [--out DIR]`: rendered, formatted SQL. */
export async function compileCommand(flags: CompileFlags): Promise<number> {
  const date = parseDateFlag(flags.date, '--date');
  const { compiled, models } = await compileModels({
    ...projectOptions(flags),
    ...(date === undefined ? {} : { date }),
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
  });
  // Required, not imported: the CLI's bundle runs from V8's code cache, where import() fails.
  const { format } = createRequire(import.meta.url)('sql-formatter') as typeof SqlFormatter;
  const language = compiled.target.kind === 'postgres' ? 'postgresql' : 'duckdb';
  const pretty = (sql: string): string => {
    try {
      return format(sql, { language, keywordCase: 'preserve' });
    } catch {
      return sql;
    }
  };
  const rendered = models.map((m) => ({ ...m, formatted: pretty(m.sql) }));
  if (flags.out !== undefined) {
    const out = resolve(flags.out);
    for (const m of rendered) {
      const path = join(out, m.file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${m.formatted}\n`);
    }
    if (!flags.json && !flags.quiet)
      process.stderr.write(
        `wrote ${rendered.length} model${rendered.length === 1 ? '' : 's'} to ${flags.out}\n`,
      );
  }
  if (flags.json) {
    const json = rendered.map((m) => ({
      name: m.name,
      file: m.file,
      materialized: m.materialized,
      window: {
        start: new Date(m.window.start).toISOString(),
        end: new Date(m.window.end).toISOString(),
      },
      sql: m.formatted,
    }));
    process.stdout.write(`${JSON.stringify({ schema_version: 1, models: json })}\n`);
  } else if (flags.out === undefined) {
    const paint = painter(useColor(process.stdout));
    const text = rendered
      .map(
        (m) =>
          `${paint('dim', `-- ${m.name} (${m.file}), ${m.materialized}, window ${windowLabel(m.window)}`)}\n${m.formatted};\n`,
      )
      .join('\n');
    process.stdout.write(text);
  }
  return 0;
}
