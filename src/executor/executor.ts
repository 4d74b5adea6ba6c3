import type { SubPlanScope } from '../action/context.js';
import type { ActionRegistry } from '../action/registry.js';
import type { ExecutionPlan, JsonValue } from '../plan/records.js';
import type { EventEnvelope, PersistenceAdapter } from '../persistence/adapter.js';
import type { StateChanges } from '../plan/transitions.js';
import type { Logger } from '../shared/logger.js';
import type { Clock } from '../shared/clock.js';

/**
 * What a world hands its executor when it starts.
 *
 * @internal
 */
export interface ExecutorContext {
  readonly worldId: string;
  /** The world's store (failures already `FlowlineError`s, transient ones retried). */
  readonly adapter: PersistenceAdapter;
  /** The world's actions: the executor instantiates them by name. */
  readonly registry: ActionRegistry;
  /** A new buffer of state changes, emitted as world events once `flush`ed (after their write). */
  readonly stateChanges: () => StateChanges;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The most run and finalize step executions in progress at once. */
  readonly concurrency: number;
  /** Sends an event to a step through the world (used by `SuspendedAction.event`). */
  readonly sendEvent: (planId: string, stepId: number, payload: JsonValue) => Promise<void>;
  /** Sub-plans of run steps (`SubPlansAction`): child plans linked to the step that triggers them. */
  readonly subPlans?: SubPlanService;
  /** The world's `context` option: actions read it as `this.context`, in every phase. */
  readonly userContext?: unknown;
}

/** A plan reserved for execution in this world (see `Executor.reserve`). @internal */
export interface Reservation {
  readonly planId: string;
  /** Lets the plan go without executing it (its lock is released). */
  release(): Promise<void>;
}

/**
 * Triggers and tracks the sub-plans of run steps; provided by the world.
 *
 * @internal
 */
export interface SubPlanService {
  /** The sub-plans of one run step. */
  forStep(planId: string, stepId: number): SubPlanScope;
}

/**
 * Runs execution plans: their run flow, then their finalize flow. The world plans; the executor
 * executes. Internal: the world makes its own (`ParallelExecutor`); this interface is the seam
 * between the two layers, not an extension point (its context carries engine internals).
 *
 * @internal
 */
export interface Executor {
  /** Called once by `world.start()`. */
  start(context: ExecutorContext): Promise<void>;
  /**
   * Reserves a plan this world is about to store and then execute: takes its execution lock now,
   * so no other world takes the plan once it is stored, and operations on it wait until its
   * execution begins. Hand the reservation to {@link Executor.execute}, or release it.
   *
   * @returns `undefined` when the lock is held elsewhere
   */
  reserve(planId: string): Promise<Reservation | undefined>;
  /**
   * Executes a `planned` or `paused` plan.
   *
   * @param reservation - from {@link Executor.reserve}: the lock is already held
   * @param taken - called with a snapshot of the plan once it is taken into execution (lock held,
   *   state `running` committed); steps it started by then may show as running
   * @returns the plan once it is `paused` or `stopped`
   */
  execute(
    planId: string,
    reservation?: Reservation,
    taken?: (plan: ExecutionPlan) => void,
  ): Promise<ExecutionPlan>;
  /**
   * Takes over a plan nobody executes: one left `running` by a world that is gone (or closed) —
   * steps it was running fail with ABNORMAL_TERMINATION (idempotent actions run again), then
   * execution continues — or one left `planned` (not a sub-plan), which is executed.
   *
   * @returns whether this executor took the plan
   */
  recover(planId: string): Promise<boolean>;
  /**
   * Offers an accepted event to a plan this executor is running.
   *
   * @returns `false` when the plan is not running here (the event is then only queued)
   */
  deliver(event: EventEnvelope): Promise<boolean>;
  /**
   * A message named `name` was kept for a plan (`world.send`): when the plan is executed here, its
   * suspended steps waiting for that name are woken, and one of them takes the message.
   */
  offerMessage(planId: string, name: string): void;
  /**
   * Stops starting steps of a plan it runs; steps running now finish, suspended ones stay
   * suspended.
   *
   * @returns the plan once it is `paused`
   */
  pause(planId: string): Promise<ExecutionPlan>;
  /**
   * Stops a plan without running anything more: running calls see `signal` abort and finish,
   * steps that have not run (and suspended ones) are cancelled, the plan is `stopped`.
   *
   * @returns the plan once it is `stopped`
   */
  halt(planId: string): Promise<ExecutionPlan>;
  /**
   * Cancels a plan: cancellable actions running or suspended are asked to stop (`cancel(force)`),
   * with `force` their `signal` aborts too; then everything that has not run is cancelled and the
   * plan is `stopped` with result `cancelled`.
   */
  cancel(planId: string, force: boolean): Promise<ExecutionPlan>;
  /**
   * On a paused plan, marks a failed step to be skipped (see `skipStep` in recovery.ts), under the
   * plan's execution lock and counted as taking the plan, so a resume in this world waits its turn.
   *
   * @throws FlowlineError `INVALID_PLAN_STATE` when the plan is being executed or changed now
   */
  skipStep(planId: string, stepId: number): Promise<void>;
  /**
   * Rolls back a paused plan, or one stopped with result error: runs the `compensate` of every
   * action whose run step succeeded, in reverse completion order, each as a step of its own (see
   * `rollback.ts`); a plan whose rollback began already goes on with it.
   *
   * @returns the plan once it is `stopped` (result `cancelled`) or `paused` again (a compensation
   *   failed)
   * @throws FlowlineError `PLAN_NOT_FOUND`, `INVALID_PLAN_STATE` (any other state, or executed now)
   */
  rollback(planId: string): Promise<ExecutionPlan>;
  /** Stops starting steps, waits for the ones in progress, and lets go of every plan. */
  close(): Promise<void>;
  /**
   * After `close()` took too long: lets go of every plan at once, their `finished` rejecting with
   * `WORLD_CLOSED`; steps still running are left as a crash would leave them.
   */
  abandon(): void;
}
