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
import { dialectOf } from '../engine/dialect.js';
import { qualified, quoteIdent, quoteString } from '../util/sql.js';
import { sha256 } from '../util/hash.js';
import { didYouMean, suggest } from '../util/suggest.js';
import { windowContaining, type Window } from '../time/window.js';
import { Graph } from './graph.js';
import { parseModelConfig, type ModelConfig } from './model-config.js';
import { modelFingerprint } from './fingerprint.js';
import { compileTemplate, createTemplateEnv } from './template-env.js';
import { renderContext } from './render-context.js';
import { TemplateCallError, locateText, toTemplateError } from './template-error.js';
import type {
  CompiledGraph,
  CompiledModel,
  CompiledNode,
  CompiledSeed,
  CompiledSingularTest,
} from './compiled-graph.js';
import { parseSchemaFiles } from '../project/schema-file.js';
import { checkSchema } from './check-schema.js';
import type { ModelDoc } from '../project/test-spec.js';

/** Options of {@link compileProject}. */
export interface CompileOptions {
  readonly target: Target;
  /** Variables from the command line; they override etl.yml's `vars`. */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/**
 * The window templates see while compiling: fixed, so that what a model renders (and so its
 * fingerprint) does not change from one day to the next.
 */
const COMPILE_WINDOW = windowContaining(Date.UTC(2000, 0, 1), 'day');

/**
 * Compile a project: render every template once to learn its config and refs, validate them,
 * build the DAG and fingerprints. Every broken model is reported at once (a ProjectErrors).
 */
export function compileProject(project: Project, options: CompileOptions): CompiledGraph {
  const { env, loader } = createTemplateEnv(project.root);
  const vars = { ...project.config.vars, ...options.vars };
  const schemaDefault = defaultSchema(options.target);
  const known = new Set([
    ...project.models.map((m) => m.name),
    ...project.seeds.map((s) => s.name),
  ]);
  const texts = new Map(
    [...project.models, ...project.schemaFiles, ...project.testFiles].map((m) => [
      m.relPath,
      m.text,
    ]),
  );
  const fileText = (file: string): string | undefined => texts.get(file) ?? loader.text(file);
  const errors: EtlError[] = [];

  /** Render a template once to learn its refs and config; undefined when it is broken. */
  const discover = (name: string, file: string, text: string) => {
    let template;
    try {
      template = compileTemplate(env, text, file);
    } catch (error) {
      errors.push(toTemplateError(error, file, fileText));
      return undefined;
    }
    const refs: string[] = [];
    let rawConfig: Record<string, unknown> = {};
    const missing: string[] = [];
    loader.takeLoaded();
    const self = qualified(schemaDefault, name);
    const render = (isIncremental: boolean): string =>
      template.render(
        renderContext({
          window: COMPILE_WINDOW,
          isIncremental,
          self,
          vars,
          ref: (ref) => {
            if (!known.has(ref)) missing.push(ref);
            else if (!refs.includes(ref)) refs.push(ref);
            return qualified(schemaDefault, ref);
          },
          source: (group, source) => sourceRelation(project, group, source, options.target),
          config: (kwargs) => {
            rawConfig = { ...rawConfig, ...kwargs };
          },
        }),
      );
    let output: string;
    const rendered: string[] = [];
    try {
      output = render(false);
      rendered.push(output);
      // The other branch of is_incremental() counts towards the fingerprint too.
      if (rawConfig.materialized === 'incremental') rendered.push(render(true));
    } catch (error) {
      errors.push(toTemplateError(error, file, fileText));
      return undefined;
    }
    for (const ref of new Set(missing)) {
      const at = locateText(text, `ref('${ref}'`) ?? locateText(text, `ref("${ref}"`);
      errors.push(new UnknownRefError(name, ref, suggest(ref, known), { file, ...at }));
    }
    if (missing.length > 0) return undefined;
    // Also look in the text: `{{ this }}` often sits in an is_incremental() branch.
    const readsItself = output.includes(self) || /\{[{%][^}]*\bthis\b/.test(text);
    return { template, refs, rawConfig, readsItself, rendered, includes: loader.takeLoaded() };
  };

  const drafts: (Omit<
    CompiledModel,
    'fingerprint' | 'legacyFingerprint' | 'relation' | 'schema'
  > & { rendered: readonly string[] })[] = [];
  for (const model of project.models) {
    const found = discover(model.name, model.relPath, model.text);
    if (!found) continue;
    if (found.refs.includes(model.name)) {
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
    const parsed = parseModelConfig(found.rawConfig, configAt);
    errors.push(...parsed.errors);
    drafts.push({
      kind: 'model',
      name: model.name,
      file: model.relPath,
      text: model.text,
      template: found.template,
      config: parsed.config,
      refs: found.refs,
      includes: found.includes,
      readsItself: found.readsItself,
      rendered: found.rendered,
    });
  }

  const singular: CompiledSingularTest[] = [];
  for (const test of project.testFiles) {
    const name = test.relPath.replace(/^tests\//, '').replace(/\.sql$/, '');
    const found = discover(name, test.relPath, test.text);
    if (found)
      singular.push({ name, file: test.relPath, template: found.template, refs: found.refs });
  }
  // Tests given in config(tests=[...]) read like a schema file's model-level tests.
  const configTests = drafts
    .filter((d) => d.config.tests.length > 0)
    .map((d) => ({
      relPath: d.file,
      text: JSON.stringify({ models: [{ name: d.name, tests: d.config.tests }] }),
    }));
  const schema = parseSchemaFiles([...project.schemaFiles, ...configTests], errors);
  // A model documented in a schema file and testing in its config is not described twice.
  const docs = new Map<string, ModelDoc>();
  for (const doc of schema.docs)
    if (!docs.has(doc.name) || doc.columns.length > 0) docs.set(doc.name, doc);
  const modelConfigs = new Map(drafts.map((d) => [d.name, d.config]));
  checkSchema(
    schema,
    project,
    modelConfigs,
    new Map(drafts.map((d) => [d.name, d.refs])),
    known,
    errors,
    new Set(project.models.map((m) => m.name).filter((n) => !modelConfigs.has(n))),
  );

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
    const { rendered, ...rest } = draft;
    const schema = draft.config.schema ?? schemaDefault;
    const parents = draft.refs.map((r) => nodes.get(r)).filter((p) => p !== undefined);
    const chained = draft.config.uniqueKey !== undefined || draft.readsItself;
    const { config } = draft;
    nodes.set(name, {
      ...rest,
      schema,
      relation: qualified(schema, name),
      fingerprint: modelFingerprint({
        sql: [...rendered, ...parents.map((p) => `${p.name}=${p.relation}`).sort()],
        config: stableJson({
          materialized: config.materialized,
          time_column: config.timeColumn,
          grain: config.materialized === 'incremental' ? config.grain : undefined,
          unique_key: config.uniqueKey,
          schema,
          start: chained ? config.start : undefined,
        }),
        views: parents
          .filter((p) => p.kind === 'model' && p.config.materialized === 'view')
          .map((p) => `${p.name}=${p.fingerprint}`),
      }),
      legacyFingerprint: legacyFingerprint(draft, fileText, (ref) => {
        const node = nodes.get(ref);
        return node?.kind === 'model' ? node.legacyFingerprint : (node?.fingerprint ?? '');
      }),
    });
  }
  return {
    project,
    target: options.target,
    vars,
    nodes,
    graph,
    runOrder: runOrder(graph, upstream, schema.tests),
    fileText,
    tests: schema.tests,
    unitTests: schema.unitTests,
    docs,
    singularTests: singular,
  };
}

/** Inputs of one render of a compiled model. */
export interface RenderOptions {
  readonly window: Window;
  readonly isIncremental: boolean;
  /** Relations to use instead of the real ones (unit test fixtures); undefined keeps the real one. */
  readonly overrides?: {
    readonly ref?: (name: string) => string | undefined;
    readonly source?: (group: string, name: string) => string | undefined;
    readonly self?: string;
  };
}

/** Render a compiled model's SQL for one window. Errors are ProjectErrors at file:line:col. */
export function renderModel(
  compiled: CompiledGraph,
  model: Pick<CompiledModel, 'template' | 'file' | 'relation'>,
  options: RenderOptions,
): string {
  const relationOf = (name: string): string => {
    const node = compiled.nodes.get(name);
    if (!node) throw new TemplateCallError(`unknown model or seed '${name}'`, `ref('${name}'`);
    return node.relation;
  };
  const overrides = options.overrides;
  try {
    return model.template
      .render(
        renderContext({
          window: options.window,
          isIncremental: options.isIncremental,
          self: overrides?.self ?? model.relation,
          vars: compiled.vars,
          ref: (name) => overrides?.ref?.(name) ?? relationOf(name),
          source: (group, name) =>
            overrides?.source?.(group, name) ??
            sourceRelation(compiled.project, group, name, compiled.target),
          config: () => undefined,
        }),
      )
      .trim()
      .replace(/;\s*$/, '');
  } catch (error) {
    throw toTemplateError(error, model.file, compiled.fileText);
  }
}

function sourceRelation(project: Project, group: string, name: string, target: Target): string {
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
  const format =
    ext === '.csv' || ext === '.tsv'
      ? 'csv'
      : ext === '.json' || ext === '.jsonl' || ext === '.ndjson'
        ? 'json'
        : 'parquet';
  return dialectOf(target.kind).readFile(path, format);
}

/**
 * The fingerprint wave 1 recorded (a hash of the template text, all config, included files and
 * upstream fingerprints): a ledger row from before data versions is current when it matches.
 */
function legacyFingerprint(
  draft: {
    readonly text: string;
    readonly config: ModelConfig;
    readonly includes: readonly string[];
    readonly refs: readonly string[];
  },
  fileText: (file: string) => string | undefined,
  upstream: (name: string) => string,
): string {
  const c = draft.config;
  const config = {
    materialized: c.materialized,
    timeColumn: c.timeColumn,
    grain: c.grain,
    start: c.start,
    lookback: c.lookback,
    batchSize: c.batchSize,
    uniqueKey: c.uniqueKey,
    schema: c.schema,
    tags: c.tags,
    description: c.description,
    tests: c.tests,
  };
  const includeTexts = draft.includes.map((f) => `${f}=${fileText(f) ?? ''}`);
  const parents = draft.refs.map((r) => `${r}=${upstream(r)}`).sort();
  return sha256(draft.text, stableJson(config), ...includeTexts, ...parents);
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

/**
 * The order models are written in: the DAG's, with each model also after the models its
 * relationships tests read (they run inside its write transaction, so the target must exist).
 * A test edge that would close a cycle (its target is downstream) is left out.
 */
function runOrder(
  graph: Graph,
  upstream: ReadonlyMap<string, readonly string[]>,
  tests: readonly { model: string; to: string | undefined }[],
): readonly string[] {
  const extra = new Map<string, string[]>();
  for (const t of tests) {
    if (t.to === undefined || t.to === t.model || !graph.has(t.to) || !graph.has(t.model)) continue;
    if (graph.descendants([t.model]).has(t.to)) continue;
    extra.set(t.model, [...(extra.get(t.model) ?? []), t.to]);
  }
  if (extra.size === 0) return graph.order;
  const merged = new Map<string, readonly string[]>();
  for (const [node, deps] of upstream) merged.set(node, [...deps, ...(extra.get(node) ?? [])]);
  try {
    return new Graph(merged).order;
  } catch {
    return graph.order;
  }
}
