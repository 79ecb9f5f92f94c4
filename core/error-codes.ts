/**
 * Every error code etl reports, with its exit code and what to do: one catalogue. README's
 * "Error codes" table is generated from it (and a test checks that it still is).
 * Exit 2: bad input, found before anything was written. Exit 1: something failed while
 * running (every failed window was rolled back), or the machine failed.
 */
export const ERROR_CODES = {
  E_USAGE: { exit: 2, help: 'a flag or argument is wrong: the message names it (`etl --help`)' },
  E_PROJECT: { exit: 2, help: 'the project folder is missing or unreadable' },
  E_CONFIG: { exit: 2, help: 'etl.yml has a bad key or value: the line is given' },
  E_YAML: { exit: 2, help: 'a YAML file does not parse: the line is given' },
  E_TARGET: {
    exit: 2,
    help: "the target is not `duckdb:PATH`, `duckdb::memory:`, `postgres://...` or the name of one of etl.yml's `targets:`",
  },
  E_NAME: { exit: 2, help: 'a model or seed name is not a plain identifier, or uses `__etl`' },
  E_DUPLICATE_NAME: { exit: 2, help: 'two models or seeds share a name: rename one' },
  E_SYMLINK: { exit: 2, help: 'a symbolic link leads out of the project, or nowhere' },
  E_TEMPLATE: { exit: 2, help: 'a template does not render: the caret marks the spot' },
  E_UNKNOWN_REF: { exit: 2, help: '`ref()` names a model or seed that does not exist' },
  E_SELF_REF: { exit: 2, help: 'a model refs itself: use `{{ this }}`' },
  E_CYCLE: { exit: 2, help: 'models ref each other in a loop: break it' },
  E_MODEL_CONFIG: { exit: 2, help: "a model's `config()` has a bad key or value" },
  E_UNKNOWN_KEY: { exit: 2, help: 'a key is not one etl knows: see the suggestion' },
  E_TIME_COLUMN: { exit: 1, help: "an incremental model's `time_column` is not in its query" },
  E_UNIQUE_KEY: { exit: 1, help: "an upsert's `unique_key` is not in its query" },
  E_SCHEMA: { exit: 2, help: 'a schema file names a model, test or input that does not exist' },
  E_SEED: { exit: 2, help: 'a seed CSV does not load: the file and line are given' },
  E_INIT: { exit: 2, help: '`etl init` would overwrite files: pick an empty folder' },
  E_UPSTREAM_MISSING: {
    exit: 2,
    help: "a selected model's upstream is neither built nor selected: `-s +model`",
  },
  E_SQL: { exit: 1, help: "a model's SQL failed in the engine: `etl compile -s model` shows it" },
  E_OUTSIDE_WINDOW: {
    exit: 1,
    help: 'the query returned rows outside its window: filter on `{{ start }}`/`{{ end }}`',
  },
  E_DUPLICATE_KEY: {
    exit: 1,
    help: "an upsert's staged rows repeat a key: make the key unique in the query",
  },
  E_SCHEMA_CHANGE: {
    exit: 1,
    help: "the query's columns changed: `--full-refresh`, or `on_schema_change='append_new_columns'`",
  },
  E_NOT_A_TABLE: {
    exit: 1,
    help: "the model's name holds a view or other relation: drop it, or rename the model",
  },
  E_TEST_FAILED: {
    exit: 1,
    help: 'a data test failed: in a window, nothing was written; after the build (a test reading other models), the rows stay and the run fails',
  },
  E_UPSTREAM_FAILED: { exit: 1, help: 'not run: something it reads failed in this run' },
  E_CANCELLED: { exit: 1, help: 'not run: `--fail-fast` stopped the run' },
  E_FAILED: { exit: 1, help: 'the run failed: the summary lists every failure' },
  E_WAREHOUSE_IN_USE: {
    exit: 1,
    help: 'another etl process holds the warehouse: wait, or `--wait [SECONDS]`',
  },
  E_WAREHOUSE_READ_ONLY: { exit: 1, help: 'no write access to the warehouse file or its folder' },
  E_WAREHOUSE_CORRUPT: {
    exit: 1,
    help: 'the warehouse file is damaged: restore a backup, or rebuild with `etl backfill`',
  },
  E_DISK_FULL: { exit: 1, help: 'no space left: free some and rerun; nothing was half-written' },
  E_OUT_OF_MEMORY: {
    exit: 1,
    help: 'the engine ran out of memory: raise its limit or lower `--threads`; nothing was half-written',
  },
  E_CONNECTION_LOST: {
    exit: 1,
    help: 'the database server went away mid-run: rerun the same command once it is back; nothing was half-written',
  },
  E_ENGINE: { exit: 1, help: 'the engine failed to open or run: the message is its own' },
  E_INTERNAL: { exit: 1, help: 'a bug in etl: report it with the command and its output' },
} as const satisfies Record<string, { readonly exit: 1 | 2; readonly help: string }>;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The README table of the catalogue (a test checks README holds it as generated). */
export function errorCodeTable(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, { exit, help }]) => `| \`${code}\` | ${exit} | ${help} |`,
  );
  return ['| code | exit | what to do |', '|---|---|---|', ...rows].join('\n');
}
