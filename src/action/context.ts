import type { ExecutionPlan, JsonObject, JsonValue } from '../plan/records.js';
import type { StepLog } from './step-log.js';
import type { SuspendedAction } from './suspend.js';
import type { SuspendOptions } from './wait-for.js';
import type { ActionClass, AnyAction, Planned } from './types.js';

/**
 * What an action instance can do during the plan phase. Implemented by the plan builder.
 *
 * @internal
 */
export interface PlanningScope {
  /**
   * @param weight - the action's `progressWeight(phase)`, when the class overrides it; read once the
   *   input is set
   */
  planSelf(input: object, weight?: (phase: 'run' | 'finalize') => unknown): void;
  planAction(cls: ActionClass, args: readonly unknown[]): Planned;
  compose<T>(type: 'sequence' | 'concurrence', fn: () => T): T;
  readonly trigger: Planned | undefined;
  /** Log lines of this action's plan step. */
  readonly log: StepLog;
}

/**
 * What an action instance can do while running. Implemented by the step runner.
 *
 * @internal
 */
export interface ExecutionScope {
  /** Suspends the step: with a callback (or nothing), or waiting for a message by name. */
  suspend(how?: ((handle: SuspendedAction) => void) | SuspendOptions): never;
  /** The step being executed. */
  readonly stepId: number;
  /** Sends `payload` to this step `delayMs` after now on the world's clock, if the call suspends. */
  planEvent(payload: JsonValue, delayMs: number): void;
  readonly signal: AbortSignal;
  /** Log lines of the step being executed (created on first use). */
  readonly log: StepLog;
  /** The sub-plans of this step (`SubPlansAction`); `undefined` when the executor offers none. */
  readonly subPlans?: SubPlanScope | undefined;
}

/**
 * An action class that needs its execution scope beyond what `Action` offers (`SubPlansAction`)
 * defines a method under this key; the step runner calls it with the scope of each run call.
 *
 * @internal
 */
export const receiveScope: unique symbol = Symbol('flowline.receiveScope');

/** An action instance with a {@link receiveScope} method. @internal */
export interface ScopeReceiver {
  [receiveScope](scope: ExecutionScope): void;
}

/** A plan triggered by `SubPlansAction.triggerChild`. */
export interface SubPlan {
  /** The sub-plan's id. */
  readonly id: string;
  /** The sub-plan after its plan phase (`planned`, or `stopped`/`error` when planning failed). */
  readonly planned: Promise<ExecutionPlan>;
}

/** How many sub-plans of a step there are and how they ended, as its world knows them. */
export interface SubPlanCounts {
  /** Sub-plans triggered so far. */
  readonly total: number;
  /** Stopped with result `success` or `warning`. */
  readonly success: number;
  /** Paused, or stopped with result `error` or `cancelled`. */
  readonly failed: number;
  /** Still being planned, waiting for a free slot, or running. */
  readonly pending: number;
}

/**
 * What a run step can do with its sub-plans. Implemented by the world (one per step execution).
 *
 * @internal
 */
export interface SubPlanScope {
  /**
   * Makes sure the world tracks the step's sub-plans, sets their concurrency limit and starts
   * waiting ones that now fit. When not tracked yet, they are read from the store, unless `fresh`
   * (the step has triggered none before).
   */
  track(concurrencyLimit: number, fresh: boolean): Promise<void>;
  /**
   * Plans the step's `index`-th sub-plan, unless a previous execution of the step did already, and
   * starts it when the concurrency limit allows. Bad arguments throw here.
   */
  trigger(cls: ActionClass, args: readonly unknown[], index: number): SubPlan;
  /** Takes in `event` if it is a sub-plan notice the world sent the step. */
  note(event: JsonValue | undefined): Promise<boolean>;
  /** Sends the step an event through the store (it survives the world closing). */
  wake(payload: JsonValue): Promise<void>;
  /** Whether a sub-plan notice is on its way to the step (it must suspend to receive it). */
  expecting(): boolean;
  /** The counts as tracked now. */
  counts(): SubPlanCounts;
  /** Ids of failed sub-plans, at most `limit`. */
  failed(limit: number): string[];
  /** Stops tracking the step's sub-plans (they have all stopped). */
  release(): void;
}

/**
 * Everything an action instance is bound to: one per instance, set by the engine.
 *
 * @internal
 */
export interface ActionContext {
  readonly planId: string;
  readonly actionId: number;
  readonly phase: 'plan' | 'run' | 'finalize' | 'compensate' | 'rescue' | 'hook' | 'cancel';
  readonly input: object;
  readonly output: JsonObject;
  readonly planning?: PlanningScope;
  readonly execution?: ExecutionScope;
  /** The world's `context` option (`this.context`); never stored. */
  readonly userContext?: unknown;
}

/** Binds an instance to its context (set by `Action`'s static block). @internal */
export const binder: {
  bind?: (action: AnyAction, context: ActionContext) => void;
  read?: (action: AnyAction) => ActionContext | undefined;
} = {};
