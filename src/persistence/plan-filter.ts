/**
 * What every adapter does with a {@link PlanFilter} before running it: the argument checks (one
 * function, so that all stores refuse the same filters with the same messages), and for the SQL
 * stores the parent columns kept next to a plan's JSON record.
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlanRecord } from '../plan/records.js';
import type { PlanFilter } from './adapter.js';
import { describeValue } from '../shared/describe-value.js';

/**
 * Checks the fields of a plan filter that a store cannot take as they are: `limit` and `offset`
 * (non-negative integers) and `parent` (an object with a non-empty string `planId` and, when
 * present, a positive safe integer `stepId`). `state`, `result` and `label` are not checked.
 *
 * @param filter - the filter as the caller passed it
 * @param where - the operation, first word of the message (`findPlans`, `executionPlans`)
 * @throws FlowlineError `INVALID_ARGUMENT` naming the field (`parent.stepId`, …) and its value
 */
export function checkPlanFilter(filter: PlanFilter, where: string): void {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where} filter ${field} must be ${expected}, got ${describeValue(value)}`,
    );
  };
  for (const field of ['limit', 'offset'] as const) {
    const value: unknown = filter[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
      fail(field, 'a non-negative integer', value);
    }
  }
  const parent: unknown = filter.parent;
  if (parent === undefined) return;
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) {
    fail('parent', 'an object { planId, stepId? }', parent);
  }
  const { planId, stepId } = parent as { planId?: unknown; stepId?: unknown };
  if (typeof planId !== 'string' || planId === '') {
    fail('parent.planId', 'a non-empty string', planId);
  }
  if (stepId !== undefined && !(Number.isSafeInteger(stepId) && (stepId as number) > 0)) {
    fail('parent.stepId', 'a positive integer', stepId);
  }
}

/** The parent columns of a stored plan row (`null` when the plan is no sub-plan). */
export interface ParentColumns {
  /** `parent.planId`, when it is a string. */
  readonly parentPlanId: string | null;
  /** `parent.stepId`, when it is a safe integer. */
  readonly parentStepId: number | null;
}

/**
 * The values of the `parent_plan_id` and `parent_step_id` columns for a plan record. Records are
 * stored as they are, so a malformed `parent` is not an error here: the fields that are not of the
 * expected type are left `NULL` (no filter can name such a value anyway).
 *
 * @param plan - the record being written
 */
export function parentColumns(plan: PlanRecord): ParentColumns {
  const parent: unknown = plan.parent;
  if (typeof parent !== 'object' || parent === null) {
    return { parentPlanId: null, parentStepId: null };
  }
  const { planId, stepId } = parent as { planId?: unknown; stepId?: unknown };
  return {
    parentPlanId: typeof planId === 'string' ? planId : null,
    parentStepId:
      typeof planId === 'string' && Number.isSafeInteger(stepId) ? (stepId as number) : null,
  };
}
