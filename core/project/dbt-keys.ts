/**
 * What dbt reads in `dbt_project.yml` and in config that etl does not support. They are known,
 * so that they are listed as ignored (once per file) rather than taken for folder names or
 * refused: a dbt project must load as it is.
 */

/**
 * Top-level keys of dbt's schema files that etl does not read (snapshots, exposures, the
 * semantic layer, ...): listed once per file as ignored, so a dbt project loads as it is.
 */
export const DBT_SCHEMA_IGNORED_KEYS = [
  'seeds',
  'snapshots',
  'analyses',
  'macros',
  'exposures',
  'metrics',
  'semantic_models',
  'saved_queries',
  'groups',
] as const;

/** Top-level keys of dbt_project.yml etl reads. */
export const DBT_PROJECT_KEYS = [
  'name',
  'model-paths',
  'source-paths',
  'seed-paths',
  'data-paths',
  'macro-paths',
  'test-paths',
  'vars',
  'models',
  'seeds',
  // Metadata without behaviour: nothing is lost by not reading them, so no warning.
  'version',
  'config-version',
  'require-dbt-version',
] as const;

/**
 * dbt's config keys (of models and seeds) that etl has no model config for. By dbt's rule,
 * such a key is config even without a `+`, so a folder of that name needs `+` on its keys.
 */
export const DBT_MODEL_CONFIG_KEYS = [
  'alias',
  'database',
  'persist_docs',
  'post-hook',
  'pre-hook',
  'post_hook',
  'pre_hook',
  'full_refresh',
  'meta',
  'grants',
  'docs',
  'contract',
  'group',
  'access',
  'event_time',
  'begin',
  'concurrent_batches',
  'sql_header',
  'incremental_strategy',
  'incremental_predicates',
  'on_configuration_change',
  'quoting',
  'column_types',
  'quote_columns',
  'delimiter',
  'cluster_by',
  'partition_by',
  'sort',
  'dist',
  'sort_type',
  'bind',
  'indexes',
  'unlogged',
  'transient',
  'copy_grants',
  'query_tag',
  'snowflake_warehouse',
  'file_format',
  'location_root',
  'labels',
  'hours_to_expiration',
  'packages',
  'store_failures',
  'store_failures_as',
  'severity',
  'where',
  'limit',
  'fail_calc',
  'warn_if',
  'error_if',
] as const;

/** The seed config keys etl supports. */
export const SEED_CONFIG_KEYS = ['column_types', 'enabled'] as const;

/** Whether `key` is one of dbt's config keys that etl does not support for models. */
export function isDbtOnlyKey(key: string): boolean {
  return (DBT_MODEL_CONFIG_KEYS as readonly string[]).includes(key);
}
