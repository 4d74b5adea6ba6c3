import type { JsonObject } from '../plan/records.js';
import { ControlEvent, controlEvent, isControlEvent } from './control-events.js';

/**
 * The event `scheduleTimeout(ms)` plans for its step (Dynflow's `Timeouts::Timeout`): a control
 * event (see `control-events.ts`), marked by the reserved key `$flowline`.
 */
export interface TimeoutEvent {
  readonly $flowline: 'timeout';
  /** The delay given to `scheduleTimeout`, in ms. */
  readonly afterMs: number;
}

/** The payload `scheduleTimeout(ms)` plans. @internal */
export function timeoutEvent(afterMs: number): JsonObject {
  return controlEvent(ControlEvent.timeout, { afterMs });
}

/** Whether an event is the one `scheduleTimeout` planned. @internal */
export function isTimeoutEvent(event: unknown): event is TimeoutEvent {
  return isControlEvent(event, ControlEvent.timeout);
}
