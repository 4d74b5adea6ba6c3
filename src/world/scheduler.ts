import { ErrorCode, FlowlineError, toError } from '../errors.js';
import type { DelayedPlanRecord, PersistenceAdapter, StoredPlan } from '../persistence/adapter.js';
import type { PlanResult } from '../plan/states.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { PlanStateEvent } from './events.js';
import type { ScheduledPlans } from './scheduled-plans.js';
import { delayedPlanLock } from './scheduled-plans.js';
import type { Logger } from '../shared/logger.js';

/** What the scheduler needs from its world. @internal */
export interface SchedulerHost {
  readonly worldId: string;
  readonly adapter: PersistenceAdapter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often to look for due plans in the store. */
  readonly pollIntervalMs: number;
  /** Stores, fails and cancels scheduled plans (the scheduler fails those it cannot start). */
  readonly scheduled: ScheduledPlans;
  /** Whether this world knows the action class stored under `className`. */
  canPlan(className: string): boolean;
  /**
   * Plans a scheduled plan with its stored arguments, storing it and deleting its delayed record in
   * one write, then starts executing it (without waiting for it to finish).
   */
  startPlan(stored: StoredPlan, record: DelayedPlanRecord): Promise<void>;
}

/** How many stopped prerequisites' results are remembered (a stopped plan never changes). */
const REMEMBERED_RESULTS = 10_000;

/**
 * Starts delayed (`world.delay`) and chained (`world.chain`) plans when they are due. Owned by
 * executor worlds only.
 *
 * It looks in the store when the world starts, when a plan is delayed or chained here, when a
 * plan stopped here has plans chained to it, every `pollIntervalMs` (for plans delayed by other
 * processes or prerequisites stopped elsewhere), and when a timer set for the earliest plan due
 * within the next poll interval fires, so a plan starts exactly at its `startAt` on the world clock.
 *
 * Looks never overlap within a world. Each due plan is claimed with the lock `delayed:<planId>`
 * (owned by this world, so a dead world's claims are freed when it is invalidated) and re-read
 * under it, so two worlds never start the same plan; then:
 *
 * - past its `startBefore` → the plan ends `stopped`/`error`, `EXECUTION_WINDOW_MISSED` on its
 *   root plan step;
 * - a prerequisite not yet stopped → it waits (nothing changes);
 * - a prerequisite stopped with result `error` or `cancelled` → `stopped`/`error`,
 *   `PREREQUISITE_FAILED` naming it;
 * - else it is planned with its stored arguments (its delayed record deleted in the same write)
 *   and executed.
 *
 * @internal
 */
export class Scheduler {
  #stopped = true;
  #pollTimer: TimerHandle = undefined;
  #dueTimer: TimerHandle = undefined;
  #looking = false;
  #again = false;
  #loop: Promise<void> | undefined;
  /** Whether plans with prerequisites were seen: only then do stopped plans need a look. */
  #chainsSeen = false;
  readonly #stoppedResults = new Map<string, PlanResult>();
  /** Problems already logged, so a plan stuck the same way is not reported every poll. */
  readonly #reported = new Set<string>();

  constructor(private readonly host: SchedulerHost) {}

  /** Starts looking: once now, then on every trigger described above. */
  start(): void {
    this.#stopped = false;
    this.#schedulePoll();
    this.wake();
  }

  /** Stops looking and waits for a look under way (and the planning it started) to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#pollTimer !== undefined) this.host.clock.clearTimeout(this.#pollTimer);
    if (this.#dueTimer !== undefined) this.host.clock.clearTimeout(this.#dueTimer);
    this.#pollTimer = undefined;
    this.#dueTimer = undefined;
    await this.#loop;
  }

  /** Asks for a look at the store soon; requests made during a look cause one more look. */
  wake(): void {
    if (this.#stopped) return;
    this.#again = true;
    if (this.#looking) return;
    this.#looking = true;
    this.#loop = this.#lookWhileAsked();
  }

  /** This world chained a plan: stopped plans may now have plans waiting for them. */
  noteChain(): void {
    this.#chainsSeen = true;
  }

  /** Hears a committed plan state change of this world; a stopped prerequisite wakes its chain. */
  handle(event: PlanStateEvent): void {
    if (event.state !== 'stopped' || this.#stopped) return;
    this.#remember(event.planId, event.result);
    if (!this.#chainsSeen) return;
    this.host.adapter.findDependents(event.planId).then(
      (dependents) => {
        if (dependents.length > 0) this.wake();
      },
      (error: unknown) => {
        this.host.logger.error(`looking for plans chained to plan ${event.planId} failed`, {
          error,
        });
      },
    );
  }

  async #lookWhileAsked(): Promise<void> {
    try {
      while (this.#again && !this.#stopped) {
        this.#again = false;
        await this.#look();
      }
    } finally {
      this.#looking = false;
    }
  }

  async #look(): Promise<void> {
    const { adapter, clock, logger, pollIntervalMs } = this.host;
    let next: number | undefined;
    try {
      const now = clock.now();
      // Due plans, plus those due before the next poll: the earliest of those sets the timer.
      const horizon = new Date(now + pollIntervalMs).toISOString();
      for (const record of await adapter.findDueDelayedPlans(horizon)) {
        if (this.#stopped) return;
        const at = Date.parse(record.startAt);
        if (at > now) {
          next = next === undefined ? at : Math.min(next, at);
          continue;
        }
        try {
          await this.#consider(record);
        } catch (error) {
          this.#reportOnce(
            `error:${record.planId}:${toError(error).message}`,
            `starting delayed plan ${record.planId} failed; it stays scheduled and is tried again`,
            error,
          );
        }
      }
    } catch (error) {
      logger.error('looking for due delayed plans failed; trying again at the next poll', {
        error,
      });
    }
    this.#armDueTimer(next);
  }

  #armDueTimer(at: number | undefined): void {
    const { clock } = this.host;
    if (this.#dueTimer !== undefined) clock.clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    if (at === undefined || this.#stopped) return;
    // Time may have passed while looking: a plan already due gets another look straight away.
    if (at <= clock.now()) {
      this.wake();
      return;
    }
    this.#dueTimer = clock.setTimeout(
      () => {
        this.#dueTimer = undefined;
        this.wake();
      },
      at - clock.now(),
      { kind: 'delayed-plan' },
    );
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#pollTimer = this.host.clock.setTimeout(() => {
      this.#pollTimer = undefined;
      this.wake();
      this.#schedulePoll();
    }, this.host.pollIntervalMs);
  }

  /** Starts, fails or leaves waiting one due delayed plan. */
  async #consider(record: DelayedPlanRecord): Promise<void> {
    const { adapter, clock, worldId } = this.host;
    const planId = record.planId;
    const now = clock.now();
    const missed = record.startBefore !== undefined && now > Date.parse(record.startBefore);
    let failed: string[] = [];
    if (!missed) {
      const prerequisites = await adapter.findDependencies(planId);
      if (prerequisites.length > 0) this.#chainsSeen = true;
      const status = await this.#prerequisites(prerequisites);
      if (status === 'waiting') return;
      failed = status.failed;
    }
    const key = delayedPlanLock(planId);
    const claimed = await adapter.acquireLock({
      key,
      ownerId: worldId,
      planId,
      acquiredAt: isoNow(clock),
    });
    if (!claimed) return; // another world is on it
    try {
      // Re-read under the lock: another world may have dealt with it since it was listed.
      const current = await adapter.loadDelayedPlan(planId);
      if (current === undefined) return;
      const stored = await adapter.loadPlan(planId);
      if (stored?.plan.state !== 'scheduled') {
        // Planned already (or gone): only the delayed record was left behind.
        await adapter.write({ deleteDelayedPlans: [planId] });
        return;
      }
      if (missed) {
        await this.host.scheduled.fail(
          stored,
          new FlowlineError(
            ErrorCode.EXECUTION_WINDOW_MISSED,
            `delayed plan ${planId} (${stored.plan.label}) was not started before ` +
              `${current.startBefore ?? ''} (start at ${current.startAt}, now ` +
              `${new Date(now).toISOString()})`,
            { planId, stepId: 1, actionId: 1 },
          ),
          'execution window missed',
        );
        return;
      }
      if (failed.length > 0) {
        await this.host.scheduled.fail(
          stored,
          new FlowlineError(
            ErrorCode.PREREQUISITE_FAILED,
            `chained plan ${planId} (${stored.plan.label}) was not started because ` +
              `${failed.length === 1 ? 'its prerequisite' : 'prerequisites'} ` +
              `${failed.join(', ')} did not succeed`,
            { planId, stepId: 1, actionId: 1 },
          ),
          'prerequisite failed',
        );
        return;
      }
      const className = stored.actions[0]?.className ?? '';
      if (!this.host.canPlan(className)) {
        this.#reportOnce(
          `class:${planId}`,
          `delayed plan ${planId} is due but its action "${className}" is not registered in ` +
            `world ${worldId}; it stays scheduled for a world that knows it`,
        );
        return;
      }
      await this.host.startPlan(stored, current);
    } finally {
      await adapter.releaseLock(key, worldId);
    }
  }

  /** `waiting` while a prerequisite is not stopped; else those that failed, with their result. */
  async #prerequisites(ids: readonly string[]): Promise<'waiting' | { failed: string[] }> {
    const failed: string[] = [];
    for (const id of ids) {
      let result = this.#stoppedResults.get(id);
      if (result === undefined) {
        const stored = await this.host.adapter.loadPlan(id);
        // A prerequisite that no longer exists holds nothing up.
        if (stored === undefined) continue;
        if (stored.plan.state !== 'stopped') return 'waiting';
        result = stored.plan.result;
        this.#remember(id, result);
      }
      if (result === 'error' || result === 'cancelled') failed.push(`${id} (${result})`);
    }
    return { failed };
  }

  #remember(planId: string, result: PlanResult): void {
    if (this.#stoppedResults.size >= REMEMBERED_RESULTS) {
      const oldest = this.#stoppedResults.keys().next();
      if (oldest.done !== true) this.#stoppedResults.delete(oldest.value);
    }
    this.#stoppedResults.set(planId, result);
  }

  #reportOnce(key: string, message: string, error?: unknown): void {
    if (this.#reported.has(key)) return;
    if (this.#reported.size >= REMEMBERED_RESULTS) this.#reported.clear();
    this.#reported.add(key);
    if (error === undefined) this.host.logger.warn(message);
    else this.host.logger.error(message, { error });
  }
}
