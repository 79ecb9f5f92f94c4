import nunjucks from 'nunjucks';
import { ProjectLoader } from './project-loader.js';

/**
 * The Nunjucks environment of a project: autoescape off (it is SQL), undefined output an
 * error, includes limited to the project. `dev` keeps the original error as `cause`.
 */
export function createTemplateEnv(root: string): {
  env: nunjucks.Environment;
  loader: ProjectLoader;
} {
  const loader = new ProjectLoader(root);
  const env = new nunjucks.Environment(loader, {
    autoescape: false,
    throwOnUndefined: true,
    dev: true,
    trimBlocks: false,
    lstripBlocks: false,
  });
  return { env, loader };
}

/** Compile a template eagerly so syntax errors surface at compile time. */
export function compileTemplate(
  env: nunjucks.Environment,
  text: string,
  path: string,
): nunjucks.Template {
  return new nunjucks.Template(text, env, path, true);
}
