import { ErrorCode, FlowlineError, serializeError } from '../errors.js';
import type {
  DelayedPlanRecord,
  PersistenceAdapter,
  PlanDependency,
  PlanScoped,
} from '../persistence/adapter.js';
import { newPlanId } from '../plan/plan-id.js';
import type { ExecutionPlan, StepRecord, StoredPlan } from '../plan/records.js';
import { computeResult } from '../plan/result.js';
import { toExecutionPlan } from '../plan/snapshot.js';
import type { StateChanges } from '../plan/transitions.js';
import { changePlanState, changeStepState } from '../plan/transitions.js';
import { scheduledPlan } from '../planning/plan-record.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { DelayOptions } from './delay.js';
import { chainPrerequisites, delayWindow, storedArguments } from './delay.js';

/** What scheduled plans need from their world. @internal */
export interface ScheduledPlansHost {
  readonly worldId: string;
  readonly adapter: PersistenceAdapter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A buffer for state changes, flushed once they are stored. */
  events(): StateChanges;
}

/** The lock a world takes on a delayed plan while it starts, fails or cancels it. @internal */
export function delayedPlanLock(planId: string): string {
  return `delayed:${planId}`;
}

/**
 * Plans waiting in state `scheduled` (`world.delay`, `world.chain`): storing them, and ending them
 * without running them, either failed (by the scheduler: window missed, prerequisite failed) or
 * cancelled (`world.cancel`, from any world). Starting them when due is the scheduler's job.
 *
 * @internal
 */
export class ScheduledPlans {
  constructor(private readonly host: ScheduledPlansHost) {}

  /**
   * `world.delay`: checks the window and the arguments, then stores the plan.
   *
   * @param name - the registered name of its root action
   */
  async delay(
    name: string,
    options: DelayOptions,
    args: readonly unknown[],
  ): Promise<ExecutionPlan> {
    const window = delayWindow(options);
    return this.store(name, { ...window, args: storedArguments(args, name) }, []);
  }

  /**
   * `world.chain`: checks the prerequisites (each must exist) and the arguments, then stores the
   * plan, due at once and waiting for its prerequisites.
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` naming a prerequisite that does not exist
   */
  async chain(
    prerequisiteIds: unknown,
    name: string,
    args: readonly unknown[],
  ): Promise<ExecutionPlan> {
    const prerequisites = chainPrerequisites(prerequisiteIds);
    const stored = storedArguments(args, name);
    for (const id of prerequisites) {
      if ((await this.host.adapter.loadPlan(id)) === undefined) {
        throw new FlowlineError(
          ErrorCode.PLAN_NOT_FOUND,
          `world.chain: prerequisite plan ${id} does not exist`,
          { planId: id },
        );
      }
    }
    const window = { startAt: isoNow(this.host.clock), args: stored };
    return this.store(name, window, prerequisites);
  }

  /** Stores a plan in state `scheduled` with its delayed record and prerequisites, in one write. */
  async store(
    name: string,
    window: Omit<DelayedPlanRecord, 'planId' | 'frozen'>,
    prerequisites: readonly string[],
  ): Promise<ExecutionPlan> {
    const { adapter, clock } = this.host;
    const id = newPlanId(clock.now());
    const events = this.host.events();
    const built = scheduledPlan(id, name, name, { now: () => isoNow(clock), listener: events });
    const delayed: DelayedPlanRecord = { planId: id, ...window, frozen: false };
    await adapter.write({
      plans: [built.plan],
      actions: built.actions.map((record) => ({ planId: id, record })),
      steps: built.steps.map((record) => ({ planId: id, record })),
      delayedPlans: [delayed],
      dependencies: prerequisites.map((dependsOn): PlanDependency => ({ planId: id, dependsOn })),
    });
    events.flush();
    return toExecutionPlan(built, false);
  }

  /**
   * Ends a scheduled plan `stopped`/`error` with `error` on its root plan step. The caller holds
   * the plan's {@link delayedPlanLock}.
   */
  async fail(stored: StoredPlan, error: FlowlineError, event: string): Promise<void> {
    await this.#end(stored, 'error', event, error);
    this.host.logger.warn(error.message, { planId: stored.plan.id });
  }

  /**
   * A delayed or chained plan that has not started: it stops cancelled and will never start.
   *
   * @throws FlowlineError `INVALID_PLAN_STATE` when it is being started right now, or no longer
   *   scheduled
   */
  async cancel(id: string): Promise<void> {
    const { adapter, clock, worldId } = this.host;
    const key = delayedPlanLock(id);
    const claimed = await adapter.acquireLock({
      key,
      ownerId: worldId,
      planId: id,
      acquiredAt: isoNow(clock),
    });
    if (!claimed) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${id} is being started right now; cancel it once it runs`,
        { planId: id },
      );
    }
    try {
      const stored = await adapter.loadPlan(id);
      if (stored?.plan.state !== 'scheduled') {
        throw new FlowlineError(
          ErrorCode.INVALID_PLAN_STATE,
          `plan ${id} is ${stored?.plan.state ?? 'gone'}; it is no longer scheduled`,
          { planId: id },
        );
      }
      await this.#end(stored, 'cancelled', 'cancel execution');
    } finally {
      await adapter.releaseLock(key, worldId);
    }
  }

  /**
   * Stops a scheduled plan: its root plan step (still `scheduling`) ends `to`, with `error` when
   * given; the delayed record is deleted in the same write.
   */
  async #end(
    stored: StoredPlan,
    to: 'error' | 'cancelled',
    event: string,
    error?: FlowlineError,
  ): Promise<void> {
    const { adapter, clock, worldId } = this.host;
    const planId = stored.plan.id;
    const events = this.host.events();
    const at = isoNow(clock);
    const changed: PlanScoped<StepRecord>[] = [];
    for (const step of stored.steps) {
      if (step.state !== 'scheduling') continue;
      changeStepState(planId, step, to, at, events);
      if (error !== undefined) step.error = serializeError(error);
      changed.push({ planId, record: step });
    }
    stored.plan.result = stored.steps.length === 0 ? to : computeResult(stored.steps);
    changePlanState(stored.plan, 'stopped', at, events);
    stored.plan.history.push({ at, event, worldId });
    await adapter.write({ plans: [stored.plan], steps: changed, deleteDelayedPlans: [planId] });
    events.flush();
  }
}
