import { ErrorCode, FlowlineError, storableText } from '../errors.js';
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
