import type { SqlTemplate } from './plain-template.js';
import type { Project } from '../project/project.js';
import type { Target } from '../engine/target.js';
import type { Graph } from './graph.js';
import type { ModelConfig } from './model-config.js';
import type { MacroLibrary } from './macros.js';
import type { DeclaredSource } from '../project/schema-sources.js';
import type { DataTestSpec, ModelDoc, UnitTestSpec } from '../project/test-spec.js';

/** A compiled model: its template, config, dependencies and fingerprint. */
export interface CompiledModel {
  readonly kind: 'model';
  readonly name: string;
  /** Project-relative path of the .sql file. */
  readonly file: string;
  readonly text: string;
  readonly template: SqlTemplate;
  readonly config: ModelConfig;
  readonly schema: string;
  /** The quoted relation, e.g. `"main"."fct_orders"`. */
  readonly relation: string;
  /** Models and seeds this model refs, in first-use order. */
  readonly refs: readonly string[];
  /** Sources it reads, as `group.name`, in first-use order. */
  readonly sources: readonly string[];
  /** Included or imported template files (project-relative). */
  readonly includes: readonly string[];
  /** What changes the data it writes (see modelFingerprint in fingerprint.ts). */
  readonly fingerprint: string;
  /** The fingerprint of ledger rows written before data versions, for this same definition. */
  readonly legacyFingerprint: string;
  /** The template reads its own relation (`{{ this }}`): its windows must run in order. */
  readonly readsItself: boolean;
}

/** A compiled seed: a CSV file loaded into a table. */
export interface CompiledSeed {
  readonly kind: 'seed';
  readonly name: string;
  readonly file: string;
  /** Absolute path of the CSV file. */
  readonly path: string;
  readonly columnTypes: Readonly<Record<string, string>>;
  readonly schema: string;
  readonly relation: string;
  readonly fingerprint: string;
}

export type CompiledNode = CompiledModel | CompiledSeed;

/** A singular test (tests/*.sql): rendered like a model; its rows are the failures. */
export interface CompiledSingularTest {
  readonly name: string;
  readonly file: string;
  readonly template: SqlTemplate;
  readonly refs: readonly string[];
}

/** The output of compile: every node, the DAG, and what rendering needs. */
export interface CompiledGraph {
  readonly project: Project;
  readonly target: Target;
  readonly vars: Readonly<Record<string, unknown>>;
  /** The project's macros (`macros/`), which every template can call. */
  readonly macros: MacroLibrary;
  /** Every declared source, `group.name` → declaration. */
  readonly sources: ReadonlyMap<string, DeclaredSource>;
  readonly nodes: ReadonlyMap<string, CompiledNode>;
  readonly graph: Graph;
  /** Nodes in the order they are written: the DAG's, also after relationships test targets. */
  readonly runOrder: readonly string[];
  /** Text of a project-relative file that templates loaded (for error excerpts). */
  readonly fileText: (file: string) => string | undefined;
  /** Generic data tests from schema files (and model configs). */
  readonly tests: readonly DataTestSpec[];
  readonly unitTests: readonly UnitTestSpec[];
  readonly docs: ReadonlyMap<string, ModelDoc>;
  readonly singularTests: readonly CompiledSingularTest[];
  /** What compiling noticed that is likely a mistake but not an error. */
  readonly warnings: readonly string[];
}
