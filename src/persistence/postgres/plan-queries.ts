/**
 * Reading plans and claiming steps: `loadPlan`, `findPlans`, `claimStep`.
 */
import type { PlanFilter, StepClaim } from '../adapter.js';
import { checkPlanFilter } from '../plan-filter.js';
import type { PlanRecord } from '../../plan/records.js';
import { readPlanRecord } from '../record-decoding.js';
import type { Db } from './sql.js';
import { Params } from './sql.js';

/** The key of a step in the set {@link claimSteps} returns. */
export function stepKey(planId: string, stepId: number): string {
  return `${planId}\u0000${stepId}`;
}

/**
 * Moves steps to `running` with one conditional UPDATE: the row locks make concurrent claims of a
 * step queue, and each re-checks `state` after the previous one committed, so exactly one of them
 * wins. The JSON record and the `state` column change together; `startedAt` is kept when set and
 * `endedAt` is cleared. The claims must name distinct steps.
 *
 * @returns the keys (`stepKey`) of the steps this statement claimed
 */
export async function claimSteps(db: Db, claims: readonly StepClaim[]): Promise<Set<string>> {
  const result = await db.query<{ plan_id: string; id: number }>(
    'claimStep',
    `UPDATE ${db.tables.steps} s
     SET state = 'running',
         data = (s.data - 'endedAt') || jsonb_build_object(
           'state', 'running',
           'startedAt', COALESCE(s.data -> 'startedAt', to_jsonb(c.at)))
     FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[]) AS c(plan_id, id, from_states, at)
     WHERE s.plan_id = c.plan_id AND s.id = c.id
       AND s.state = ANY(string_to_array(c.from_states, ','))
     RETURNING s.plan_id, s.id`,
    [
      claims.map((claim) => claim.planId),
      claims.map((claim) => claim.stepId),
      claims.map((claim) => claim.from.join(',')),
      claims.map((claim) => claim.at),
    ],
  );
  return new Set(result.rows.map((row) => stepKey(row.plan_id, row.id)));
}

/** The stored rows of one plan, as {@link loadPlanRows} reads them. */
export interface PlanRow {
  readonly plan: unknown;
  readonly actions: unknown;
  readonly steps: unknown;
}

/**
 * Plans with their actions and steps, by id, read by one statement so that each comes from one
 * snapshot (never a plan from after a write with steps from before it). Plans not stored are absent.
 * Checking (which can fail for one plan alone) is left to the caller: see `checkStoredPlan`.
 */
export async function loadPlanRows(
  db: Db,
  planIds: readonly string[],
): Promise<Map<string, PlanRow>> {
  const t = db.tables;
  const result = await db.query<PlanRow & { id: string }>(
    'loadPlan',
    `SELECT p.id, p.data AS plan,
       COALESCE((SELECT json_agg(a.data ORDER BY a.id) FROM ${t.actions} a WHERE a.plan_id = p.id),
                '[]'::json) AS actions,
       COALESCE((SELECT json_agg(s.data ORDER BY s.id) FROM ${t.steps} s WHERE s.plan_id = p.id),
                '[]'::json) AS steps
     FROM ${t.plans} p WHERE p.id = ANY($1::text[])`,
    [[...new Set(planIds)]],
  );
  return new Map(result.rows.map((row) => [row.id, row]));
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Plan records matching `filter`, newest first (by first insertion). */
export async function findPlans(db: Db, filter: PlanFilter = {}): Promise<PlanRecord[]> {
  checkPlanFilter(filter, 'findPlans');
  const params = new Params();
  const where: string[] = [];
  const states = asList(filter.state);
  if (states !== undefined) where.push(`state = ANY(${params.add(states)}::text[])`);
  const results = asList(filter.result);
  if (results !== undefined) where.push(`result = ANY(${params.add(results)}::text[])`);
  if (filter.label !== undefined) where.push(`label = ${params.add(filter.label)}`);
  // The parent columns (migration 2, partial index on them), never the JSON record.
  if (filter.parent !== undefined) {
    where.push(`parent_plan_id = ${params.add(filter.parent.planId)}`);
    if (filter.parent.stepId !== undefined) {
      where.push(`parent_step_id = ${params.add(filter.parent.stepId)}`);
    }
  }
  // The key column (migration 3, unique index): at most one row.
  if (filter.idempotencyKey !== undefined) {
    where.push(`idempotency_key = ${params.add(filter.idempotencyKey)}`);
  }
  let sql = `SELECT id, label, state, result, data FROM ${db.tables.plans}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += ' ORDER BY seq DESC';
  if (filter.limit !== undefined) sql += ` LIMIT ${params.add(filter.limit)}`;
  if (filter.offset !== undefined) sql += ` OFFSET ${params.add(filter.offset)}`;
  const result = await db.query<{
    id: string;
    label: string;
    state: string;
    result: string;
    data: unknown;
  }>('findPlans', sql, params.values);
  return result.rows.map((row) => readPlanRecord(db.source, row.id, row.data, row));
}
