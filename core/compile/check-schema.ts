import { ProjectError, type EtlError, type SourceLocation } from '../errors.js';
import type { Project } from '../project/project.js';
import type { ModelConfig } from './model-config.js';
import { didYouMean } from '../util/suggest.js';
import type { SchemaContents } from '../project/schema-file.js';
import type { ModelDoc, UnitTestSpec } from '../project/test-spec.js';

type Fail = (message: string, location: SourceLocation) => void;

/**
 * Check what schema files name against the project: models, relationship targets, unit test
 * inputs (each must be one of the model's refs or sources, or `this` for incremental models)
 * and seeds. Problems are added to `errors`.
 */
export function checkSchema(
  schema: SchemaContents,
  project: Project,
  configs: ReadonlyMap<string, ModelConfig>,
  refs: ReadonlyMap<string, readonly string[]>,
  known: ReadonlySet<string>,
  errors: EtlError[],
  /** Models that failed to compile: reported already, their entries are not checked. */
  broken: ReadonlySet<string>,
): void {
  const fail: Fail = (message, location) =>
    errors.push(new ProjectError('E_SCHEMA', message, location));
  checkDocs(schema.docs, configs, broken, fail);
  for (const test of schema.tests) {
    if (test.to !== undefined && !known.has(test.to))
      fail(
        `${test.name}: relationships to unknown model or seed '${test.to}'${didYouMean(test.to, known)}`,
        test.location,
      );
  }
  const names = new Set<string>();
  const seeds = new Set(project.seeds.map((s) => s.name));
  for (const unit of schema.unitTests) {
    if (names.has(unit.name)) fail(`unit test '${unit.name}' is defined twice`, unit.location);
    names.add(unit.name);
    if (broken.has(unit.model)) continue;
    const config = configs.get(unit.model);
    if (config === undefined)
      fail(
        `unit test '${unit.name}' tests unknown model '${unit.model}'${didYouMean(unit.model, [...configs.keys()])}`,
        unit.location,
      );
    else checkUnitTest(unit, config, refs.get(unit.model) ?? [], project, seeds, fail);
  }
}

/** Each model is described once, and only models that exist are. */
function checkDocs(
  docs: readonly ModelDoc[],
  configs: ReadonlyMap<string, ModelConfig>,
  broken: ReadonlySet<string>,
  fail: Fail,
): void {
  const seen = new Set<string>();
  for (const doc of docs) {
    if (broken.has(doc.name)) continue;
    if (!configs.has(doc.name))
      fail(
        `schema file describes unknown model '${doc.name}'${didYouMean(doc.name, [...configs.keys()])}`,
        doc.location,
      );
    if (seen.has(doc.name)) fail(`model '${doc.name}' is described twice`, doc.location);
    seen.add(doc.name);
  }
}

/**
 * A unit test's inputs must be its model's refs, declared sources or (incremental models only)
 * `this`; the seeds it reads must exist.
 */
function checkUnitTest(
  unit: UnitTestSpec,
  config: ModelConfig,
  modelRefs: readonly string[],
  project: Project,
  seeds: ReadonlySet<string>,
  fail: Fail,
): void {
  for (const given of unit.given) {
    const input = given.input;
    if (input.kind === 'ref' && !modelRefs.includes(input.name))
      fail(
        `unit test '${unit.name}': model '${unit.model}' does not ref '${input.name}'${didYouMean(input.name, modelRefs)}`,
        given.location,
      );
    if (input.kind === 'source' && project.config.sources[input.group]?.[input.name] === undefined)
      fail(
        `unit test '${unit.name}': unknown source '${input.group}.${input.name}'`,
        given.location,
      );
    if (input.kind === 'this' && config.materialized !== 'incremental')
      fail(
        `unit test '${unit.name}': 'this' is an input only of incremental models`,
        given.location,
      );
    if ('seed' in given.data && !seeds.has(given.data.seed))
      fail(
        `unit test '${unit.name}': unknown seed '${given.data.seed}'${didYouMean(given.data.seed, seeds)}`,
        given.location,
      );
  }
  if (unit.isIncremental && config.materialized !== 'incremental')
    fail(
      `unit test '${unit.name}': is_incremental applies only to incremental models`,
      unit.location,
    );
}
