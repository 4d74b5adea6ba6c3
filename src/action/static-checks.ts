import { ErrorCode, FlowlineError } from '../errors.js';
import { describeValue } from '../shared/describe-value.js';
import { isStandardSchema } from './standard-schema.js';
import { stepOptionsOf } from './step-options.js';
import type { ActionClass } from './types.js';

/** The statics checked here, as a class may hold them (any value: the class came from user code). */
interface CheckedStatics {
  readonly singleton?: unknown;
  readonly idempotent?: unknown;
  readonly input?: unknown;
  readonly output?: unknown;
}

/**
 * Checks the value statics of an action class when it is registered, so that a bad one fails
 * `register` (or `new World({ actions })`) instead of the first plan: `timeout` and `retry` (see
 * `stepOptionsOf`), `singleton` and `idempotent` (booleans), `input` and `output` (Standard
 * Schemas). `actionName`, `subscribe`, `middleware` and `executionPlanHooks` are checked by the
 * registry itself.
 *
 * @param cls - the class being registered
 * @param name - its registered name, for messages
 * @throws FlowlineError `INVALID_ACTION` naming the class and the static
 * @internal
 */
export function checkStatics(cls: ActionClass, name: string): void {
  stepOptionsOf(cls, name);
  const statics = cls as ActionClass & CheckedStatics;
  for (const key of ['singleton', 'idempotent'] as const) {
    const value = statics[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalid(name, `static ${key} must be true or false, got ${describeValue(value)}`);
    }
  }
  for (const key of ['input', 'output'] as const) {
    const value = statics[key];
    if (value !== undefined && !isStandardSchema(value)) {
      throw invalid(
        name,
        `static ${key} must be a Standard Schema (a zod, valibot or arktype schema: an object ` +
          `with a "~standard" property), got ${describeValue(value)}`,
      );
    }
  }
}

function invalid(name: string, reason: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_ACTION, `action ${name}: ${reason}`);
}
