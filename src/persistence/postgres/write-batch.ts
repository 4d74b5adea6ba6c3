/**
 * `write(batch)`: the whole batch is ONE statement — a data-modifying CTE per table, each a
 * multi-row `INSERT … SELECT FROM unnest(…)` upsert — so it is atomic without an explicit
 * transaction and costs one round trip whatever its size.
 *
 * Actions and steps reference their plan by foreign key, which is checked at the end of the
 * statement and so sees plans inserted by the same batch. When it fails, a second query finds which
 * plan was missing, for the error message; the successful path pays nothing for that check.
 */
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { WriteBatch } from '../adapter.js';
import { parentColumns } from '../plan-filter.js';
import type { Db } from './sql.js';
import { Params, jsonParam, lastByKey } from './sql.js';
import { driverCode } from './storage-error.js';

const FOREIGN_KEY_VIOLATION = '23503';

/** One `name AS (statement)` part of the WITH clause. */
type Part = string;

/**
 * `INSERT INTO table (columns) SELECT columns FROM unnest(arrays…) ORDER BY ordinality`: the sort
 * makes `seq` defaults follow the batch order.
 */
function insertRows(
  params: Params,
  table: string,
  columns: readonly (readonly [name: string, type: string, values: readonly unknown[]])[],
): string {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type, values]) => `${params.add(values)}::${type}[]`).join(', ');
  return (
    `INSERT INTO ${table} (${names}) SELECT ${names} ` +
    `FROM unnest(${arrays}) WITH ORDINALITY AS r(${names}, ord) ORDER BY ord`
  );
}

function updateAll(columns: readonly string[]): string {
  return columns.map((name) => `${name} = EXCLUDED.${name}`).join(', ');
}

/**
 * Applies every write of `batch` atomically.
 *
 * @throws FlowlineError `STORAGE_ERROR` naming the plan when an action or step belongs to a plan
 *   that is neither in the batch nor stored (nothing is written then)
 */
export async function writeBatch(db: Db, batch: WriteBatch): Promise<void> {
  const t = db.tables;
  const params = new Params();
  const parts: Part[] = [];

  const plans = lastByKey(batch.plans, (plan) => plan.id);
  if (plans.length > 0) {
    const parents = plans.map(parentColumns);
    const sql = insertRows(params, t.plans, [
      ['id', 'text', plans.map((p) => p.id)],
      ['label', 'text', plans.map((p) => p.label)],
      ['state', 'text', plans.map((p) => p.state)],
      ['result', 'text', plans.map((p) => p.result)],
      ['started_at', 'text', plans.map((p) => p.startedAt ?? null)],
      ['ended_at', 'text', plans.map((p) => p.endedAt ?? null)],
      ['schema_version', 'integer', plans.map((p) => p.schemaVersion)],
      ['parent_plan_id', 'text', parents.map((p) => p.parentPlanId)],
      ['parent_step_id', 'bigint', parents.map((p) => p.parentStepId)],
      ['data', 'jsonb', plans.map(jsonParam)],
    ]);
    const columns = [
      'label',
      'state',
      'result',
      'started_at',
      'ended_at',
      'schema_version',
      'parent_plan_id',
      'parent_step_id',
    ];
    // `seq` is left alone, so a plan written again keeps its place in the newest-first order.
    parts.push(
      `plans AS (${sql} ON CONFLICT (id) DO UPDATE SET ${updateAll([...columns, 'data'])})`,
    );
  }

  const actions = lastByKey(batch.actions, (a) => `${a.planId}\u0000${a.record.id}`);
  if (actions.length > 0) {
    const sql = insertRows(params, t.actions, [
      ['plan_id', 'text', actions.map((a) => a.planId)],
      ['id', 'integer', actions.map((a) => a.record.id)],
      ['data', 'jsonb', actions.map((a) => jsonParam(a.record))],
    ]);
    parts.push(`actions AS (${sql} ON CONFLICT (plan_id, id) DO UPDATE SET data = EXCLUDED.data)`);
  }

  const steps = lastByKey(batch.steps, (s) => `${s.planId}\u0000${s.record.id}`);
  if (steps.length > 0) {
    const sql = insertRows(params, t.steps, [
      ['plan_id', 'text', steps.map((s) => s.planId)],
      ['id', 'integer', steps.map((s) => s.record.id)],
      ['action_id', 'integer', steps.map((s) => s.record.actionId)],
      ['state', 'text', steps.map((s) => s.record.state)],
      ['data', 'jsonb', steps.map((s) => jsonParam(s.record))],
    ]);
    const set = updateAll(['action_id', 'state', 'data']);
    parts.push(`steps AS (${sql} ON CONFLICT (plan_id, id) DO UPDATE SET ${set})`);
  }

  // A plan both upserted and deleted in one batch ends up deleted, as if applied in that order;
  // CTEs share one snapshot, so the conflict is resolved here rather than left to the database.
  const deleted = new Set(batch.deleteDelayedPlans ?? []);
  const delayed = lastByKey(batch.delayedPlans, (d) => d.planId).filter(
    (d) => !deleted.has(d.planId),
  );
  if (delayed.length > 0) {
    const sql = insertRows(params, t.delayedPlans, [
      ['plan_id', 'text', delayed.map((d) => d.planId)],
      ['start_at', 'text', delayed.map((d) => d.startAt)],
      ['start_before', 'text', delayed.map((d) => d.startBefore ?? null)],
      ['frozen', 'boolean', delayed.map((d) => d.frozen)],
      ['data', 'jsonb', delayed.map(jsonParam)],
    ]);
    const set = updateAll(['start_at', 'start_before', 'frozen', 'data']);
    parts.push(`delayed AS (${sql} ON CONFLICT (plan_id) DO UPDATE SET ${set})`);
  }
  if (deleted.size > 0) {
    parts.push(
      `undelayed AS (DELETE FROM ${t.delayedPlans} WHERE plan_id = ANY(${params.add([...deleted])}::text[]))`,
    );
  }

  const dependencies = lastByKey(batch.dependencies, (d) => `${d.planId}\u0000${d.dependsOn}`);
  if (dependencies.length > 0) {
    const sql = insertRows(params, t.dependencies, [
      ['plan_id', 'text', dependencies.map((d) => d.planId)],
      ['depends_on', 'text', dependencies.map((d) => d.dependsOn)],
    ]);
    parts.push(`dependencies AS (${sql} ON CONFLICT (plan_id, depends_on) DO NOTHING)`);
  }

  if (parts.length === 0) return;
  try {
    await db.query('write', `WITH ${parts.join(',\n')} SELECT 1`, params.values);
  } catch (error) {
    if (driverCode(error) !== FOREIGN_KEY_VIOLATION) throw error;
    // Keep the driver's error as the cause, not the generic wrapper around it.
    throw await unknownPlanError(
      db,
      batch,
      error instanceof Error ? (error.cause ?? error) : error,
    );
  }
}

/** Whether `error` is the refusal of a batch naming a plan that is not stored. */
export function isMissingPlanError(error: unknown): boolean {
  return (
    error instanceof FlowlineError &&
    error.code === ErrorCode.STORAGE_ERROR &&
    driverCode(error) === FOREIGN_KEY_VIOLATION
  );
}

/** The error for a batch refused by a plan foreign key: names the first plan that is missing. */
async function unknownPlanError(db: Db, batch: WriteBatch, cause: unknown): Promise<FlowlineError> {
  const inBatch = new Set((batch.plans ?? []).map((plan) => plan.id));
  const named = [...(batch.actions ?? []), ...(batch.steps ?? [])]
    .map((child) => child.planId)
    .filter((planId) => !inBatch.has(planId));
  const result = await db.query<{ id: string }>(
    'write',
    `SELECT u.id FROM unnest($1::text[]) WITH ORDINALITY AS u(id, ord)
     WHERE NOT EXISTS (SELECT 1 FROM ${db.tables.plans} p WHERE p.id = u.id)
     ORDER BY u.ord LIMIT 1`,
    [named],
  );
  const planId = result.rows[0]?.id;
  return new FlowlineError(
    ErrorCode.STORAGE_ERROR,
    planId === undefined
      ? 'postgres adapter: write refused: a record names a plan that is not stored'
      : `postgres adapter: write refused: a record names plan ${planId}, which was never written`,
    { ...(planId === undefined ? {} : { planId }), cause },
  );
}
