import { extname, resolve } from 'node:path';
import type nunjucks from 'nunjucks';
import type { SqlTemplate } from './plain-template.js';
import {
  CycleError,
  ProjectError,
  ProjectErrors,
  UnknownRefError,
  type EtlError,
} from '../errors.js';
import type { ModelFile, Project, SeedFile } from '../project/project.js';
import { defaultSchema, type Target } from '../engine/target.js';
import { dialectOf } from '../engine/dialect.js';
import { qualified, quoteIdent, quoteString } from '../util/sql.js';
import { sha256 } from '../util/hash.js';
import { didYouMean, suggest } from '../util/suggest.js';
import { windowContaining, type Window } from '../time/window.js';
import { Graph } from './graph.js';
import type { ModelConfig } from './model-config.js';
import {
  disabledModels,
  disabledRefErrors,
  inheritedMaterialized,
  modelConfig,
} from './config-merge.js';
import { endsInLineComment, modelFingerprint } from './fingerprint.js';
import { compileTemplate, createTemplateEnv } from './template-env.js';
import { renderContext, type TargetInfo } from './render-context.js';
import {
  duplicateMacros,
  loadMacros,
  macroLibrary,
  testMacroName,
  type MacroLibrary,
} from './macros.js';
import { declaredSources, type DeclaredSource } from '../project/schema-sources.js';
import type { ProjectLoader } from './project-loader.js';
import {
  TemplateCallError,
  locateText,
  offsetToLineCol,
  toTemplateError,
} from './template-error.js';
import type {
  CompiledGraph,
  CompiledModel,
  CompiledNode,
  CompiledSeed,
  CompiledSingularTest,
} from './compiled-graph.js';
import { parseSchemaFiles, type SchemaContents } from '../project/schema-file.js';
import { checkSchema } from './check-schema.js';
import type { DataTestSpec, ModelDoc } from '../project/test-spec.js';
import { stableJson } from '../util/stable-json.js';

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

/** What compiling one project shares: its template environment, names and problems found. */
interface Compilation {
  readonly project: Project;
  readonly target: Target;
  readonly env: nunjucks.Environment;
  readonly loader: ProjectLoader;
  readonly macros: MacroLibrary;
  /** Every source, `group.name` → declaration (etl.yml and schema files). */
  readonly sources: ReadonlyMap<string, DeclaredSource>;
  readonly targetInfo: TargetInfo;
  readonly vars: Readonly<Record<string, unknown>>;
  /** The target's schema: seeds' and that of models that name none. */
  readonly schemaDefault: string;
  /** The names `ref()` accepts: every model and seed. */
  readonly known: ReadonlySet<string>;
  /** What disables each disabled model, by name. */
  readonly disabled: ReadonlyMap<string, string>;
  readonly fileText: (file: string) => string | undefined;
  /** Every problem found so far: they are thrown together before the graph is built. */
  readonly errors: EtlError[];
}

/** A model rendered once, before the graph gives it its relation and fingerprints. */
type ModelDraft = Omit<
  CompiledModel,
  'fingerprint' | 'legacyFingerprint' | 'relation' | 'schema'
> & { readonly rendered: readonly string[] };

/**
 * Compile a project: render every template once to learn its config and refs, validate them,
 * build the DAG and fingerprints. Every broken model is reported at once (a ProjectErrors).
 */
export function compileProject(project: Project, options: CompileOptions): CompiledGraph {
  const c = startCompilation(project, options);
  const drafts = project.models.map((m) => draftModel(c, m)).filter((d) => d !== undefined);
  const singularTests = draftSingularTests(c);
  const schema = readSchemaFiles(c, drafts);
  if (c.errors.length > 0) throw new ProjectErrors(c.errors);

  const upstream = new Map<string, readonly string[]>();
  for (const seed of project.seeds) upstream.set(seed.name, []);
  for (const draft of drafts) upstream.set(draft.name, draft.refs);
  const graph = buildGraph(upstream, drafts);
  return {
    project,
    target: options.target,
    vars: c.vars,
    macros: c.macros,
    sources: c.sources,
    nodes: compileNodes(c, graph, drafts),
    graph,
    runOrder: graph.order,
    fileText: c.fileText,
    tests: schema.tests,
    unitTests: schema.unitTests,
    docs: modelDocs(schema.docs),
    singularTests,
    warnings: rawDsWarnings(project),
  };
}

/**
 * `{{ ds }}` outside quotes: it was a DATE literal before ds became Airflow's raw string, and
 * `2024-01-15` unquoted is arithmetic in SQL (2008), not a date.
 */
function rawDsWarnings(project: Project): string[] {
  const found: string[] = [];
  for (const file of [...project.models, ...project.testFiles]) {
    const m = /(^|[^'"\w])\{\{-?\s*ds\s*-?\}\}(?!['"])/.exec(file.text);
    if (m) {
      const at = offsetToLineCol(file.text, m.index + m[1]!.length);
      found.push(
        `${file.relPath}:${at.line}: {{ ds }} is the raw string 2024-01-15, which unquoted SQL reads as arithmetic: write DATE '{{ ds }}' (or {{ start }} for the window's start)`,
      );
    }
  }
  return found;
}

/** The state of one compilation; command-line vars override etl.yml's. */
function startCompilation(project: Project, options: CompileOptions): Compilation {
  const all = loadMacros(project.root, [
    project.config.macrosDir,
    `${project.config.testsDir}/generic`,
  ]);
  const { env, loader } = createTemplateEnv(project.root, all);
  const texts = new Map(
    [...project.models, ...project.schemaFiles, ...project.testFiles, ...all.files].map((m) => [
      'relPath' in m ? m.relPath : m.file,
      m.text,
    ]),
  );
  const fileText = (file: string) => texts.get(file) ?? loader.text(file);
  const errors: EtlError[] = [];
  const macros = checkMacros(all, env, fileText, errors);
  return {
    project,
    target: options.target,
    env,
    loader,
    macros,
    sources: declaredSources(
      project.config,
      project.configFile ?? 'etl.yml',
      project.schemaFiles,
      errors,
    ),
    targetInfo: targetInfo(options.target),
    vars: { ...project.config.vars, ...options.vars },
    schemaDefault: defaultSchema(options.target),
    known: new Set([...project.models.map((m) => m.name), ...project.seeds.map((s) => s.name)]),
    disabled: disabledModels(project),
    fileText,
    errors,
  };
}

/** Names templates get from etl: a macro of one of these names would never be called. */
const CONTEXT_NAMES = new Set(
  Object.keys(
    renderContext({
      window: COMPILE_WINDOW,
      isIncremental: false,
      self: '',
      vars: {},
      ref: () => '',
      source: () => '',
      config: () => undefined,
      target: { name: '', type: '', schema: '' },
    }),
  ),
);

/**
 * Each macro file compiled once, its problems reported at the file (not at every model that
 * imports it): a broken file, a name defined twice or one of etl's own. The library returned
 * leaves broken files out, so that models are still checked.
 */
function checkMacros(
  all: MacroLibrary,
  env: nunjucks.Environment,
  fileText: (file: string) => string | undefined,
  errors: EtlError[],
): MacroLibrary {
  const broken = new Set<string>();
  for (const f of all.files) {
    try {
      env.getTemplate(f.file, true);
    } catch (error) {
      errors.push(toTemplateError(error, f.file, fileText));
      broken.add(f.file);
    }
    for (const name of f.macros)
      if (CONTEXT_NAMES.has(name))
        errors.push(
          new ProjectError(
            'E_TEMPLATE',
            `macro '${name}' has the name of etl's own '${name}', which templates would call instead: rename it`,
            { file: f.file, ...locateText(f.text, `macro ${name}`) },
          ),
        );
  }
  for (const [name, files] of duplicateMacros(all))
    errors.push(
      new ProjectError(
        'E_TEMPLATE',
        `macro '${name}' is defined twice: in ${files.join(' and ')}`,
        {
          file: files[1] ?? files[0] ?? '',
        },
      ),
    );
  return broken.size === 0 ? all : macroLibrary(all.files.filter((f) => !broken.has(f.file)));
}

/** `{{ target }}`: the name (etl has one unnamed target per run until named targets land). */
export function targetInfo(target: Target): TargetInfo {
  return { name: target.name ?? 'default', type: target.kind, schema: defaultSchema(target) };
}

/** Render a model once and read its config; undefined when it is broken (reported). */
function draftModel(c: Compilation, model: ModelFile): ModelDraft | undefined {
  if (model.disabledBy !== undefined) return undefined;
  const found = discover(c, model.name, model.relPath, model.text, inheritedMaterialized(model));
  if (!found) return undefined;
  if (found.refs.includes(model.name)) {
    c.errors.push(
      new ProjectError(
        'E_SELF_REF',
        `model '${model.name}' refs itself: use {{ this }} for its own relation`,
        { file: model.relPath, ...locateText(model.text, `ref('${model.name}'`) },
      ),
    );
    return undefined;
  }
  const configAt = { file: model.relPath, ...locateText(model.text, 'config(') };
  const parsed = modelConfig(model, found.rawConfig, configAt);
  c.errors.push(...parsed.errors, ...disabledRefErrors(c.disabled, model, found.refs));
  return {
    kind: 'model',
    name: model.name,
    file: model.relPath,
    text: model.text,
    template: found.template,
    config: parsed.config,
    refs: found.refs,
    sources: found.sources,
    includes: found.includes,
    readsItself: found.readsItself,
    rendered: found.rendered,
  };
}

/** Render each singular test (tests/*.sql) once, for its refs; broken ones are reported. */
function draftSingularTests(c: Compilation): CompiledSingularTest[] {
  const tests: CompiledSingularTest[] = [];
  const dir = `${c.project.config.testsDir.replace(/\/+$/, '')}/`;
  for (const test of c.project.testFiles) {
    // dbt's custom generic tests live in tests/generic/: macros (loaded as such), not queries.
    if (test.relPath.startsWith(`${dir}generic/`)) continue;
    const name = (
      test.relPath.startsWith(dir) ? test.relPath.slice(dir.length) : test.relPath
    ).replace(/\.sql$/, '');
    const found = discover(c, name, test.relPath, test.text);
    if (found) tests.push({ name, file: test.relPath, template: found.template, refs: found.refs });
  }
  return tests;
}

/** What rendering a template once tells about it. */
interface Discovered {
  readonly template: SqlTemplate;
  readonly refs: string[];
  /** Sources it reads, `group.name`. */
  readonly sources: string[];
  readonly rawConfig: Record<string, unknown>;
  readonly readsItself: boolean;
  /** Its SQL: one render, or two for an incremental model (see renderToDiscover). */
  readonly rendered: string[];
  /** The files it included or imported. */
  readonly includes: string[];
}

/** Render a template once to learn its refs and config; undefined when it is broken. */
function discover(
  c: Compilation,
  name: string,
  file: string,
  text: string,
  /** The materialization folder config and schema files give it, before its own config(). */
  inherited?: unknown,
): Discovered | undefined {
  let template: SqlTemplate;
  try {
    template = compileTemplate(c.env, text, file, c.macros.prelude);
  } catch (error) {
    c.errors.push(toTemplateError(error, file, c.fileText, c.macros.prelude.length));
    return undefined;
  }
  c.loader.takeLoaded();
  const self = qualified(c.schemaDefault, name);
  let found: Rendering;
  try {
    found = renderToDiscover(c, template, self, inherited);
  } catch (error) {
    c.errors.push(toTemplateError(error, file, c.fileText, c.macros.prelude.length));
    return undefined;
  }
  for (const ref of new Set(found.missing))
    c.errors.push(
      new UnknownRefError(name, ref, suggest(ref, c.known), refCall(c, file, text, ref)),
    );
  if (found.missing.length > 0) return undefined;
  const { refs, sources, rawConfig, rendered } = found;
  // Also look in the text: `{{ this }}` often sits in an is_incremental() branch.
  const readsItself = found.output.includes(self) || /\{[{%][^}]*\bthis\b/.test(text);
  // Macro files are loaded by every template: one counts as included when named in the text.
  const macroImports = c.macros.files.map((f) => f.file).filter((f) => text.includes(f));
  return {
    template,
    refs,
    sources,
    rawConfig,
    readsItself,
    rendered,
    includes: [...new Set([...c.loader.takeLoaded(), ...macroImports])].sort(),
  };
}

/** Where a template refs `ref`: in its own text, else in the macro that does. */
function refCall(c: Compilation, file: string, text: string, ref: string) {
  const needles = [`ref('${ref}'`, `ref("${ref}"`];
  for (const [f, t] of [
    [file, text] as const,
    ...c.macros.files.map((m) => [m.file, m.text] as const),
  ])
    for (const needle of needles) {
      const at = locateText(t, needle);
      if (at) return { file: f, ...at };
    }
  return { file };
}

/** What {@link renderToDiscover} collected. */
interface Rendering {
  /** The first render's SQL (not incremental). */
  readonly output: string;
  readonly rendered: string[];
  /** Known models and seeds it refs, in first-use order. */
  readonly refs: string[];
  /** Sources it reads, `group.name`, in first-use order. */
  readonly sources: string[];
  /** Names it refs that are no model or seed. */
  readonly missing: string[];
  /** Its config() calls merged, last call wins. */
  readonly rawConfig: Record<string, unknown>;
}

/**
 * Render a template at the compile window, recording its refs and config() calls. An
 * incremental model is rendered a second time with is_incremental() true: that branch counts
 * towards the fingerprint too, and may ref more. Throws what the template throws.
 */
function renderToDiscover(
  c: Compilation,
  template: SqlTemplate,
  self: string,
  inherited: unknown,
): Rendering {
  const refs: string[] = [];
  const sources: string[] = [];
  const missing: string[] = [];
  let rawConfig: Record<string, unknown> = {};
  const render = (isIncremental: boolean): string =>
    template.render(
      renderContext({
        window: COMPILE_WINDOW,
        isIncremental,
        self,
        vars: c.vars,
        target: c.targetInfo,
        ref: (ref) => {
          if (!c.known.has(ref)) missing.push(ref);
          else if (!refs.includes(ref)) refs.push(ref);
          return qualified(c.schemaDefault, ref);
        },
        source: (group, source) => {
          const relation = sourceRelation(c.project, c.sources, group, source, c.target);
          if (!sources.includes(`${group}.${source}`)) sources.push(`${group}.${source}`);
          return relation;
        },
        config: (kwargs) => {
          rawConfig = { ...rawConfig, ...kwargs };
        },
      }),
    );
  const output = render(false);
  const rendered = [output];
  if ((rawConfig.materialized ?? inherited) === 'incremental') rendered.push(render(true));
  return { output, rendered, refs, sources, missing, rawConfig };
}

/**
 * Read the schema files, and the tests models give in config(tests=[...]) as if a schema file
 * gave them at model level; check what they name against the project.
 */
function readSchemaFiles(c: Compilation, drafts: readonly ModelDraft[]): SchemaContents {
  const configTests = drafts
    .filter((d) => d.config.tests.length > 0)
    .map((d) => ({
      relPath: d.file,
      text: JSON.stringify({ models: [{ name: d.name, tests: d.config.tests }] }),
    }));
  const customTests = new Set(c.macros.files.flatMap((f) => f.tests));
  const parsed = parseSchemaFiles(
    [...c.project.schemaFiles, ...configTests],
    c.errors,
    customTests,
  );
  const schema = { ...parsed, tests: parsed.tests.map((t) => compileCustomTest(c, t)) };
  const modelConfigs = new Map(drafts.map((d) => [d.name, d.config]));
  checkSchema(
    schema,
    c.project,
    modelConfigs,
    new Map(drafts.map((d) => [d.name, d.refs])),
    c.known,
    c.errors,
    new Set(c.project.models.map((m) => m.name).filter((n) => !modelConfigs.has(n))),
  );
  return schema;
}

/**
 * A custom generic test with its SQL: its macro called with `model` (the rows under test, the
 * `etl_scoped` query), `column_name` and its arguments. The models it refs besides its own
 * make it run after the build.
 */
function compileCustomTest(c: Compilation, test: DataTestSpec): DataTestSpec {
  if (test.kind !== 'custom' || test.custom === undefined) return test;
  const { custom } = test;
  const call = `{{ ${testMacroName(custom.test)}(${[
    'model=__etl_model',
    ...(test.column === undefined ? [] : ['column_name=__etl_column']),
    ...Object.keys(custom.args).map((k) => `${k}=__etl_args.${k}`),
  ].join(', ')}) }}`;
  const refs: string[] = [];
  const file =
    c.macros.files.find((f) => f.tests.includes(custom.test))?.file ?? test.location.file;
  try {
    const template = compileTemplate(c.env, call, test.location.file, c.macros.prelude);
    const sql = template
      .render({
        ...renderContext({
          window: COMPILE_WINDOW,
          isIncremental: false,
          self: qualified(c.schemaDefault, test.model),
          vars: c.vars,
          target: c.targetInfo,
          ref: (ref) => {
            if (!c.known.has(ref))
              throw new TemplateCallError(
                `unknown model or seed '${ref}'${didYouMean(ref, c.known)}`,
                `ref('${ref}'`,
              );
            if (!refs.includes(ref)) refs.push(ref);
            return qualified(c.schemaDefault, ref);
          },
          source: (group, name) => sourceRelation(c.project, c.sources, group, name, c.target),
          config: () => undefined,
        }),
        __etl_model: 'etl_scoped',
        __etl_column: test.column,
        __etl_args: custom.args,
      })
      .trim()
      .replace(/;\s*$/, '');
    return { ...test, custom: { ...custom, sql, refs } };
  } catch (error) {
    const e = toTemplateError(error, file, c.fileText, c.macros.prelude.length);
    c.errors.push(
      new ProjectError(
        'E_TEMPLATE',
        `test '${test.name}' (${test.location.file}): ${e.message}`,
        e.location,
      ),
    );
    return test;
  }
}

/**
 * The models' docs by name. A model documented in a schema file and given tests in its config
 * has two entries: the later one wins only when it describes columns.
 */
function modelDocs(docs: readonly ModelDoc[]): Map<string, ModelDoc> {
  const byName = new Map<string, ModelDoc>();
  for (const doc of docs)
    if (!byName.has(doc.name) || doc.columns.length > 0) byName.set(doc.name, doc);
  return byName;
}

/** The DAG of seeds and models. A cycle is reported at the file of its first model. */
function buildGraph(
  upstream: ReadonlyMap<string, readonly string[]>,
  drafts: readonly ModelDraft[],
): Graph {
  try {
    return new Graph(upstream);
  } catch (error) {
    if (error instanceof CycleError) {
      const file = drafts.find((d) => d.name === error.path[0])?.file;
      throw new CycleError(error.path, file === undefined ? undefined : { file });
    }
    throw error;
  }
}

/** Seeds, then models in DAG order: a model's fingerprints are made of its parents'. */
function compileNodes(
  c: Compilation,
  graph: Graph,
  drafts: readonly ModelDraft[],
): Map<string, CompiledNode> {
  const nodes = new Map<string, CompiledNode>();
  for (const seed of c.project.seeds) nodes.set(seed.name, seedNode(seed, c.schemaDefault));
  const byName = new Map(drafts.map((d) => [d.name, d]));
  for (const name of graph.order) {
    const draft = byName.get(name);
    if (draft) nodes.set(name, modelNode(c, draft, nodes));
  }
  return nodes;
}

/** A seed; its fingerprint changes with its column types (its rows are tracked by hash). */
function seedNode(seed: SeedFile, schema: string): CompiledSeed {
  return {
    kind: 'seed',
    name: seed.name,
    file: seed.relPath,
    path: seed.path,
    columnTypes: seed.columnTypes,
    schema,
    relation: qualified(schema, seed.name),
    fingerprint: sha256('seed', seed.name, stableJson(seed.columnTypes)),
  };
}

/** A model with its relation and fingerprints; `nodes` holds its parents, compiled already. */
function modelNode(
  c: Compilation,
  draft: ModelDraft,
  nodes: ReadonlyMap<string, CompiledNode>,
): CompiledModel {
  const schema = draft.config.schema ?? c.schemaDefault;
  const parents = draft.refs.map((r) => nodes.get(r)).filter((p) => p !== undefined);
  let legacy: string | undefined;
  // Field by field: an object spread of the draft cost some 15 us a model before V8 warms up.
  // The getter in the literal too: defined afterwards, it cost a runtime call and the object
  // its shape.
  return {
    kind: 'model',
    name: draft.name,
    file: draft.file,
    text: draft.text,
    template: draft.template,
    config: draft.config,
    refs: draft.refs,
    sources: draft.sources,
    includes: draft.includes,
    readsItself: draft.readsItself,
    schema,
    relation: qualified(schema, draft.name),
    fingerprint: modelFingerprint({
      sql: draft.rendered.concat(parents.map((p) => `${p.name}=${p.relation}`).sort()),
      config: fingerprintConfig(draft, schema),
      views: parents
        .filter((p) => p.kind === 'model' && p.config.materialized === 'view')
        .map((p) => `${p.name}=${p.fingerprint}`),
    }),
    // Only ledger rows written before data versions need it: made when first read.
    get legacyFingerprint(): string {
      return (legacy ??= legacyFingerprint(draft, c.fileText, (ref) => {
        const node = nodes.get(ref);
        return node?.kind === 'model' ? node.legacyFingerprint : (node?.fingerprint ?? '');
      }));
    },
  };
}

/** The config that changes what a model writes, as stable JSON (see modelFingerprint). */
function fingerprintConfig(draft: ModelDraft, schema: string): string {
  const { config } = draft;
  const chained = config.uniqueKey !== undefined || draft.readsItself;
  // In stableJson's order already: serialized as it is.
  return stableJson({
    grain: config.materialized === 'incremental' ? config.grain : undefined,
    materialized: config.materialized,
    schema,
    start: chained ? config.start : undefined,
    time_column: config.timeColumn,
    unique_key: config.uniqueKey,
  });
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

/**
 * A model's SQL is put inside statements (`CREATE TABLE ... AS <sql>`, joined to the next by
 * `;`): one that ends in a `-- comment` gets a line break, so that what follows is not
 * commented out with it.
 */
function endLineComment(sql: string): string {
  return endsInLineComment(sql) ? `${sql}\n` : sql;
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
    return endLineComment(
      model.template
        .render(
          renderContext({
            window: options.window,
            isIncremental: options.isIncremental,
            self: overrides?.self ?? model.relation,
            vars: compiled.vars,
            target: targetInfo(compiled.target),
            ref: (name) => overrides?.ref?.(name) ?? relationOf(name),
            source: (group, name) =>
              overrides?.source?.(group, name) ??
              sourceRelation(compiled.project, compiled.sources, group, name, compiled.target),
            config: () => undefined,
          }),
        )
        .trim()
        .replace(/;\s*$/, ''),
    );
  } catch (error) {
    throw toTemplateError(error, model.file, compiled.fileText, compiled.macros.prelude.length);
  }
}

function sourceRelation(
  project: Project,
  sources: ReadonlyMap<string, DeclaredSource>,
  group: string,
  name: string,
  target: Target,
): string {
  const groups = new Set([...sources.values()].map((s) => s.group));
  if (!groups.has(group))
    throw new TemplateCallError(
      `unknown source group '${group}'${didYouMean(group, groups)}: declare it under sources in etl.yml or a schema file`,
      `source('${group}'`,
    );
  const def = sources.get(`${group}.${name}`)?.def;
  if (def === undefined)
    throw new TemplateCallError(
      `unknown source '${group}.${name}'${didYouMean(
        name,
        [...sources.values()].filter((s) => s.group === group).map((s) => s.name),
      )}`,
      `source('${group}', '${name}'`,
    );
  if ('table' in def) return def.table.split('.').map(quoteIdent).join('.');
  // A server reads its own tables, not files on the machine etl runs on.
  if (target.kind === 'postgres')
    throw new TemplateCallError(
      `source '${group}.${name}' reads a file (path: ${def.path}), which a PostgreSQL target cannot: load it into a table and declare the source with table: instead`,
      `source('${group}', '${name}'`,
    );
  // Remote files (s3://, https://...) are DuckDB's to read: only local paths are the project's.
  const remote = /^(?:s3|s3a|s3n|gs|gcs|r2|az|azure|abfs|abfss|hf|http|https):\/\//i.test(def.path);
  const path = quoteString(remote ? def.path : resolve(project.root, def.path));
  // A compressed file is read by what it holds: data.csv.gz is CSV.
  const bare = (remote ? def.path.replace(/[?#].*$/, '') : def.path)
    .replace(/\*+$/, '')
    .replace(/\.(?:gz|gzip|zst)$/i, '');
  const ext = extname(bare).toLowerCase();
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
    // Wave 1 had no adaptive batching: an unset batch_size was 1.
    batchSize: c.batchSize ?? 1,
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
