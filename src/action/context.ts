import type { JsonObject } from '../plan/records.js';
import type { StepLog } from './step-log.js';
import type { SuspendedAction } from './suspend.js';
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
  suspend(callback?: (handle: SuspendedAction) => void): never;
  readonly signal: AbortSignal;
  /** Log lines of the step being executed (created on first use). */
  readonly log: StepLog;
}

/**
 * Everything an action instance is bound to: one per instance, set by the engine.
 *
 * @internal
 */
export interface ActionContext {
  readonly planId: string;
  readonly actionId: number;
  readonly phase: 'plan' | 'run' | 'finalize' | 'rescue' | 'hook' | 'cancel';
  readonly input: object;
  readonly output: JsonObject;
  readonly planning?: PlanningScope;
  readonly execution?: ExecutionScope;
}

/** Binds an instance to its context (set by `Action`'s static block). @internal */
export const binder: { bind?: (action: AnyAction, context: ActionContext) => void } = {};
