/**
 * What every adapter does with a {@link PlanFilter} before running it: the argument checks (one
 * function, so that all stores refuse the same filters with the same messages), and for the SQL
 * stores the parent columns kept next to a plan's JSON record.
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlanRecord } from '../plan/records.js';
import { PlanResult, PlanState } from '../plan/states.js';
import type { PlanFilter } from './adapter.js';
import { describeValue } from '../shared/describe-value.js';

/** The fields a {@link PlanFilter} may have. */
const FILTER_FIELDS = new Set(['state', 'result', 'label', 'parent', 'limit', 'offset']);

/**
 * Checks a plan filter before a store runs it: an object with only the known fields; `state` and
 * `result` a value of their union or a list of them; `label` a string; `limit` and `offset`
 * non-negative integers; `parent` an object with a non-empty string `planId` and, when present, a
 * positive safe integer `stepId`.
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
  const given: unknown = filter;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where} filter must be an object, got ${describeValue(given)}`,
    );
  }
  for (const field of Object.keys(filter)) {
    if (!FILTER_FIELDS.has(field)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${where} filter has no field ${JSON.stringify(field)} (its fields: ` +
          `${[...FILTER_FIELDS].join(', ')})`,
      );
    }
  }
  checkUnion(filter.state, PlanState, 'state', fail);
  checkUnion(filter.result, PlanResult, 'result', fail);
  if (filter.label !== undefined && typeof filter.label !== 'string') {
    fail('label', 'a string', filter.label);
  }
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

/** `value` is absent, one of `union`'s values, or a list of them. */
function checkUnion(
  value: unknown,
  union: Readonly<Record<string, string>>,
  field: string,
  fail: (field: string, expected: string, value: unknown) => never,
): void {
  if (value === undefined) return;
  const allowed = Object.values(union);
  const expected = `one of ${allowed.join(', ')} or a list of them`;
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  values.forEach((one, index) => {
    if (typeof one !== 'string' || !allowed.includes(one)) {
      fail(Array.isArray(value) ? `${field}[${index}]` : field, expected, one);
    }
  });
}
