import type { ActionRegistry } from '../action/registry.js';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import { planNotFound } from '../plan/plan-errors.js';
import { newPlanId, planIdForKey } from '../plan/plan-id.js';
import type { ExecutionPlan } from '../plan/records.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { PlanReader } from './plan-reader.js';
import type { PlannedPlan, Planner } from './planner.js';
import { PlanHeldError } from './planner.js';
import type { PlanWaiter } from './plan-waiter.js';
import { isFinished, isPlanned } from './plan-waiter.js';
import type { TriggerOptions } from './trigger-options.js';
import type { Triggered } from './triggered.js';

/** What {@link IdempotentTriggers} needs from its world. @internal */
export interface IdempotentTriggersHost {
  readonly registry: ActionRegistry;
  readonly adapter: PersistenceAdapter;
  readonly reader: PlanReader;
  readonly planner: Planner;
  readonly waiter: PlanWaiter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The world's executor, when it has one. */
  readonly executor: Executor | undefined;
}

/** The plan a `triggerWith` ended up with: the one it planned, or one already stored. */
type Outcome =
  | { readonly planned: PlannedPlan; readonly existing?: undefined }
  | { readonly existing: ExecutionPlan; readonly planned?: undefined };

/**
 * `world.triggerWith`: a plan under a caller-chosen id or idempotency key, planned at most once.
 *
 * - The id is the caller's, else derived from the key (`planIdForKey`, the same in every
 *   process), else a new one; so `Triggered.id` is known at once and is the same for every
 *   duplicate.
 * - A plan already stored with that id (or key) is returned as it is, whatever its action class,
 *   arguments or state (a class that differs is logged as a warning); its plan phase does not run.
 * - Otherwise the plan is planned and inserted only if the id and the key are still free
 *   (`PersistenceAdapter.insertPlan`, atomic across processes). A caller that loses that race gets
 *   the winner's plan; nothing of its own plan was stored.
 * - A key held by a plan with another id than the call names is refused (`IDEMPOTENCY_CONFLICT`):
 *   the `Triggered.id` handed out could not name that plan.
 * - Calls in this world with an id whose plan phase is in progress share its `Triggered`.
 *
 * `finished` of a plan this world does not execute is waited for with the {@link PlanWaiter}.
 *
 * @internal
 */
export class IdempotentTriggers {
  /** `triggerWith` calls whose plan is being looked up or planned, by plan id. */
  readonly #inFlight = new Map<string, { readonly triggered: Triggered; readonly name: string }>();

  constructor(private readonly host: IdempotentTriggersHost) {}

  /**
   * Starts a `triggerWith`: bad arguments throw here and store nothing.
   *
   * @param options - checked options (see `readTriggerOptions`)
   */
  trigger(options: TriggerOptions, action: ActionClass, args: readonly unknown[]): Triggered {
    const { registry, planner, clock } = this.host;
    const name = registry.nameOf(action);
    planner.checkArguments(args, name);
    const key = options.idempotencyKey;
    const id = options.id ?? (key === undefined ? newPlanId(clock.now()) : planIdForKey(key));
    const current = this.#inFlight.get(id);
    if (current !== undefined) {
      this.#warnIfOtherAction(id, current.name, name);
      return current.triggered;
    }
    const outcome = this.#resolve(id, options, name, action, args);
    const planned = outcome.then((done) =>
      done.planned === undefined ? this.#plannedOf(done.existing) : done.planned.plan,
    );
    // Only what `finished` needs goes on (never the outcome itself, which holds the snapshot).
    const finished = outcome.then((done) =>
      done.planned === undefined ? this.#finishedOf(done.existing) : this.#finishNew(done.planned),
    );
    planned.catch(() => {});
    finished.catch(() => {});
    const triggered: Triggered = { id, planned, finished };
    this.#inFlight.set(id, { triggered, name });
    const forget = (): void => {
      if (this.#inFlight.get(id)?.triggered === triggered) this.#inFlight.delete(id);
    };
    outcome.then(forget, forget);
    return triggered;
  }

  /** Finds the stored plan with this id or key, else plans and inserts a new one. */
  async #resolve(
    id: string,
    options: TriggerOptions,
    name: string,
    action: ActionClass,
    args: readonly unknown[],
  ): Promise<Outcome> {
    const key = options.idempotencyKey;
    const stored = await this.#lookUp(id, options);
    if (stored !== undefined) return { existing: this.#checked(stored, name) };
    const { planner, executor, reader } = this.host;
    try {
      const label = options.label ?? name;
      return {
        planned: await planner.startNew(id, label, key, action, args, executor !== undefined),
      };
    } catch (error) {
      if (!(error instanceof PlanHeldError)) throw error;
      // Another caller inserted first (in this process or another).
      const holder = error.held.existingId;
      if (holder !== id) throw conflict(id, key ?? '', holder, options.id !== undefined);
      const plan = await reader.plan(id);
      if (plan === undefined) throw planNotFound(id);
      return { existing: this.#checked(plan, name) };
    }
  }

  /**
   * The stored plan this call names: the one holding the key (which must be `id`), else the one
   * with the id; `undefined` when there is none.
   */
  async #lookUp(id: string, options: TriggerOptions): Promise<ExecutionPlan | undefined> {
    const { adapter, reader } = this.host;
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const [holder] = await adapter.findPlans({ idempotencyKey: key, limit: 1 });
      if (holder !== undefined && holder.id !== id) {
        throw conflict(id, key, holder.id, options.id !== undefined);
      }
    }
    return reader.plan(id);
  }

  #checked(plan: ExecutionPlan, name: string): ExecutionPlan {
    const root = plan.actions.find((record) => record.id === plan.rootActionId);
    if (root !== undefined) this.#warnIfOtherAction(plan.id, root.className, name);
    return plan;
  }

  #warnIfOtherAction(id: string, stored: string, asked: string): void {
    if (stored === asked) return;
    this.host.logger.warn(
      `triggerWith: plan ${id} already exists as a plan of ${stored}, not ${asked}; the existing ` +
        'plan is returned and nothing is planned',
      { planId: id },
    );
  }

  /** `planned` of a stored plan: at once, unless it is still scheduled or being planned. */
  #plannedOf(plan: ExecutionPlan): ExecutionPlan | Promise<ExecutionPlan> {
    return isPlanned(plan.state) ? plan : this.host.waiter.until(plan.id, isPlanned);
  }

  /**
   * `finished` of a stored plan. One left `planned` with nobody executing it (planned by a
   * client-only world, or by a world that lost the insert race while holding its execution lock)
   * is taken by this world when it is an executor, as the coordinator would take an orphan.
   */
  async #finishedOf(plan: ExecutionPlan): Promise<ExecutionPlan> {
    const { executor, waiter } = this.host;
    const id = plan.id;
    if (isFinished(plan.state)) return plan;
    if (executor !== undefined && plan.state === 'planned' && plan.parent === undefined) {
      await executor.recover(id).catch(() => false);
    }
    return waiter.until(id, isFinished);
  }

  /** `finished` of a plan this call planned: executed here when reserved, else waited for. */
  #finishNew({ plan, reservation }: PlannedPlan): Promise<ExecutionPlan> {
    const { executor, waiter } = this.host;
    if (reservation !== undefined && executor !== undefined) {
      return executor.execute(plan.id, reservation);
    }
    return isFinished(plan.state) ? Promise.resolve(plan) : waiter.until(plan.id, isFinished);
  }
}

function conflict(id: string, key: string, holder: string, explicitId: boolean): FlowlineError {
  const named = explicitId ? `names plan ${id}` : `names plan ${id} (the id derived from the key)`;
  return new FlowlineError(
    ErrorCode.IDEMPOTENCY_CONFLICT,
    `world.triggerWith: idempotency key ${JSON.stringify(key)} belongs to plan ${holder}, but the ` +
      `call ${named}; pass id ${JSON.stringify(holder)} with this key, or the key alone when the ` +
      'plan was triggered with the key alone',
    { planId: holder },
  );
}
