/** A source relation declared in etl.yml: a table, or files read by path. */
export type SourceDef = { readonly table: string } | { readonly path: string };

/** The validated contents of etl.yml (every key optional in the file). */
export interface ProjectConfig {
  readonly name: string;
  readonly target: string | undefined;
  readonly modelsDir: string;
  readonly seedsDir: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly sources: Readonly<Record<string, Readonly<Record<string, SourceDef>>>>;
  readonly seeds: Readonly<Record<string, SeedConfig>>;
}

/** Per-seed settings from etl.yml. */
export interface SeedConfig {
  readonly columnTypes: Readonly<Record<string, string>>;
}

/** A model file: `models/**\/NAME.sql`. */
export interface ModelFile {
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the project root, with forward slashes. */
  readonly relPath: string;
  readonly text: string;
}

/** A seed file: `seeds/NAME.csv`. */
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
  /** etl.yml's path relative to the root, when there is one. */
  readonly configFile: string | undefined;
  readonly config: ProjectConfig;
  readonly models: readonly ModelFile[];
  readonly seeds: readonly SeedFile[];
  /** `models/**\/*.yml`: docs, data tests and unit tests. */
  readonly schemaFiles: readonly ProjectFile[];
  /** `tests/**\/*.sql`: singular tests, whose rows are the failures. */
  readonly testFiles: readonly ProjectFile[];
}
