import { extname, resolve } from 'node:path';
import {
  CycleError,
  ProjectError,
  ProjectErrors,
  UnknownRefError,
  type EtlError,
} from '../errors.js';
import type { Project } from '../project/project.js';
import { defaultSchema, type Target } from '../engine/target.js';
import { qualified, quoteIdent, quoteString } from '../util/sql.js';
import { sha256 } from '../util/hash.js';
import { didYouMean, suggest } from '../util/suggest.js';
import { windowContaining, type Window } from '../plan/window.js';
import { Graph } from './graph.js';
import { parseModelConfig } from './model-config.js';
import { compileTemplate, createTemplateEnv } from './template-env.js';
import { renderContext } from './render-context.js';
import { TemplateCallError, locateText, toTemplateError } from './template-error.js';
import type { CompiledGraph, CompiledModel, CompiledNode, CompiledSeed } from './compiled-graph.js';

/** Options of {@link compileProject}. */
export interface CompileOptions {
  readonly target: Target;
  /** Variables from the command line; they override etl.yml's `vars`. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** The instant whose day window templates see while compiling; default: now. */
  readonly now?: number;
}

/**
 * Compile a project: render every template once to learn its config and refs, validate them,
 * build the DAG and fingerprints. Every broken model is reported at once (a ProjectErrors).
 */
export function compileProject(project: Project, options: CompileOptions): CompiledGraph {
  const { env, loader } = createTemplateEnv(project.root);
  const vars = { ...project.config.vars, ...options.vars };
  const schemaDefault = defaultSchema(options.target);
  const window = windowContaining((options.now ?? Date.now()) - 86_400_000, 'day');
  const known = new Set([
    ...project.models.map((m) => m.name),
    ...project.seeds.map((s) => s.name),
  ]);
  const texts = new Map(project.models.map((m) => [m.relPath, m.text]));
  const fileText = (file: string): string | undefined => texts.get(file) ?? loader.text(file);
  const errors: EtlError[] = [];

  const drafts: Omit<CompiledModel, 'fingerprint' | 'relation' | 'schema'>[] = [];
  for (const model of project.models) {
    let template;
    try {
      template = compileTemplate(env, model.text, model.relPath);
    } catch (error) {
      errors.push(toTemplateError(error, model.relPath, fileText));
      continue;
    }
    const refs: string[] = [];
    let rawConfig: Record<string, unknown> = {};
    const missing: string[] = [];
    loader.takeLoaded();
    const self = qualified(schemaDefault, model.name);
    let output: string;
    try {
      output = template.render(
        renderContext({
          window,
          isIncremental: false,
          self,
          vars,
          ref: (name) => {
            if (!known.has(name)) missing.push(name);
            else if (!refs.includes(name)) refs.push(name);
            return qualified(schemaDefault, name);
          },
          source: (group, name) => sourceRelation(project, group, name),
          config: (kwargs) => {
            rawConfig = { ...rawConfig, ...kwargs };
          },
        }),
      );
    } catch (error) {
      errors.push(toTemplateError(error, model.relPath, fileText));
      continue;
    }
    for (const name of new Set(missing)) {
      const at = locateText(model.text, `ref('${name}'`) ?? locateText(model.text, `ref("${name}"`);
      errors.push(
        new UnknownRefError(model.name, name, suggest(name, known), {
          file: model.relPath,
          ...at,
        }),
      );
    }
    if (refs.includes(model.name)) {
      errors.push(
        new ProjectError(
          'E_SELF_REF',
          `model '${model.name}' refs itself: use {{ this }} for its own relation`,
          { file: model.relPath, ...locateText(model.text, `ref('${model.name}'`) },
        ),
      );
      continue;
    }
    const configAt = { file: model.relPath, ...locateText(model.text, 'config(') };
    const parsed = parseModelConfig(rawConfig, configAt);
    errors.push(...parsed.errors);
    drafts.push({
      kind: 'model',
      name: model.name,
      file: model.relPath,
      text: model.text,
      template,
      config: parsed.config,
      refs,
      includes: loader.takeLoaded(),
      // Also look in the text: `{{ this }}` often sits in an is_incremental() branch.
      readsItself: output.includes(self) || /\{[{%][^}]*\bthis\b/.test(model.text),
    });
  }
  if (errors.length > 0) throw new ProjectErrors(errors);

  const upstream = new Map<string, readonly string[]>();
  for (const seed of project.seeds) upstream.set(seed.name, []);
  for (const draft of drafts) upstream.set(draft.name, draft.refs);
  let graph: Graph;
  try {
    graph = new Graph(upstream);
  } catch (error) {
    if (error instanceof CycleError) {
      const file = drafts.find((d) => d.name === error.path[0])?.file;
      throw new CycleError(error.path, file === undefined ? undefined : { file });
    }
    throw error;
  }

  const nodes = new Map<string, CompiledNode>();
  for (const seed of project.seeds) {
    const node: CompiledSeed = {
      kind: 'seed',
      name: seed.name,
      file: seed.relPath,
      path: seed.path,
      columnTypes: seed.columnTypes,
      schema: schemaDefault,
      relation: qualified(schemaDefault, seed.name),
      fingerprint: sha256('seed', seed.name, stableJson(seed.columnTypes)),
    };
    nodes.set(seed.name, node);
  }
  const byName = new Map(drafts.map((d) => [d.name, d]));
  for (const name of graph.order) {
    const draft = byName.get(name);
    if (!draft) continue;
    const schema = draft.config.schema ?? schemaDefault;
    const parents = draft.refs.map((r) => `${r}=${nodes.get(r)?.fingerprint ?? ''}`).sort();
    const includeTexts = draft.includes.map((f) => `${f}=${fileText(f) ?? ''}`);
    nodes.set(name, {
      ...draft,
      schema,
      relation: qualified(schema, name),
      fingerprint: sha256(draft.text, stableJson(draft.config), ...includeTexts, ...parents),
    });
  }
  return { project, target: options.target, vars, nodes, graph, fileText };
}

/** Inputs of one render of a compiled model. */
export interface RenderOptions {
  readonly window: Window;
  readonly isIncremental: boolean;
}

/** Render a compiled model's SQL for one window. Errors are ProjectErrors at file:line:col. */
export function renderModel(
  compiled: CompiledGraph,
  model: CompiledModel,
  options: RenderOptions,
): string {
  const relationOf = (name: string): string => {
    const node = compiled.nodes.get(name);
    if (!node) throw new TemplateCallError(`unknown model or seed '${name}'`, `ref('${name}'`);
    return node.relation;
  };
  try {
    return model.template
      .render(
        renderContext({
          window: options.window,
          isIncremental: options.isIncremental,
          self: model.relation,
          vars: compiled.vars,
          ref: relationOf,
          source: (group, name) => sourceRelation(compiled.project, group, name),
          config: () => undefined,
        }),
      )
      .trim();
  } catch (error) {
    throw toTemplateError(error, model.file, compiled.fileText);
  }
}

function sourceRelation(project: Project, group: string, name: string): string {
  const groups = project.config.sources;
  const defs = groups[group];
  if (defs === undefined)
    throw new TemplateCallError(
      `unknown source group '${group}'${didYouMean(group, Object.keys(groups))}: declare it under sources in etl.yml`,
      `source('${group}'`,
    );
  const def = defs[name];
  if (def === undefined)
    throw new TemplateCallError(
      `unknown source '${group}.${name}'${didYouMean(name, Object.keys(defs))}`,
      `source('${group}', '${name}'`,
    );
  if ('table' in def) return def.table.split('.').map(quoteIdent).join('.');
  const path = quoteString(resolve(project.root, def.path));
  const ext = extname(def.path.replace(/\*+$/, '')).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return `read_csv(${path})`;
  if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') return `read_json_auto(${path})`;
  return `read_parquet(${path})`;
}

/** JSON with object keys sorted, so equal values hash equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
