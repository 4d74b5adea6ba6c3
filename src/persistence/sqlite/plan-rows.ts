import type Database from 'better-sqlite3';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { PlanFilter, WriteBatch } from '../adapter.js';
import { parentColumns } from '../plan-filter.js';
import { idempotencyKeyColumn } from '../plan-insert.js';
import type { Statements } from './statements.js';

/**
 * Applies one batch with the prepared statements; the caller runs it inside a transaction. Each
 * record is serialized once, and nothing is read back: a child record naming a plan that is not
 * stored is caught by the foreign key on `plan_id` (see {@link missingPlanError}).
 *
 * @param s - the prepared statements
 * @param batch - the writes to apply
 */
export function applyBatch(s: Statements, batch: WriteBatch): void {
  for (const plan of batch.plans ?? []) {
    s.upsertPlan.run({
      id: plan.id,
      label: plan.label,
      state: plan.state,
      result: plan.result,
      startedAt: plan.startedAt ?? null,
      endedAt: plan.endedAt ?? null,
      schemaVersion: plan.schemaVersion,
      ...parentColumns(plan),
      idempotencyKey: idempotencyKeyColumn(plan),
      data: JSON.stringify(plan),
    });
  }
  for (const { planId, record } of batch.actions ?? []) {
    s.upsertAction.run(planId, record.id, JSON.stringify(record));
  }
  for (const { planId, record } of batch.steps ?? []) {
    s.upsertStep.run(planId, record.id, record.state, JSON.stringify(record));
  }
  for (const record of batch.delayedPlans ?? []) {
    s.upsertDelayed.run(
      record.planId,
      record.startAt,
      record.frozen ? 1 : 0,
      JSON.stringify(record),
    );
  }
  for (const planId of batch.deleteDelayedPlans ?? []) s.deleteDelayed.run(planId);
  for (const { planId, dependsOn } of batch.dependencies ?? []) {
    s.insertDependency.run(planId, dependsOn);
  }
}

/**
 * The error for a batch that was rolled back because one of its actions or steps names a plan that
 * is neither in the batch nor stored. Only runs on that failure path: it looks up which plan.
 *
 * @param s - the prepared statements
 * @param batch - the rolled-back batch
 * @param filename - the database file, for the message
 * @param cause - the foreign-key error SQLite raised
 */
export function missingPlanError(
  s: Statements,
  batch: WriteBatch,
  filename: string,
  cause: unknown,
): FlowlineError {
  const inBatch = new Set((batch.plans ?? []).map((plan) => plan.id));
  const children = [...(batch.actions ?? []), ...(batch.steps ?? [])];
  const missing = children.find(
    ({ planId }) => !inBatch.has(planId) && s.planExists.get(planId) === undefined,
  );
  const what =
    missing === undefined ? 'a record names a plan' : `a record names plan ${missing.planId}`;
  return new FlowlineError(
    ErrorCode.STORAGE_ERROR,
    `SqliteAdapter write on ${filename} failed: ${what}, which was never written; nothing of the batch was written`,
    missing === undefined ? { cause } : { cause, planId: missing.planId },
  );
}

/**
 * A stored plan row, as listed by {@link PlanQueries.find}: the JSON record and the columns kept
 * next to it (used for a record that cannot be read).
 */
export interface PlanRow {
  readonly id: string;
  readonly label: unknown;
  readonly state: unknown;
  readonly result: unknown;
  readonly data: string;
}

type Params = Record<string, string | number>;

/**
 * The `findPlans` queries. Each combination of filters gets its own statement, prepared the first
 * time it is used and kept, so the planner can use the index of the filtered column. A filter
 * given as a list of several values is bound as one JSON array
 * (`IN (SELECT value FROM json_each(…))`), so the number of values never changes the statement.
 */
export class PlanQueries {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Database.Statement<[Params], PlanRow>>();

  /** @param db - an open, migrated connection */
  constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * Plan rows matching `filter`, newest first (by insertion order), with limit and offset applied
   * by SQLite. The filter must have passed `checkPlanFilter`.
   */
  find(filter: PlanFilter): PlanRow[] {
    const where: string[] = [];
    const params: Params = {
      limit: filter.limit ?? -1,
      offset: filter.offset ?? 0,
    };
    // The parent columns (migration 2, partial index on them), never the JSON record. A plan has
    // few sub-plans while a state or a label may have millions of plans, but without statistics
    // SQLite would rather walk a `(column, seq)` index for the order: the other columns are then
    // written `+column`, which keeps their indexes out of the plan.
    const parent = filter.parent;
    if (parent !== undefined) {
      where.push('parent_plan_id = @parentPlanId');
      params.parentPlanId = parent.planId;
      if (parent.stepId !== undefined) {
        where.push('parent_step_id = @parentStepId');
        params.parentStepId = parent.stepId;
      }
    }
    // The key's unique index (migration 3) finds at most one row: the other columns are left to it.
    if (filter.idempotencyKey !== undefined) {
      where.push('idempotency_key = @idempotencyKey');
      params.idempotencyKey = filter.idempotencyKey;
    }
    const plus = parent === undefined && filter.idempotencyKey === undefined ? '' : '+';
    if (filter.state !== undefined) where.push(match('state', filter.state, params, plus));
    if (filter.result !== undefined) where.push(match('result', filter.result, params, plus));
    if (filter.label !== undefined) {
      where.push(`${plus}label = @label`);
      params.label = filter.label;
    }
    const key = where.join(' AND ');
    let statement = this.#cache.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare<[Params], PlanRow>(
        `SELECT id, label, state, result, data FROM flowline_plans ${key === '' ? '' : `WHERE ${key}`}
          ORDER BY seq DESC LIMIT @limit OFFSET @offset`,
      );
      this.#cache.set(key, statement);
    }
    return statement.all(params);
  }
}

/**
 * The condition on `column` and its parameter. One value is compared with `=`, so the planner
 * walks the `(column, seq)` index in order; a list becomes one JSON array parameter. `prefix` `+`
 * keeps the column's index out of the plan.
 */
function match(
  column: 'state' | 'result',
  value: string | readonly string[],
  params: Params,
  prefix: '' | '+',
): string {
  const values: readonly string[] = typeof value === 'string' ? [value] : value;
  const [only] = values;
  if (values.length === 1 && only !== undefined) {
    params[column] = only;
    return `${prefix}${column} = @${column}`;
  }
  params[column] = JSON.stringify(values);
  return `${prefix}${column} IN (SELECT value FROM json_each(@${column}))`;
}
