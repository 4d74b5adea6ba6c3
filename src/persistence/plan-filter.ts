/**
 * What every adapter does with a {@link PlanFilter} before running it: the argument checks (one
 * function, so that all stores refuse the same filters with the same messages), and for the SQL
 * stores the parent columns kept next to a plan's JSON record.
 */
import { ErrorCode, FlowlineError, storableText } from '../errors.js';
import { PlanResult, PlanState } from '../plan/states.js';
import type { PlanRecord } from '../plan/records.js';
import type { PlanFilter } from './adapter.js';
import { describeValue } from '../shared/describe-value.js';

/**
 * Checks a plan filter before any store runs it: an object (or nothing) whose `state` and `result`
 * are known plan states and results (one or a list), `label` a string, `idempotencyKey` a
 * non-empty string, `limit` and `offset`
 * non-negative integers, and `parent` an object with a non-empty string `planId` and, when present,
 * a positive safe integer `stepId`. Strings must be text every store can compare (no U+0000, no
 * lone surrogate).
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
      `${where}: the filter must be an object, got ${describeValue(given)}`,
    );
  }
  for (const field of Object.keys(given)) {
    if (!FILTER_FIELDS.has(field)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${where} filter has no field ${JSON.stringify(field)} (its fields: ` +
          `${[...FILTER_FIELDS].join(', ')})`,
      );
    }
  }
  checkOneOrList(filter.state, PLAN_STATES, 'state', fail);
  checkOneOrList(filter.result, PLAN_RESULTS, 'result', fail);
  if (filter.label !== undefined && !isText(filter.label)) {
    fail('label', 'a string without U+0000 or lone surrogates', filter.label);
  }
  const key: unknown = filter.idempotencyKey;
  if (key !== undefined && (!isText(key) || key === '')) {
    fail('idempotencyKey', 'a non-empty string without U+0000 or lone surrogates', key);
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
  if (!isText(planId) || planId === '') {
    fail('parent.planId', 'a non-empty string', planId);
  }
  if (stepId !== undefined && !(Number.isSafeInteger(stepId) && (stepId as number) > 0)) {
    fail('parent.stepId', 'a positive integer', stepId);
  }
}

/** The fields a {@link PlanFilter} may have. @internal */
export const PLAN_FILTER_FIELDS: readonly (keyof PlanFilter)[] = [
  'state',
  'result',
  'label',
  'parent',
  'idempotencyKey',
  'limit',
  'offset',
];
const FILTER_FIELDS: ReadonlySet<string> = new Set(PLAN_FILTER_FIELDS);

const PLAN_STATES: ReadonlySet<unknown> = new Set(Object.values(PlanState));
const PLAN_RESULTS: ReadonlySet<unknown> = new Set(Object.values(PlanResult));

/** Whether a value is a string every store can compare (no U+0000, no lone surrogate). */
function isText(value: unknown): value is string {
  return typeof value === 'string' && storableText(value) === value;
}

/** `state` or `result`: omitted, one known value, or a list of them. */
function checkOneOrList(
  value: unknown,
  known: ReadonlySet<unknown>,
  field: string,
  fail: (field: string, expected: string, value: unknown) => never,
): void {
  if (value === undefined) return;
  const values: readonly unknown[] = Array.isArray(value) ? value : [value];
  const expected = `one of ${[...known].join(', ')}, or a list of them`;
  values.forEach((item, index) => {
    if (!known.has(item)) fail(Array.isArray(value) ? `${field}[${index}]` : field, expected, item);
  });
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
