/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Every notion of time the engine uses. Engine code never reads the wall clock or calls
 * `setTimeout` itself, so tests can drive time with a managed clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
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
