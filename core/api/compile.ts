import { selectNodes } from '../compile/selection.js';
import { renderModel } from '../compile/compile-project.js';
import type { CompiledGraph } from '../compile/compiled-graph.js';
import { ProjectErrors, type EtlError } from '../errors.js';
import { windowsForDay, type Window } from '../time/window.js';
import { defaultBuildDate } from './build.js';
import { openProject, type ProjectOptions } from './open-project.js';
import { parseOptionalDate, type DateInput } from './date-input.js';

/** One model's rendered SQL. */
export interface RenderedModel {
  /** The model's name. */
  readonly name: string;
  /** Its file, relative to `models/`. */
  readonly file: string;
  /** `view`, `table` or `incremental`. */
  readonly materialized: string;
  /** The window it was rendered for. */
  readonly window: Window;
  /** The SQL, as rendered (not formatted). */
  readonly sql: string;
}

/** Options of {@link compileModels}. */
export interface CompileModelsOptions extends ProjectOptions {
  /** The day whose first window each model is rendered for (UTC); default: yesterday. */
  readonly date?: DateInput;
  /** Selectors (`-s`); default: every model. */
  readonly select?: readonly string[];
  /** Selectors to leave out (`--exclude`). */
  readonly exclude?: readonly string[];
}

/** What {@link compileModels} resolves with. */
export interface CompiledModels {
  /** The compiled project. */
  readonly compiled: CompiledGraph;
  /** The selected models' SQL, in build order. */
  readonly models: RenderedModel[];
}

/**
 * `etl compile`: render the selected models for the first window of `date` (by each model's
 * grain) as a first build would see them (`is_incremental()` false). No database is opened.
 * Errors (a bad project, selection or date) reject.
 *
 * @returns The compiled project and each selected model's SQL.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so that errors reject
export async function compileModels(options: CompileModelsOptions): Promise<CompiledModels> {
  const date =
    parseOptionalDate(options.date, 'date') ?? defaultBuildDate((options.clock ?? Date.now)());
  const { compiled } = openProject(options);
  const selected = selectNodes(compiled, options.select, options.exclude);
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
