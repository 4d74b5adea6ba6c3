import type { ActionRegistry } from '../action/registry.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { ActionClass } from '../action/types.js';
import type { Executor, Reservation } from '../executor/executor.js';
import type {
  DelayedPlanRecord,
  PersistenceAdapter,
  PlanInsertResult,
  WriteBatch,
} from '../persistence/adapter.js';
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

/** A plan after its plan phase, with its reservation when this world is to execute it. @internal */
export interface PlannedPlan {
  readonly plan: ExecutionPlan;
  readonly reservation?: Reservation;
}

/**
 * Thrown by {@link Planner.startNew} when the store already holds a plan with the new plan's id or
 * idempotency key: nothing of the new plan was stored, and its locks were let go.
 *
 * @internal
 */
export class PlanHeldError extends Error {
  constructor(readonly held: Extract<PlanInsertResult, { inserted: false }>) {
    super(`the store holds plan ${held.existingId} with this ${held.conflict}`);
    this.name = 'PlanHeldError';
  }
}

/** What the planner needs from its world. @internal */
export interface PlannerHost {
  readonly registry: ActionRegistry;
  readonly adapter: PersistenceAdapter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly singletons: SingletonLocks;
  /** The world's executor, when it has one (scheduled plans are executed once planned). */
  readonly executor: Executor | undefined;
  /** The world's `context` option, which actions read as `this.context`. */
  readonly userContext?: unknown;
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
  /**
   * Plan phases in progress (until their write is done), by plan id, each with the way to let its
   * caller go when the world gives up waiting for it (`abandon`).
   */
  readonly #planning = new Map<
    string,
    { readonly done: Promise<unknown>; readonly abandon: (error: unknown) => void }
  >();

  constructor(private readonly host: PlannerHost) {}

  /**
   * Starts planning a new plan of `action`. Bad arguments (an unregistered class, arguments that
   * are not JSON) throw here and store nothing.
   *
   * @param execute - whether this world executes the plan next: it is then reserved for this
   *   world's executor before it is stored (see `Executor.reserve`)
   * @returns the new plan's id at once, and a promise of the plan once planned, with its
   *   reservation when it is `planned` and `execute` was asked for
   */
  start(
    action: ActionClass,
    args: readonly unknown[],
    execute: boolean,
  ): { id: string; planned: Promise<PlannedPlan> } {
    const label = this.host.registry.nameOf(action);
    this.checkArguments(args, label);
    const id = newPlanId(this.host.clock.now());
    const planned = this.#track(id, this.#planAndStore(id, label, action, args, { execute }));
    planned.catch(() => {});
    return { id, planned };
  }

  /**
   * Plans a new plan with a caller's id (and idempotency key) and stores it only if the store holds
   * no plan with that id or key, in the same atomic write (`PersistenceAdapter.insertPlan`): a world
   * that dies while planning leaves nothing behind, so nothing keeps the key from being used.
   * The arguments must have been checked (see {@link Planner.checkArguments}).
   *
   * @param execute - whether this world executes the plan next (see {@link Planner.start})
   * @returns the plan once planned, as {@link Planner.start}; rejects with {@link PlanHeldError}
   *   when the id or the key is held
   */
  startNew(
    id: string,
    label: string,
    idempotencyKey: string | undefined,
    action: ActionClass,
    args: readonly unknown[],
    execute: boolean,
  ): Promise<PlannedPlan> {
    const planned = this.#track(
      id,
      this.#planAndStore(id, label, action, args, { execute, insert: { idempotencyKey } }),
    );
    planned.catch(() => {});
    return planned;
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
    const planning = this.#planAndStore(id, label, action, args, {
      execute: false,
      scheduled,
      parent,
    });
    return this.#track(id, planning).then((planned) => planned.plan);
  }

  /**
   * Counts a plan phase as in progress until it ends (see `planned` and `idle`), and hands its
   * caller a promise that `abandon` can also settle: a plan phase that never ends must not hold its
   * caller forever once the world gave up on it. Nothing of the plan is held once it has ended.
   */
  #track(id: string, planning: Promise<PlannedPlan>): Promise<PlannedPlan> {
    let abandon!: (error: unknown) => void;
    const tracked = new Promise<PlannedPlan>((resolve, reject) => {
      abandon = reject;
      planning.then(resolve, reject);
    });
    const entry = { done: planning, abandon };
    this.#planning.set(id, entry);
    const forget = (): void => {
      if (this.#planning.get(id) === entry) this.#planning.delete(id);
    };
    void planning.then(forget, forget);
    return tracked;
  }

  /**
   * The world closed without waiting any longer: callers of plan phases still in progress get
   * `WORLD_CLOSED` (nothing of those plans was stored).
   */
  abandon(worldId: string): void {
    for (const entry of this.#planning.values()) {
      entry.abandon(
        new FlowlineError(
          ErrorCode.WORLD_CLOSED,
          `world ${worldId} closed while this plan was being planned; nothing of it was stored`,
        ),
      );
    }
  }

  /** The scheduler's hand-off: plans a due scheduled plan and starts executing it. */
  async startScheduled(stored: StoredPlan, record: DelayedPlanRecord): Promise<void> {
    const { executor, logger, registry } = this.host;
    const action = registry.classOf(stored.actions[0]?.className ?? '');
    if (action === undefined || executor === undefined) return;
    const id = stored.plan.id;
    const { plan, reservation } = await this.#track(
      id,
      this.#planAndStore(id, stored.plan.label, action, record.args, {
        execute: true,
        scheduled: stored,
      }),
    );
    if (plan.state !== 'planned') return;
    // Also while the world closes: a plan left running is recovered by the next world, while a
    // planned one would wait for someone to execute it.
    executor.execute(plan.id, reservation).catch((error: unknown) => {
      logger.error(`executing delayed plan ${plan.id} failed`, { error });
    });
  }

  /**
   * When the plan phase of `id` is in progress here, a promise that resolves once it has ended (its
   * plan stored, or its failure known): an id this world handed out can then be used at once.
   */
  planned(id: string): Promise<void> | undefined {
    // No promise at all when nothing is in progress: an operation on a stored plan stays as
    // immediate as it was (halt, for one, aborts running steps' signals synchronously).
    return this.#planning.get(id)?.done.then(noop, noop);
  }

  /** Resolves once every plan phase in progress has ended. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#planning.values()].map((entry) => entry.done));
  }

  async #planAndStore(
    id: string,
    label: string,
    action: ActionClass,
    args: readonly unknown[],
    how: {
      execute: boolean;
      scheduled?: BuiltPlan | undefined;
      parent?: PlanParent | undefined;
      /** Insert only if the id and key are free (`triggerWith`), instead of writing. */
      insert?: { idempotencyKey: string | undefined };
    },
  ): Promise<PlannedPlan> {
    const { adapter, clock, executor, logger, registry, singletons } = this.host;
    const { scheduled, parent } = how;
    const events = this.host.events();
    const name = registry.nameOf(action);
    // Reserved before it is stored: no other world takes a plan this one is about to execute.
    let reservation = how.execute ? await executor?.reserve(id) : undefined;
    // Only a singleton waits here: any other plan's plan() still runs within trigger().
    const singleton = isSingleton(action)
      ? await singletons.acquire(action, name, id)
      : { held: false, refusal: undefined };
    let built: BuiltPlan;
    try {
      const builder = new PlanBuilder(
        id,
        label,
        {
          registry,
          now: () => isoNow(clock),
          listener: events,
          userContext: this.host.userContext,
        },
        scheduled,
      );
      built = await builder.build(action, args, { refuse: singleton.refusal });
      if (parent !== undefined) built.plan.parent = parent;
      const key = how.insert?.idempotencyKey;
      if (key !== undefined) built.plan.idempotencyKey = key;
      const batch: WriteBatch = {
        actions: built.actions.map((record) => ({ planId: id, record })),
        steps: built.steps.map((record) => ({ planId: id, record })),
        ...(scheduled === undefined ? {} : { deleteDelayedPlans: [id] }),
      };
      if (how.insert === undefined) {
        await adapter.write({ ...batch, plans: [built.plan] });
      } else {
        // The state changes of a plan that is not stored are never told (`events` is dropped).
        const result = await adapter.insertPlan({ ...batch, plans: [built.plan] });
        if (!result.inserted) throw new PlanHeldError(result);
      }
    } catch (error) {
      if (singleton.held) await singletons.release(name, id);
      await reservation?.release();
      throw error;
    }
    if (built.plan.state !== 'planned') {
      if (singleton.held) await singletons.release(name, id);
      await reservation?.release();
      reservation = undefined;
    }
    // Lines the actions wrote to this.log in plan(), kept with their plan steps.
    if (built.logs !== undefined) {
      await adapter.appendLogs(built.logs).catch((error: unknown) => {
        logger.error(`could not store the plan-phase log of plan ${id}`, { planId: id, error });
      });
    }
    events.flush();
    // The builder's records are not used again (the executor loads the plan from the store).
    const plan = toExecutionPlan(built, false);
    return reservation === undefined ? { plan } : { plan, reservation };
  }
}

function noop(): void {}
