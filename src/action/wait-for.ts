import { ErrorCode, FlowlineError, storableText } from '../errors.js';
import { describeValue } from '../shared/describe-value.js';

/**
 * The longest message name `suspend({ waitFor })` and `world.send` accept, in UTF-16 code units:
 * enough for dotted names (`carrier.shipped`, `payments.refund.settled:order-42`), small enough for
 * every store's index.
 */
export const MAX_MESSAGE_NAME_LENGTH = 256;

/** The longest `timeoutMs` a named wait accepts: 100 years (its deadline must be a valid date). */
export const MAX_WAIT_TIMEOUT_MS = 100 * 365.25 * 24 * 3600 * 1000;

/**
 * What `this.suspend(options)` waits for: a message sent by name to the step's plan with
 * `world.send(planId, waitFor, payload)`.
 *
 * @example
 * ```ts
 * async run(event?: JsonValue) {
 *   if (event === undefined) this.suspend({ waitFor: 'carrier.shipped', timeoutMs: 86_400_000 });
 *   if (Action.isTimeout(event)) throw new Error('the carrier never confirmed the shipment');
 *   this.output.tracking = (event as { tracking: string }).tracking;
 * }
 * ```
 */
export interface SuspendOptions {
  /**
   * The message name: a non-empty string of at most {@link MAX_MESSAGE_NAME_LENGTH} code units,
   * without U+0000 or lone surrogates. A message kept for this name before the step waits is
   * delivered at once (the oldest first).
   */
  readonly waitFor: string;
  /**
   * When no message arrives within this many ms (on the world's clock), `run` is called with a
   * timeout event instead (recognised with `Action.isTimeout`). A number of ms from 0 to
   * {@link MAX_WAIT_TIMEOUT_MS}; absent: wait for ever.
   */
  readonly timeoutMs?: number;
}

/**
 * Checks a message name given to `where`.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the call and the name
 * @internal
 */
export function checkMessageName(value: unknown, where: string): asserts value is string {
  const problem =
    typeof value !== 'string'
      ? 'must be a string'
      : value === ''
        ? 'must not be empty'
        : value.length > MAX_MESSAGE_NAME_LENGTH
          ? `must be at most ${MAX_MESSAGE_NAME_LENGTH} characters long (got ${value.length})`
          : storableText(value) !== value
            ? 'must not contain U+0000 or lone surrogates (no store can keep them)'
            : undefined;
  if (problem === undefined) return;
  const shown = typeof value === 'string' && value.length > 60 ? `${value.slice(0, 60)}…` : value;
  throw new FlowlineError(
    ErrorCode.INVALID_ARGUMENT,
    `${where}: the message name ${problem}, got ${describe(shown)}`,
  );
}

/** {@link describeValue}, for a value that may throw when looked at (a revoked Proxy). */
function describe(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return 'an object';
  }
}

/**
 * Checks the options given to `suspend({ waitFor, timeoutMs })`.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the field
 * @internal
 */
export function checkSuspendOptions(value: unknown, where: string): SuspendOptions {
  if (typeof value !== 'object' || value === null) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: suspend() takes a callback or { waitFor, timeoutMs? }, got ${describe(value)}`,
    );
  }
  const { waitFor, timeoutMs } = value as { waitFor?: unknown; timeoutMs?: unknown };
  checkMessageName(waitFor, `${where}: suspend({ waitFor })`);
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' ||
      !Number.isFinite(timeoutMs) ||
      timeoutMs < 0 ||
      timeoutMs > MAX_WAIT_TIMEOUT_MS)
  ) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: suspend({ timeoutMs }) must be a number of ms from 0 to ${MAX_WAIT_TIMEOUT_MS}, got ` +
        describe(timeoutMs),
    );
  }
  return timeoutMs === undefined ? { waitFor } : { waitFor, timeoutMs };
}
