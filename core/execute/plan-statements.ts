import { errorMessage } from '../errors.js';
import type { Column, Connection, RelationKind } from '../engine/adapter.js';
import type { Dialect } from '../engine/dialect.js';
import type { CompiledGraph, CompiledSeed } from '../compile/compiled-graph.js';
import type { Plan, Step } from '../plan/plan.js';
import type { DataVersions } from '../plan/data-versions.js';
import type { WarehouseState } from '../state/warehouse-state.js';
import { refreshName } from '../state/warehouse-state.js';
import { incrementalStatements } from '../materialize/incremental.js';
import { upsertStatements } from '../materialize/upsert.js';
import { tableStatements } from '../materialize/table.js';
import { viewStatements } from '../materialize/view.js';
import { discardStatements, swapStatements } from '../materialize/swap-refresh.js';
import { seedStatements } from '../materialize/seed.js';
import { columnChange } from '../materialize/stage.js';
import type { Statement } from '../materialize/statement.js';
import { dataTestsOf } from '../materialize/test-statements.js';
import { writeTarget, type ModelWrite, type StepMeta } from '../materialize/write-context.js';
import { qualified, subquery } from '../util/sql.js';
import { StepInputs } from './step-inputs.js';

/** A step's statements as it would run them, or why they cannot be known before it runs. */
export type PlannedStatements =
  | { readonly statements: readonly Statement[]; readonly unknown?: undefined }
  | { readonly statements?: undefined; readonly unknown: string };

/** What {@link planStatements} reads. */
export interface PlanStatementsOptions {
  readonly compiled: CompiledGraph;
  readonly state: WarehouseState;
  readonly versions: DataVersions;
  readonly seedHashes: ReadonlyMap<string, string>;
  /** The warehouse, read only; undefined when it does not exist yet. */
  readonly conn: Connection | undefined;
  readonly dialect: Dialect;
  readonly runId: string;
  readonly now: number;
  readonly runTests: boolean;
}

/**
 * The statements each step of a plan would run, made by the same functions the executor uses,
 * from what the warehouse says now (read only: the query's columns, what exists). A step
 * whose query cannot be described yet (it reads a model this plan creates) says so instead.
 * Statements of a step after an upstream step of the same plan are those it would run on the
 * warehouse as it is now.
 */
export async function* planStatements(
  plan: Plan,
  options: PlanStatementsOptions,
): AsyncGenerator<[Step, PlannedStatements]> {
  const inputs = new StepInputs(
    options.compiled,
    options.state,
    options.versions,
    () => options.now,
  );
  const facts = new Facts(options.conn);
  const meta: StepMeta = {
    runId: options.runId,
    now: options.now,
    tests: options.runTests ? dataTestsOf(options.compiled) : undefined,
  };
  for (const step of plan.steps) {
    try {
      yield [step, { statements: await statementsOf(step, inputs, facts, options, meta) }];
    } catch (error) {
      yield [step, { unknown: (errorMessage(error).split('\n')[0] ?? '').trim() }];
    }
  }
}

async function statementsOf(
  step: Step,
  inputs: StepInputs,
  facts: Facts,
  options: PlanStatementsOptions,
  meta: StepMeta,
): Promise<readonly Statement[]> {
  const { dialect } = options;
  if (step.kind === 'seed') {
    const seed = options.compiled.nodes.get(step.model) as CompiledSeed;
    const load = { seed, fileHash: options.seedHashes.get(seed.name) ?? '' };
    const existing = new Map([[seed.name, await facts.kind(seed.schema, seed.name)]]);
    return seedStatements(dialect, load, existing, meta);
  }
  const write = inputs.of(step, true);
  if (write === undefined) throw new Error(`no write for ${step.id}`);
  const { model } = write;
  switch (step.kind) {
    case 'view':
      return viewStatements(write, dialect, await facts.kind(model.schema, model.name), meta);
    case 'table':
      return tableStatements(
        write,
        dialect,
        { columns: await facts.query(write), existing: await facts.kind(model.schema, model.name) },
        meta,
      );
    case 'incremental': {
      const target = writeTarget(step, model);
      const existing =
        step.isIncremental && step.refresh !== 'start'
          ? 'table'
          : await facts.kind(target.schema, target.name);
      return incrementalStatements(
        write,
        dialect,
        { columns: await facts.query(write), existing },
        meta,
      );
    }
    case 'upsert':
      return upsertStatements(write, dialect, await upsertFacts(write, facts), meta);
    case 'swap': {
      const aside = qualified(model.schema, refreshName(model.name));
      const columns = (await facts.kind(model.schema, refreshName(model.name)))
        ? await facts.relation(aside)
        : await facts.relation(model.relation);
      return swapStatements(
        write,
        dialect,
        { columns, existing: await facts.kind(model.schema, model.name) },
        meta,
      );
    }
    case 'discard':
      return discardStatements(write, dialect);
  }
}

async function upsertFacts(write: ModelWrite, facts: Facts) {
  const target = writeTarget(write.step, write.model);
  const columns = await facts.query(write);
  const existing = await facts.kind(target.schema, target.name);
  if (existing === undefined || write.step.refresh === 'start')
    return { columns, existing, tableColumns: columns, reshaped: false };
  const current = await facts.relation(target.relation);
  const added = columnChange(current, columns)?.added ?? [];
  return { columns, existing, tableColumns: [...current, ...added], reshaped: added.length > 0 };
}

/** What the warehouse says, asked once per relation and query. */
class Facts {
  private readonly kinds = new Map<string, RelationKind | undefined>();
  private readonly columns = new Map<string, readonly Column[]>();
  constructor(private readonly conn: Connection | undefined) {}

  async kind(schema: string, name: string): Promise<RelationKind | undefined> {
    const key = qualified(schema, name);
    if (!this.kinds.has(key)) this.kinds.set(key, await this.conn?.relationKind(schema, name));
    return this.kinds.get(key);
  }

  /** The columns of the step's query (the same for each window of a model and branch). */
  query(write: ModelWrite): Promise<readonly Column[]> {
    const { step } = write;
    return this.cached(`${step.model}|${step.isIncremental}|${step.refresh ?? ''}`, write.sql);
  }

  relation(relation: string): Promise<readonly Column[]> {
    return this.cached(relation, undefined);
  }

  private async cached(key: string, sql: string | undefined): Promise<readonly Column[]> {
    const known = this.columns.get(key);
    if (known !== undefined) return known;
    if (this.conn === undefined)
      throw new Error('the warehouse does not exist yet, so the query cannot be described');
    const columns = await this.conn.columns(sql === undefined ? key : subquery(sql));
    this.columns.set(key, columns);
    return columns;
  }
}
