import { randomUUID } from 'node:crypto';
import { timeoutEvent } from '../action/timeouts.js';
import type { EventEnvelope, MessageEnvelope, PersistenceAdapter } from '../persistence/adapter.js';
import type { StepRecord } from '../plan/records.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** Node's timers fire at once past 2^31 - 1 ms: a longer wait is armed in slices. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Past this many unreadable messages in one take, the step is left waiting for the next wake-up. */
const MAX_SKIPPED = 100;

/**
 * The named waits of suspended run steps (`suspend({ waitFor, timeoutMs })`), for one world.
 *
 * A step's wait is stored with it (`StepRecord.waitFor`: the name and the deadline), so nothing
 * here must survive the world: a world that takes the plan into execution wakes its suspended
 * steps, and the wake-up looks for a kept message, then for a passed deadline ({@link take}); the
 * deadline's timer is armed again ({@link arm}).
 *
 * Why a send and a suspension in the same turn neither lose nor double-deliver a message: every
 * message is first kept in the store (`enqueueMessage`), and the only way to deliver one is the
 * wake-up job of a step that waits for its name, which removes it with `takeMessage` (atomic in
 * every adapter) and of which there is at most one per step at a time (`PlanRuntime.waking`). A
 * send wakes the waiting steps after keeping its message; a step that suspends waiting for a name
 * is woken once its suspension is committed, and finds what was kept before.
 *
 * @internal
 */
export class NamedWaits {
  /** Deadline timers by `planId:stepId`, each as the function that clears it. */
  readonly #timers = new Map<string, () => void>();

  constructor(
    private readonly adapter: PersistenceAdapter,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly closing: AbortSignal,
  ) {}

  /**
   * Arms the deadline timer of a suspended step that waits by name with a timeout (replacing one
   * armed before): `wake` is called once the deadline passed. Does nothing for other steps.
   *
   * @param halted - aborted when the plan is halted: the timer goes with it
   */
  arm(planId: string, step: StepRecord, halted: AbortSignal, wake: () => void): void {
    const deadline = step.waitFor?.deadline;
    if (deadline === undefined || this.closing.aborted || halted.aborted) return;
    const key = `${planId}:${String(step.id)}`;
    this.#timers.get(key)?.();
    const due = Date.parse(deadline);
    const clock = this.clock;
    const forget = (): void => {
      if (this.#timers.get(key) === clear) this.#timers.delete(key);
      this.closing.removeEventListener('abort', clear);
      halted.removeEventListener('abort', clear);
    };
    const clear = (): void => {
      clock.clearTimeout(handle);
      forget();
    };
    const handle = keepAlive(
      clock.setTimeout(
        () => {
          forget();
          // A deadline further away than one timer can wait is reached in slices.
          if (clock.now() < due) this.arm(planId, step, halted, wake);
          else wake();
        },
        Math.min(MAX_TIMER_MS, Math.max(0, due - clock.now())),
      ),
    );
    this.#timers.set(key, clear);
    this.closing.addEventListener('abort', clear, { once: true });
    halted.addEventListener('abort', clear, { once: true });
  }

  /** Clears the deadline timer of a step (it is running again). */
  disarm(planId: string, stepId: number): void {
    if (this.#timers.size === 0) return;
    this.#timers.get(`${planId}:${String(stepId)}`)?.();
  }

  /**
   * What ends the named wait of a suspended step now: the oldest message kept for its name, else,
   * once its deadline passed, a timeout event (`{ $flowline: 'timeout', afterMs, waitFor }`), else
   * `undefined` (it waits on). A message the store could not read is dropped with an error log.
   */
  async take(
    planId: string,
    step: StepRecord,
  ): Promise<MessageEnvelope | EventEnvelope | undefined> {
    const wait = step.waitFor;
    if (wait === undefined) return undefined;
    for (let skipped = 0; skipped < MAX_SKIPPED; skipped++) {
      const message = await this.adapter.takeMessage(planId, wait.name);
      if (message === undefined) break;
      if (message.invalid === undefined) return message;
      this.logger.error(
        `dropped an unreadable message kept for plan ${planId}: ${message.invalid.message}`,
        { planId, stepId: step.id },
      );
    }
    if (wait.deadline === undefined || this.clock.now() < Date.parse(wait.deadline)) {
      return undefined;
    }
    return {
      id: randomUUID(),
      planId,
      stepId: step.id,
      payload: timeoutEvent(wait.timeoutMs ?? 0, wait.name),
      createdAt: isoNow(this.clock),
    };
  }
}

/** Whether a wake-up brought a message sent by name (as opposed to an event for the step). */
export function isMessage(value: MessageEnvelope | EventEnvelope): value is MessageEnvelope {
  return 'name' in value;
}

/**
 * A deadline is work in progress, like a planned event: a program awaiting its plan must not exit
 * while its step waits for one. Timers that can be ref'd (Node's) are; other clocks' are left alone.
 */
function keepAlive(timer: TimerHandle): TimerHandle {
  (timer as { ref?: () => unknown } | null | undefined)?.ref?.();
  return timer;
}
