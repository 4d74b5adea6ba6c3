import type { JsonValue } from '../plan/records.js';

/**
 * A handle on a suspended step, given to the callback of `suspend`. Keep it (or its two ids) to wake
 * the step later.
 */
export interface SuspendedAction {
  /** The plan of the suspended step. */
  readonly executionPlanId: string;
  /** The suspended step. */
  readonly stepId: number;
  /**
   * Sends an event to the step: `run(payload)` is called again with it. Resolves once accepted.
   *
   * @param payload - plain data (concepts guide: values); otherwise the promise rejects with
   *   `UNSERIALIZABLE_VALUE` and the step stays suspended
   */
  event(payload: JsonValue): Promise<void>;
}

/**
 * Thrown by `suspend()` to end the current `run` call; the executor catches it. Never catch it
 * yourself: a `run` that swallows it is still treated as suspended.
 *
 * @internal
 */
export class SuspendSignal {
  readonly reason = 'flowline: step suspended';
}

/**
 * Whether a value is what `suspend()` throws to end a `run` call: for a middleware, whether its
 * `next()` ended in a suspension (the step waits for an event) rather than a failure. Rethrow it.
 *
 * @example
 * ```ts
 * const timing: Middleware = {
 *   async run(next, event, { action }) {
 *     const start = performance.now();
 *     try {
 *       await next(event);
 *       metrics.observe(action.constructor.name, 'done', performance.now() - start);
 *     } catch (error) {
 *       metrics.observe(action.constructor.name, isSuspension(error) ? 'suspended' : 'failed', performance.now() - start);
 *       throw error;
 *     }
 *   },
 * };
 * ```
 *
 * @param value - what `next()` rejected with (anything: never throws)
 */
export function isSuspension(value: unknown): boolean {
  try {
    return value instanceof SuspendSignal;
  } catch {
    // A revoked Proxy throws on instanceof: it is not a suspension.
    return false;
  }
}
