import type { JsonObject } from '../plan/records.js';
import { ControlEvent, controlEvent, isControlEvent } from './control-events.js';

/**
 * The event `scheduleTimeout(ms)` plans for its step (Dynflow's `Timeouts::Timeout`): a control
 * event (see `control-events.ts`), marked by the reserved key `$flowline`.
 */
export interface TimeoutEvent {
  readonly $flowline: 'timeout';
  /** The delay given to `scheduleTimeout` (or `suspend({ timeoutMs })`), in ms. */
  readonly afterMs: number;
  /** The message name of a `suspend({ waitFor, timeoutMs })` that timed out. */
  readonly waitFor?: string;
}

/**
 * The payload `scheduleTimeout(ms)` plans, or (with `waitFor`) the one a named wait ends with.
 *
 * @internal
 */
export function timeoutEvent(afterMs: number, waitFor?: string): JsonObject {
  return controlEvent(
    ControlEvent.timeout,
    waitFor === undefined ? { afterMs } : { afterMs, waitFor },
  );
}

/** Whether an event is the one `scheduleTimeout` planned. @internal */
export function isTimeoutEvent(event: unknown): event is TimeoutEvent {
  return isControlEvent(event, ControlEvent.timeout);
}
