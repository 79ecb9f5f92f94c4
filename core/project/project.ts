import type { SourceLocation } from '../errors.js';

/** A source relation declared in etl.yml: a table, or files read by path. */
export type SourceDef = { readonly table: string } | { readonly path: string };

/**
 * The validated contents of the project file: etl.yml (every key optional in the file), or
 * the keys etl reads of a dbt_project.yml.
 */
export interface ProjectConfig {
  readonly name: string;
  /** etl.yml `target`: a URL, or the name of one of `targets`. */
  readonly target: string | undefined;
  /** etl.yml `targets`: names to target URLs (`{dev: "duckdb:dev.duckdb"}`). */
  readonly targets: Readonly<Record<string, string>>;
  readonly modelsDir: string;
  readonly seedsDir: string;
  /** Where macros live (etl.yml `macros_dir`, dbt `macro-paths`); default `macros`. */
  readonly macrosDir: string;
  /** Where singular tests live (etl.yml `tests_dir`, dbt `test-paths`); default `tests`. */
  readonly testsDir: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly sources: Readonly<Record<string, Readonly<Record<string, SourceDef>>>>;
  /** Per-seed settings by seed name (etl.yml `seeds:`). */
  readonly seeds: Readonly<Record<string, SeedConfig>>;
  /** Folder config of models (`models:`), outer folders first. */
  readonly modelFolders: readonly FolderConfig[];
  /** Folder config of seeds (dbt_project.yml `seeds:`), outer folders first. */
  readonly seedFolders: readonly FolderConfig[];
}

/** Per-seed settings from etl.yml. */
export interface SeedConfig {
  readonly columnTypes: Readonly<Record<string, string>>;
}

/** One level of config a model or seed gets from outside its own file. */
export interface ConfigLayer {
  /** Where it is written, for messages: `etl.yml models.staging`, `models/schema.yml ...`. */
  readonly origin: string;
  /** Config keys (without `+`) to their values, each checked on its own already. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Config given to a folder of models or seeds, dbt-style: `models: {staging: {+tags: [s]}}`. */
export interface FolderConfig extends ConfigLayer {
  /** Folders under models_dir (or seeds_dir), then possibly a model's (seed's) name; [] is all. */
  readonly path: readonly string[];
  /** The key that opens this level (or the tree's key for the top level). */
  readonly location: SourceLocation;
}

/** A model file: `models/**\/NAME.sql`. */
export interface ModelFile {
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the project root, with forward slashes. */
  readonly relPath: string;
  readonly text: string;
  /**
   * Config from outside the file, in the order it applies (folder config outer to inner, then
   * a schema file's `config:`); the model's own `config()` comes after all of them.
   */
  readonly configLayers: readonly ConfigLayer[];
  /**
   * Why the model is disabled (`enabled: false`, and where), or undefined. A disabled model is
   * left out when compiling; it stays listed so that what names it can be told so.
   */
  readonly disabledBy: string | undefined;
}

/** A seed file: `seeds/**\/NAME.csv`. */
export interface SeedFile {
  readonly name: string;
  readonly path: string;
  readonly relPath: string;
  readonly columnTypes: Readonly<Record<string, string>>;
}

/** A text file of the project (schema YAML, singular test SQL). */
export interface ProjectFile {
  readonly path: string;
  readonly relPath: string;
  readonly text: string;
}

/** A loaded project: configuration and files, no database. */
export interface Project {
  /** Absolute, real path of the project root. */
  readonly root: string;
  /** The project file (etl.yml or dbt_project.yml) relative to the root, when there is one. */
  readonly configFile: string | undefined;
  readonly config: ProjectConfig;
  readonly models: readonly ModelFile[];
  readonly seeds: readonly SeedFile[];
  /** `models/**\/*.yml`: docs, data tests and unit tests. */
  readonly schemaFiles: readonly ProjectFile[];
  /** `tests/**\/*.sql` (under testsDir): singular tests, whose rows are the failures. */
  readonly testFiles: readonly ProjectFile[];
  /** What loading found questionable but not wrong (ignored dbt keys...), each said once. */
  readonly warnings: readonly string[];
}
