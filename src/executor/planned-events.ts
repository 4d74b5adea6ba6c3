import type { JsonValue } from '../plan/records.js';
import type { Clock, TimerHandle } from '../shared/clock.js';

/** An event a run call planned with `planEvent`: sent to its step at `due` (ms on the clock). */
export interface PlannedEvent {
  readonly payload: JsonValue;
  readonly due: number;
}

/** What arming a step's planned events needs from its call. */
export interface PlannedEventTarget {
  readonly planId: string;
  readonly stepId: number;
  readonly clock: Clock;
  readonly sendEvent: (payload: JsonValue) => Promise<void>;
  /** Aborted when the world closes: the timers go with it. */
  readonly closing: AbortSignal;
  /** Aborted when the plan is halted (or cancelled by force): nothing will wait for the events. */
  readonly halted?: AbortSignal;
}

/**
 * The timers armed for suspended steps, by `planId:stepId`, each as the function that clears it. A
 * step that ends (success or error) clears what it still has armed, so a long timeout planned early
 * does not outlive its step.
 */
const armed = new Map<string, Set<() => void>>();

/**
 * Arms timers that send `events` to the step of `target`, each at its due time on the target's
 * clock (at once when it is already due). Called only once the call that planned them has
 * suspended: events planned by a call that ended otherwise are never sent.
 *
 * Timers live in this process only: a world that closes clears them, and a world recovering the plan
 * after a restart does not re-create them.
 *
 * @internal
 */
export function armPlannedEvents(
  target: PlannedEventTarget,
  events: readonly PlannedEvent[],
): void {
  const { clock, closing, halted } = target;
  if (closing.aborted || halted?.aborted === true) return;
  const key = keyOf(target.planId, target.stepId);
  let timers = armed.get(key);
  if (timers === undefined) {
    timers = new Set();
    armed.set(key, timers);
  }
  const set = timers;
  for (const event of events) {
    const forget = (): void => {
      set.delete(clear);
      if (set.size === 0 && armed.get(key) === set) armed.delete(key);
      closing.removeEventListener('abort', clear);
      halted?.removeEventListener('abort', clear);
    };
    const clear = (): void => {
      clock.clearTimeout(handle);
      forget();
    };
    const handle = keepAlive(
      clock.setTimeout(
        () => {
          forget();
          // The step may have moved on (ended, cancelled) or the world closed meanwhile: the event
          // is then refused, which is what Dynflow does with a planned event for a step that is no
          // longer suspended.
          target.sendEvent(event.payload).catch(() => undefined);
        },
        Math.max(0, event.due - clock.now()),
        { kind: 'event', planId: target.planId, stepId: target.stepId, payload: event.payload },
      ),
    );
    set.add(clear);
    closing.addEventListener('abort', clear, { once: true });
    halted?.addEventListener('abort', clear, { once: true });
  }
}

/**
 * Clears the timers still armed for a step that ended without suspending. Costs a size check when
 * no step of the process has planned events.
 *
 * @internal
 */
export function disarmPlannedEvents(planId: string, stepId: number): void {
  if (armed.size === 0) return;
  const timers = armed.get(keyOf(planId, stepId));
  if (timers === undefined) return;
  for (const clear of [...timers]) clear();
}

function keyOf(planId: string, stepId: number): string {
  return `${planId}:${String(stepId)}`;
}

/**
 * A planned event is work in progress, like a retry delay: a program awaiting its plan must not exit
 * while its step waits for one. Timers that can be ref'd (Node's) are; other clocks' are left alone.
 */
function keepAlive(timer: TimerHandle): TimerHandle {
  (timer as { ref?: () => unknown } | null | undefined)?.ref?.();
  return timer;
}
