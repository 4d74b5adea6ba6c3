/**
 * The errors packaged stage actions throw: a `FlowlineError` whose `details` carry the facts of the
 * failure (`url`, `status`, `exitCode`…) and `retryable`, which the stage runtime reads to decide
 * whether to try again.
 */
import type { ErrorCode } from '../../errors.js';
import { FlowlineError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';

/** The facts of a stage action's failure; `retryable` says whether another attempt may succeed. */
export interface StageFailureFacts {
  readonly retryable: boolean;
  readonly [fact: string]: JsonValue | undefined;
}

/**
 * A `FlowlineError` for a packaged stage action's failure.
 *
 * @param code - the stable error code
 * @param message - what failed, naming the stage
 * @param facts - structured facts kept in `details` (`undefined` ones left out), with `retryable`
 * @param cause - the underlying error, if any
 */
export function stageFailure(
  code: ErrorCode,
  message: string,
  facts: StageFailureFacts,
  cause?: unknown,
): FlowlineError {
  const details: JsonObject = {};
  for (const [key, value] of Object.entries(facts)) {
    if (value !== undefined) details[key] = value;
  }
  return new FlowlineError(code, message, {
    retryable: facts.retryable,
    // ErrorData names the facts the engine itself reads; stage actions add their own.
    details,
    ...(cause === undefined ? {} : { cause }),
  });
}
