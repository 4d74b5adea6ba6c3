import type { JsonObject } from '../plan/records.js';

/**
 * The event `scheduleTimeout(ms)` plans for its step (Dynflow's `Timeouts::Timeout`). The reserved
 * key `$flowline` marks events the engine's helpers plan, so they cannot be mistaken for an
 * application's own payloads.
 */
export interface TimeoutEvent {
  readonly $flowline: 'timeout';
  /** The delay given to `scheduleTimeout`, in ms. */
  readonly afterMs: number;
}

/** The payload `scheduleTimeout(ms)` plans. @internal */
export function timeoutEvent(afterMs: number): JsonObject {
  return { $flowline: 'timeout', afterMs };
}

/** Whether an event is the one `scheduleTimeout` planned. @internal */
export function isTimeoutEvent(event: unknown): event is TimeoutEvent {
  return isMarked(event, 'timeout');
}

/** Whether `event` is an engine-planned event of the given kind (`{ $flowline: kind, … }`). @internal */
export function isMarked(event: unknown, kind: string): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    (event as { $flowline?: unknown }).$flowline === kind
  );
}
