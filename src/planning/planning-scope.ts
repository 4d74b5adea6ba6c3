import type { PlanningScope } from '../action/context.js';
import type { StepLog } from '../action/step-log.js';
import type { ActionClass, Planned } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { ComposedFlow } from '../plan/flow.js';
import { composed } from '../plan/flow.js';
import type { ActionRecord } from '../plan/records.js';
import { isThenable } from '../shared/is-thenable.js';

/** A flow node while the plan phase adds to it. @internal */
export type MutableFlow = { type: ComposedFlow['type']; flows: ComposedFlow['flows'] };

/**
 * What a planning scope asks of the plan being built (the plan builder).
 *
 * @internal
 */
export interface PlanningHost {
  /** Records the action's input and adds its run and finalize steps at `cursor`. */
  planSelf(
    cls: ActionClass,
    record: ActionRecord,
    cursor: MutableFlow,
    input: object,
    weight?: (phase: 'run' | 'finalize') => unknown,
  ): void;
  /** The log of an action's plan step. */
  planLog(stepId: number): StepLog;
  /** Plans a child action at `cursor`. */
  planChild(
    cls: ActionClass,
    args: readonly unknown[],
    cursor: MutableFlow,
    parentId: number,
  ): Planned;
}

/**
 * The planning methods one action instance sees; it remembers where in the flow that action plans.
 *
 * @internal
 */
export class ActionPlanningScope implements PlanningScope {
  #cursor: MutableFlow;

  constructor(
    private readonly builder: PlanningHost,
    private readonly cls: ActionClass,
    private readonly record: ActionRecord,
    slot: MutableFlow,
    readonly trigger: Planned | undefined,
  ) {
    this.#cursor = slot;
  }

  #log: StepLog | undefined;

  planSelf(input: object, weight?: (phase: 'run' | 'finalize') => unknown): void {
    this.builder.planSelf(this.cls, this.record, this.#cursor, input, weight);
  }

  get log(): StepLog {
    this.#log ??= this.builder.planLog(this.record.planStepId);
    return this.#log;
  }

  planAction(cls: ActionClass, args: readonly unknown[]): Planned {
    return this.builder.planChild(cls, args, this.#cursor, this.record.id);
  }

  compose<T>(type: 'sequence' | 'concurrence', fn: () => T): T {
    const node: MutableFlow = composed(type);
    this.#cursor.flows.push(node);
    const previous = this.#cursor;
    this.#cursor = node;
    try {
      const result = fn();
      if (isThenable(result)) {
        throw new FlowlineError(
          ErrorCode.PHASE_MISUSE,
          `the callback given to ${type}() returned a promise; it must be synchronous`,
          { actionId: this.record.id },
        );
      }
      return result;
    } finally {
      this.#cursor = previous;
    }
  }
}
