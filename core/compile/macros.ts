import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** A file of macros: its project-relative path, its text as loaded, and its macros. */
export interface MacroFile {
  readonly file: string;
  /** The text Nunjucks compiles: `{% test x(...) %}` blocks become macros named `test_x`. */
  readonly text: string;
  readonly macros: readonly string[];
  /** Generic tests it defines (`{% test name(model, column_name) %}`), by test name. */
  readonly tests: readonly string[];
}

/** The prefix of every template's first line that brings the macros in. */
export interface MacroLibrary {
  readonly files: readonly MacroFile[];
  /** Where each macro is defined, by name. */
  readonly byName: ReadonlyMap<string, MacroFile>;
  /**
   * Template text that imports every macro with the caller's context and registers it: put
   * before a template's first line (it outputs nothing and adds no line).
   */
  readonly prelude: string;
}

const MACRO = /\{%-?\s*macro\s+([A-Za-z_]\w*)\s*\(/g;
const TEST_OPEN = /\{%(-?)\s*test\s+([A-Za-z_]\w*)\s*\(/g;
const TEST_CLOSE = /\{%(-?)\s*endtest\s*(-?)%\}/g;

/** The name of the function behind a custom generic test. */
export const testMacroName = (test: string): string => `test_${test}`;

/** The function the prelude registers each macro with (see render-context). */
export const MACRO_WRAPPER = '__etl_macro';

/**
 * The context key of a render's macros by name. Nunjucks gives an imported template a copy of
 * the context, so one macro file would not see another's macros; this Map is shared by
 * reference with every copy, and a name found nowhere else is looked up in it.
 */
export const MACRO_REGISTRY = '__etl_macros';

/** Look bare names up in the render's macro registry when context and frame lack them. */
export function installMacroLookup(runtime: NunjucksRuntime): void {
  if (lookupInstalled) return;
  lookupInstalled = true;
  const lookup = runtime.contextOrFrameLookup;
  runtime.contextOrFrameLookup = function (this: unknown, context, frame, key) {
    const value = lookup.call(this, context, frame, key);
    if (value !== undefined) return value;
    const registry = context?.ctx?.[MACRO_REGISTRY];
    return registry instanceof Map ? (registry.get(key) as unknown) : undefined;
  };
}

let lookupInstalled = false;

interface NunjucksRuntime {
  contextOrFrameLookup: (
    context: { ctx?: Record<string, unknown> } | undefined,
    frame: unknown,
    key: string,
  ) => unknown;
}

/**
 * Read every `.sql` file under the folders `dirs` (project-relative) as macros; a missing
 * folder adds none. Names defined twice are returned by {@link duplicateMacros}.
 */
export function loadMacros(root: string, dirs: readonly string[]): MacroLibrary {
  const files = [...new Set(dirs.flatMap((dir) => sqlFiles(join(root, dir))))]
    .sort()
    .map((path) =>
      macroFile(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8')),
    );
  return macroLibrary(files);
}

/** A library of macro files (already read). */
export function macroLibrary(files: readonly MacroFile[]): MacroLibrary {
  const byName = new Map<string, MacroFile>();
  for (const f of files) for (const m of f.macros) if (!byName.has(m)) byName.set(m, f);
  const prelude = files
    .filter((f) => f.macros.length > 0)
    .map((f, i) => {
      const alias = `__etl_macros_${i}`;
      const own = f.macros.filter((m) => byName.get(m) === f);
      return (
        `{% import ${JSON.stringify(f.file)} as ${alias} with context %}` +
        own
          .map(
            (m) =>
              `{{ ${MACRO_WRAPPER}(${JSON.stringify(f.file)}, ${JSON.stringify(m)}, ${alias}.${m}) }}`,
          )
          .join('')
      );
    })
    .join('');
  return { files, byName, prelude };
}

/** Macros defined in more than one place: name → files. */
export function duplicateMacros(library: MacroLibrary): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const f of library.files)
    for (const m of f.macros) seen.set(m, [...(seen.get(m) ?? []), f.file]);
  return new Map([...seen].filter(([, files]) => files.length > 1));
}

/** One macro file: `{% test %}` blocks rewritten as macros, its macro names found. */
export function macroFile(file: string, source: string): MacroFile {
  const tests = [...source.matchAll(TEST_OPEN)].map((m) => m[2] ?? '');
  // Same length per tag where possible is not needed: lines are kept, which is what errors use.
  const text = source
    .replace(
      TEST_OPEN,
      (_m, dash: string, name: string) => `{%${dash} macro ${testMacroName(name)}(`,
    )
    .replace(TEST_CLOSE, (_m, a: string, b: string) => `{%${a} endmacro ${b}%}`);
  const macros = [...new Set([...text.matchAll(MACRO)].map((m) => m[1] ?? ''))];
  return { file, text, macros, tests };
}

function sqlFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sqlFiles(path);
    return e.isFile() && e.name.endsWith('.sql') ? [path] : [];
  });
}
