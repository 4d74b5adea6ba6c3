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
import type { PlanInsert, PlanInsertResult, WriteBatch } from '../adapter.js';
import { parentColumns } from '../plan-filter.js';
import { idempotencyKeyColumn } from '../plan-insert.js';
import type { Db } from './sql.js';
import { Params, jsonParam, lastByKey } from './sql.js';
import { driverCode } from './storage-error.js';

const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';

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
  guard = '',
): string {
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type, values]) => `${params.add(values)}::${type}[]`).join(', ');
  return (
    `INSERT INTO ${table} (${names}) SELECT ${names} ` +
    `FROM unnest(${arrays}) WITH ORDINALITY AS r(${names}, ord) ${guard}ORDER BY ord`
  );
}

/**
 * Applies every write of `batch` atomically.
 *
 * @throws FlowlineError `STORAGE_ERROR` naming the plan when an action or step belongs to a plan
 *   that is neither in the batch nor stored, or when a plan would take an idempotency key another
 *   plan holds (nothing is written then)
 */
export async function writeBatch(db: Db, batch: WriteBatch): Promise<void> {
  await runBatch(db, batch, false);
}

/**
 * `insertPlan`: the batch's one plan is inserted with `ON CONFLICT DO NOTHING`, which covers both
 * the primary key and the idempotency key's unique index, and every other part of the statement
 * only writes when that insert did (`WHERE EXISTS (SELECT 1 FROM plans)`). A concurrent insert of
 * the same id or key makes PostgreSQL wait for the other transaction and then do nothing, so
 * exactly one caller inserts. When nothing was inserted, a second statement (a new snapshot, which
 * sees the winner's commit) finds the plan holding the id or the key.
 */
export async function insertPlan(db: Db, insert: PlanInsert): Promise<PlanInsertResult> {
  const [plan] = insert.plans;
  // A holder that disappears between the two statements (a rolled-back racer seen as committed
  // cannot happen; a plan deleted by hand can) makes the insert worth trying again.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await runBatch(db, insert, true)) return { inserted: true };
    const holder = await db.query<{ id: string; by_id: boolean }>(
      'insertPlan',
      `SELECT id, id = $1 AS by_id FROM ${db.tables.plans}
        WHERE id = $1 OR ($2::text IS NOT NULL AND idempotency_key = $2::text)
        ORDER BY by_id DESC LIMIT 1`,
      [plan.id, idempotencyKeyColumn(plan)],
    );
    const row = holder.rows[0];
    if (row !== undefined) {
      return {
        inserted: false,
        existingId: row.id,
        conflict: row.by_id ? 'id' : 'idempotencyKey',
      };
    }
  }
  throw new FlowlineError(
    ErrorCode.STORAGE_ERROR,
    `postgres adapter: insertPlan of plan ${plan.id} conflicted three times with a plan that was ` +
      'gone when looked up',
    { planId: plan.id, retryable: true },
  );
}

function updateAll(columns: readonly string[]): string {
  return columns.map((name) => `${name} = EXCLUDED.${name}`).join(', ');
}

/**
 * The one statement of a batch: upserts (`write`), or with `insert` the plan inserted only when
 * its id and key are free and the rest only with it (see {@link insertPlan}).
 *
 * @returns whether the plans were written (always `true` for an upsert)
 */
async function runBatch(db: Db, batch: WriteBatch, insert: boolean): Promise<boolean> {
  const t = db.tables;
  const params = new Params();
  const parts: Part[] = [];
  const guard = insert ? 'WHERE EXISTS (SELECT 1 FROM plans) ' : '';

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
      ['idempotency_key', 'text', plans.map(idempotencyKeyColumn)],
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
      'idempotency_key',
    ];
    // `seq` is left alone, so a plan written again keeps its place in the newest-first order.
    parts.push(
      insert
        ? `plans AS (${sql} ON CONFLICT DO NOTHING RETURNING id)`
        : `plans AS (${sql} ON CONFLICT (id) DO UPDATE SET ${updateAll([...columns, 'data'])})`,
    );
  }

  const actions = lastByKey(batch.actions, (a) => `${a.planId}\u0000${a.record.id}`);
  if (actions.length > 0) {
    const sql = insertRows(
      params,
      t.actions,
      [
        ['plan_id', 'text', actions.map((a) => a.planId)],
        ['id', 'integer', actions.map((a) => a.record.id)],
        ['data', 'jsonb', actions.map((a) => jsonParam(a.record))],
      ],
      guard,
    );
    parts.push(`actions AS (${sql} ON CONFLICT (plan_id, id) DO UPDATE SET data = EXCLUDED.data)`);
  }

  const steps = lastByKey(batch.steps, (s) => `${s.planId}\u0000${s.record.id}`);
  if (steps.length > 0) {
    const sql = insertRows(
      params,
      t.steps,
      [
        ['plan_id', 'text', steps.map((s) => s.planId)],
        ['id', 'integer', steps.map((s) => s.record.id)],
        ['action_id', 'integer', steps.map((s) => s.record.actionId)],
        ['state', 'text', steps.map((s) => s.record.state)],
        ['data', 'jsonb', steps.map((s) => jsonParam(s.record))],
      ],
      guard,
    );
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
    const sql = insertRows(
      params,
      t.delayedPlans,
      [
        ['plan_id', 'text', delayed.map((d) => d.planId)],
        ['start_at', 'text', delayed.map((d) => d.startAt)],
        ['start_before', 'text', delayed.map((d) => d.startBefore ?? null)],
        ['frozen', 'boolean', delayed.map((d) => d.frozen)],
        ['data', 'jsonb', delayed.map(jsonParam)],
      ],
      guard,
    );
    const set = updateAll(['start_at', 'start_before', 'frozen', 'data']);
    parts.push(`delayed AS (${sql} ON CONFLICT (plan_id) DO UPDATE SET ${set})`);
  }
  if (deleted.size > 0) {
    parts.push(
      `undelayed AS (DELETE FROM ${t.delayedPlans} WHERE plan_id = ANY(${params.add([...deleted])}::text[])` +
        `${insert ? ' AND EXISTS (SELECT 1 FROM plans)' : ''})`,
    );
  }

  const dependencies = lastByKey(batch.dependencies, (d) => `${d.planId}\u0000${d.dependsOn}`);
  if (dependencies.length > 0) {
    const sql = insertRows(
      params,
      t.dependencies,
      [
        ['plan_id', 'text', dependencies.map((d) => d.planId)],
        ['depends_on', 'text', dependencies.map((d) => d.dependsOn)],
      ],
      guard,
    );
    parts.push(`dependencies AS (${sql} ON CONFLICT (plan_id, depends_on) DO NOTHING)`);
  }

  if (parts.length === 0) return true;
  try {
    const operation = insert ? 'insertPlan' : 'write';
    const last = insert ? 'SELECT count(*)::int AS written FROM plans' : 'SELECT 1 AS written';
    const result = await db.query<{ written: number }>(
      operation,
      `WITH ${parts.join(',\n')} ${last}`,
      params.values,
    );
    return (result.rows[0]?.written ?? 0) > 0;
  } catch (error) {
    if (driverCode(error) === UNIQUE_VIOLATION) throw keyTakenError(error);
    if (driverCode(error) !== FOREIGN_KEY_VIOLATION) throw error;
    // Keep the driver's error as the cause, not the generic wrapper around it.
    throw await unknownPlanError(
      db,
      batch,
      error instanceof Error ? (error.cause ?? error) : error,
    );
  }
}

/**
 * Whether `error` is the refusal of one batch for what it holds (a record naming a plan that is
 * not stored, an idempotency key another plan holds): the other batches of a group may be fine.
 */
export function isMissingPlanError(error: unknown): boolean {
  const code = driverCode(error);
  return (
    error instanceof FlowlineError &&
    error.code === ErrorCode.STORAGE_ERROR &&
    (code === FOREIGN_KEY_VIOLATION || code === UNIQUE_VIOLATION)
  );
}

/** The error for a write refused by the idempotency key's unique index. */
function keyTakenError(error: unknown): FlowlineError {
  return new FlowlineError(
    ErrorCode.STORAGE_ERROR,
    'postgres adapter: write refused: a plan would take an idempotency key another plan holds; ' +
      'nothing of the batch was written',
    { cause: error instanceof Error ? (error.cause ?? error) : error },
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
