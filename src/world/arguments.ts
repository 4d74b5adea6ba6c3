import { ErrorCode, FlowlineError, serializeError, storableText } from '../errors.js';
import type { PlanFilter } from '../persistence/adapter.js';
import { PLAN_FILTER_FIELDS } from '../persistence/plan-filter.js';
import { describeValue } from '../shared/describe-value.js';

/**
 * The checks of the World API's plain arguments (plan ids, step ids, options), made before anything
 * is read or written: a wrong type is an `INVALID_ARGUMENT` naming the call and the argument, on
 * every store alike, instead of whatever the store would do with it.
 */

/**
 * A plan id: a non-empty string every store can look up (no U+0000, no lone surrogate).
 *
 * @param value - what the caller passed
 * @param where - the call, for the message (`world.resume`)
 * @throws FlowlineError `INVALID_ARGUMENT`
 * @internal
 */
export function checkPlanId(value: unknown, where: string): asserts value is string {
  if (typeof value !== 'string' || value === '' || storableText(value) !== value) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: the plan id must be a non-empty string without U+0000 or lone surrogates, got ` +
        describe(value),
    );
  }
}

/**
 * A step id: a positive safe integer.
 *
 * @param value - what the caller passed
 * @param where - the call, for the message (`world.skipStep`)
 * @throws FlowlineError `INVALID_ARGUMENT`
 * @internal
 */
export function checkStepId(value: unknown, where: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: the step id must be a positive integer, got ${describe(value)}`,
    );
  }
}

/**
 * An options argument: omitted (`undefined`) or a plain object, which is returned.
 *
 * @throws FlowlineError `INVALID_ARGUMENT`
 * @internal
 */
export function optionsObject(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || isArray(value)) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: the options must be an object, got ${describe(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * An options or filter object as a plain copy of the fields the World reads from it, each read
 * once: a getter or proxy trap that throws is an `INVALID_ARGUMENT` here rather than a raw error
 * wherever the field would be read. Anything that is not an object is returned as it is, for the
 * caller's own check to refuse.
 *
 * @throws FlowlineError `INVALID_ARGUMENT`
 * @internal
 */
export function readFields(value: unknown, where: string, fields: readonly string[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const field of fields) {
    let item: unknown;
    try {
      item = source[field];
    } catch (error) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${where}: reading ${field} threw ${serializeError(error).message}`,
      );
    }
    if (item !== undefined) copy[field] = item;
  }
  if (isArray(value)) return value;
  return copy;
}

/**
 * A list argument (or a single value) as a plain array copy, read once; what is not an array is
 * returned as it is.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` when the list cannot be read
 * @internal
 */
export function readList(value: unknown, where: string): unknown {
  if (typeof value !== 'object' || value === null || !isArray(value)) return value;
  try {
    return Array.from(value as readonly unknown[]);
  } catch (error) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: reading the list threw ${serializeError(error).message}`,
    );
  }
}

/**
 * An `executionPlans` filter as a plain copy (see {@link readFields}), its `parent` too. Fields a
 * filter does not have are copied as well, so that the store's `checkPlanFilter`, which checks the
 * values, refuses them.
 *
 * @internal
 */
export function planFilter(filter: unknown): PlanFilter {
  const unknown =
    typeof filter === 'object' && filter !== null
      ? ownKeys(filter).filter((key) => !(PLAN_FILTER_FIELDS as readonly string[]).includes(key))
      : [];
  const copy = readFields(filter, 'executionPlans filter', [...PLAN_FILTER_FIELDS, ...unknown]);
  if (typeof copy !== 'object' || copy === null || copy === filter) return copy as PlanFilter;
  const parent = (copy as { parent?: unknown }).parent;
  if (parent === undefined) return copy;
  const plainParent = readFields(parent, 'executionPlans filter parent', ['planId', 'stepId']);
  return { ...copy, parent: plainParent } as PlanFilter;
}

/** An object's own enumerable string keys; none when listing them throws (a revoked Proxy). */
function ownKeys(value: object): string[] {
  try {
    return Object.keys(value);
  } catch {
    return [];
  }
}

/** `Array.isArray`, `true` for a revoked Proxy (on which it throws). */
function isArray(value: object): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return true;
  }
}

function describe(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return 'an object';
  }
}
