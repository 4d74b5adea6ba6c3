/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * What a timer is for, as engine code tells its clock (a managed clock in tests lists it, and can
 * advance to the next timer of a step without the world's own timers getting in the way):
 *
 * - step timers: `retry` (the wait before a `static retry` attempt), `timeout` (a call's
 *   `static timeout`), `event` (an event planned with `planEvent` / `scheduleTimeout`);
 * - `delayed-plan`: a delayed plan's `startAt`;
 * - `engine`: the world's own timers (heartbeats, polling, storage retries, close); also what a
 *   timer without a label counts as.
 */
export type TimerKind = 'retry' | 'timeout' | 'event' | 'delayed-plan' | 'engine';

/** The label of a timer: its kind and, for a step timer, the step (and an event's payload). */
export interface TimerLabel {
  readonly kind: TimerKind;
  readonly planId?: string;
  readonly stepId?: number;
  /** For an `event` timer: the payload it sends. */
  readonly payload?: unknown;
}

/**
 * Every notion of time the engine uses. Engine code never reads the wall clock or calls
 * `setTimeout` itself, so tests can drive time with a managed clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fn` after `ms` milliseconds.
   *
   * @param label - what the timer is for; clocks may ignore it (the system clock does)
   */
  setTimeout(fn: () => void, ms: number, label?: TimerLabel): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  // Engine timers (heartbeats, retries) must not keep a process alive on their own.
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

let lastMs = Number.NaN;
let lastIso = '';

/** ISO text of a clock's current time (formatted once per millisecond). @internal */
export function isoNow(clock: Clock): string {
  const ms = clock.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
