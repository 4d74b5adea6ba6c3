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
