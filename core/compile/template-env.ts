import nunjucks from 'nunjucks';
import { ProjectLoader } from './project-loader.js';
import { DoExtension } from './do-extension.js';
import { installJinjaCompat } from './jinja-compat.js';
import { installMacroLookup, type MacroLibrary } from './macros.js';
import { literal } from './render-context.js';
import { PlainTemplate, parsePlain, type SqlTemplate } from './plain-template.js';

/**
 * The Nunjucks environment of a project: autoescape off (it is SQL), undefined output an
 * error, includes limited to the project, Jinja's methods and `{% do %}`, the `sql` filter,
 * and the project's macros. `dev` keeps the original error as `cause`.
 */
export function createTemplateEnv(
  root: string,
  macros: MacroLibrary,
): {
  env: nunjucks.Environment;
  loader: ProjectLoader;
} {
  installJinjaCompat();
  installMacroLookup(
    (nunjucks as unknown as { runtime: Parameters<typeof installMacroLookup>[0] }).runtime,
  );
  const loader = new ProjectLoader(root, macros);
  const env = new nunjucks.Environment(loader, {
    autoescape: false,
    throwOnUndefined: true,
    dev: true,
    trimBlocks: false,
    lstripBlocks: false,
  });
  env.addExtension('do', new DoExtension());
  env.addFilter('sql', (value: unknown) => literal(value));
  return { env, loader };
}

/**
 * Compile a template eagerly so syntax errors surface at compile time. `prelude` (the macro
 * imports) goes before its first line: line numbers stay the template's own. A plain template
 * (text and `{{ }}` holes of literals, names and etl's functions) in a project without macros
 * is read without Nunjucks, and renders as Nunjucks would (see plain-template.ts).
 */
export function compileTemplate(
  env: nunjucks.Environment,
  text: string,
  path: string,
  prelude = '',
): SqlTemplate {
  const full = (): SqlTemplate => new nunjucks.Template(prelude + text, env, path, true);
  const parts = prelude === '' ? parsePlain(text) : undefined;
  return parts === undefined ? full() : new PlainTemplate(parts, full);
}
