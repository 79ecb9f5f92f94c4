import { selectNodes } from '../compile/selection.js';
import { renderModel } from '../compile/compile-project.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { ProjectErrors, type EtlError } from '../errors.js';
import { windowsForDay, type Window } from '../time/window.js';
import { defaultBuildDate } from './build.js';
import { openProject, type ProjectOptions } from './open-project.js';

/** One model's rendered SQL. */
export interface RenderedModel {
  readonly name: string;
  readonly file: string;
  readonly materialized: string;
  readonly window: Window;
  readonly sql: string;
}

/**
 * Render the selected models for the first window of `date` (by each model's grain) as a
 * first build would see them (`is_incremental()` false). No database is opened.
 */
export function compileModels(
  options: ProjectOptions & {
    date?: number;
    select?: readonly string[];
    exclude?: readonly string[];
  },
): { compiled: CompiledGraph; models: RenderedModel[] } {
  const { compiled } = openProject(options);
  const selected = selectNodes(compiled, options.select, options.exclude);
  const date = options.date ?? defaultBuildDate((options.clock ?? Date.now)());
  const models: RenderedModel[] = [];
  const errors: EtlError[] = [];
  for (const name of compiled.graph.order) {
    const node = compiled.nodes.get(name);
    if (node?.kind !== 'model' || !selected.has(name)) continue;
    const grain =
      node.config.materialized === 'incremental' && node.config.timeColumn
        ? node.config.grain
        : 'day';
    const window = windowsForDay(date, grain)[0] ?? { start: date, end: date + 86_400_000 };
    try {
      const sql = renderModel(compiled, node, { window, isIncremental: false });
      models.push({ name, file: node.file, materialized: node.config.materialized, window, sql });
    } catch (error) {
      errors.push(error as EtlError);
    }
  }
  if (errors.length > 0) throw new ProjectErrors(errors);
  return { compiled, models };
}
