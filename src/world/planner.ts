import type { ActionRegistry } from '../action/registry.js';
import type { ActionClass } from '../action/types.js';
import type { Executor } from '../executor/executor.js';
import type { DelayedPlanRecord, PersistenceAdapter } from '../persistence/adapter.js';
import { newPlanId } from '../plan/plan-id.js';
import type { ExecutionPlan, PlanParent, StoredPlan } from '../plan/records.js';
import { toJson } from '../plan/serialization.js';
import { toExecutionPlan } from '../plan/snapshot.js';
import type { StateChanges } from '../plan/transitions.js';
import type { BuiltPlan } from '../planning/plan-builder.js';
import { PlanBuilder } from '../planning/plan-builder.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { SingletonLocks } from './singleton.js';
import { isSingleton } from './singleton.js';

/** What the planner needs from its world. @internal */
export interface PlannerHost {
  readonly registry: ActionRegistry;
  readonly adapter: PersistenceAdapter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly singletons: SingletonLocks;
  /** The world's executor, when it has one (scheduled plans are executed once planned). */
  readonly executor: Executor | undefined;
  /** A buffer for state changes, flushed once they are stored. */
  events(): StateChanges;
}

/**
 * The plan phase as the world runs it: checks a trigger's arguments, runs the plan builder, takes
 * and releases singleton locks, and stores the plan in one write. It keeps track of the plan phases
 * in progress, so that closing the world lets them finish and store their plan.
 *
 * @internal
 */
export class Planner {
  readonly #planning = new Set<Promise<unknown>>();

  constructor(private readonly host: PlannerHost) {}

  /**
   * Starts planning a new plan of `action`. Bad arguments (an unregistered class, arguments that
   * are not JSON) throw here and store nothing.
   *
   * @returns the new plan's id at once, and a promise of the plan once planned
   */
  start(
    action: ActionClass,
    args: readonly unknown[],
  ): { id: string; planned: Promise<ExecutionPlan> } {
    const label = this.host.registry.nameOf(action);
    this.checkArguments(args, label);
    const id = newPlanId(this.host.clock.now());
    const planned = this.plan(id, label, action, args);
    planned.catch(() => {});
    return { id, planned };
  }

  /**
   * Checks that arguments are data (they may be stored, for delayed plans); an omitted optional one
   * is fine.
   *
   * @throws FlowlineError `UNSERIALIZABLE_VALUE` naming the argument
   */
  checkArguments(args: readonly unknown[], what: string): void {
    args.forEach((arg, index) => {
      if (arg !== undefined) toJson(arg, `argument ${index + 1} of ${what}`);
    });
  }

  /**
   * The plan phase of one plan and its write. A plan whose root action is a singleton takes the
   * singleton lock first, or is refused (`SINGLETON_ACTIVE` on its root plan step). A `scheduled`
   * plan is planned from its stored record, and its delayed record is deleted in the same write.
   */
  plan(
    id: string,
    label: string,
    action: ActionClass,
    args: readonly unknown[],
    scheduled?: BuiltPlan,
    parent?: PlanParent,
  ): Promise<ExecutionPlan> {
    const planning = this.#planAndStore(id, label, action, args, scheduled, parent);
    this.#planning.add(planning);
    const forget = (): void => {
      this.#planning.delete(planning);
    };
    void planning.then(forget, forget);
    return planning;
  }

  /** The scheduler's hand-off: plans a due scheduled plan and starts executing it. */
  async startScheduled(stored: StoredPlan, record: DelayedPlanRecord): Promise<void> {
    const { executor, logger, registry } = this.host;
    const action = registry.classOf(stored.actions[0]?.className ?? '');
    if (action === undefined || executor === undefined) return;
    const plan = await this.plan(stored.plan.id, stored.plan.label, action, record.args, stored);
    if (plan.state !== 'planned') return;
    // Also while the world closes: a plan left running is recovered by the next world, while a
    // planned one would wait for someone to execute it.
    executor.execute(plan.id).catch((error: unknown) => {
      logger.error(`executing delayed plan ${plan.id} failed`, { error });
    });
  }

  /** Resolves once every plan phase in progress has ended. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#planning]);
  }

  async #planAndStore(
    id: string,
    label: string,
    action: ActionClass,
    args: readonly unknown[],
    scheduled: BuiltPlan | undefined,
    parent: PlanParent | undefined,
  ): Promise<ExecutionPlan> {
    const { adapter, clock, logger, registry, singletons } = this.host;
    const events = this.host.events();
    const name = registry.nameOf(action);
    // Only a singleton waits here: any other plan's plan() still runs within trigger().
    const singleton = isSingleton(action)
      ? await singletons.acquire(action, name, id)
      : { held: false, refusal: undefined };
    let built: BuiltPlan;
    try {
      const builder = new PlanBuilder(
        id,
        label,
        { registry, now: () => isoNow(clock), listener: events },
        scheduled,
      );
      built = await builder.build(action, args, { refuse: singleton.refusal });
      if (parent !== undefined) built.plan.parent = parent;
      await adapter.write({
        plans: [built.plan],
        actions: built.actions.map((record) => ({ planId: id, record })),
        steps: built.steps.map((record) => ({ planId: id, record })),
        ...(scheduled === undefined ? {} : { deleteDelayedPlans: [id] }),
      });
    } catch (error) {
      if (singleton.held) await singletons.release(name, id);
      throw error;
    }
    if (singleton.held && built.plan.state !== 'planned') await singletons.release(name, id);
    // Lines the actions wrote to this.log in plan(), kept with their plan steps.
    if (built.logs !== undefined) {
      await adapter.appendLogs(built.logs).catch((error: unknown) => {
        logger.error(`could not store the plan-phase log of plan ${id}`, { planId: id, error });
      });
    }
    events.flush();
    // The builder's records are not used again (the executor loads the plan from the store).
    return toExecutionPlan(built, false);
  }
}
