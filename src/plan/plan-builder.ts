import type { ActionContext, PlanningScope } from '../action/context.js';
import { instantiate, phasesOf } from '../action/action.js';
import { createOutputReference } from '../action/output-reference.js';
import type { ActionRegistry } from '../action/registry.js';
import type { ActionClass, Planned } from '../action/types.js';
import { Director } from '../executor/director.js';
import { ErrorCode, FlowlineError, serializeError, toError } from '../errors.js';
import type { ComposedFlow } from './flow.js';
import { composed, normalizeFlow } from './flow.js';
import type { ActionRecord, JsonObject, PlanRecord, StepRecord } from './records.js';
import { SCHEMA_VERSION } from './records.js';
import { computeResult } from './result.js';
import { toJsonObject } from './serialization.js';
import type { Phase } from './states.js';
import type { StateListener } from './transitions.js';
import { changePlanState, changeStepState } from './transitions.js';

/** What the plan builder needs from its world. @internal */
export interface PlanBuilderDeps {
  readonly registry: ActionRegistry;
  readonly now: () => string;
  readonly listener: StateListener;
}

/** The product of the plan phase. @internal */
export interface BuiltPlan {
  readonly plan: PlanRecord;
  readonly actions: ActionRecord[];
  readonly steps: StepRecord[];
}

type MutableFlow = { type: ComposedFlow['type']; flows: ComposedFlow['flows'] };

/**
 * Runs the plan phase of one execution plan, in memory: calls each action's `plan`, records actions
 * and steps, builds the run and finalize flows, and checks output references. Nothing is stored
 * here; the caller writes the result in one batch, so planning is one transaction.
 *
 * A `plan` that throws leaves its error on that action's plan step; the actions whose `plan` was
 * interrupted by it get a `PLANNING_ABORTED` error, and the plan ends `stopped`/`error`.
 *
 * @internal
 */
export class PlanBuilder {
  readonly #actions: ActionRecord[] = [];
  readonly #steps: StepRecord[] = [];
  readonly #runRoot: MutableFlow = composed('concurrence');
  readonly #finalizeRoot: MutableFlow = composed('sequence');
  readonly #pending = new Set<Promise<void>>();
  readonly #references = new Map<number, Set<number>>();
  readonly #recorded = new WeakSet<object>();
  readonly #plan: PlanRecord;
  #failed = false;
  #closed = false;

  constructor(
    readonly planId: string,
    readonly label: string,
    private readonly deps: PlanBuilderDeps,
  ) {
    this.#plan = {
      schemaVersion: SCHEMA_VERSION,
      id: planId,
      label,
      state: 'pending',
      result: 'pending',
      progress: 0,
      rootActionId: 1,
      runFlow: composed('concurrence'),
      finalizeFlow: composed('sequence'),
      history: [],
    };
  }

  /**
   * Plans `root` with `args` and everything it plans in turn.
   *
   * @returns the plan `planned`, or `stopped`/`error` when planning failed
   */
  async build(root: ActionClass, args: readonly unknown[]): Promise<BuiltPlan> {
    changePlanState(this.#plan, 'planning', this.deps.now(), this.deps.listener);
    try {
      this.#planAction(root, args, this.#runRoot, undefined, undefined);
    } catch (error) {
      if (!this.#recorded.has(toError(error))) throw error;
    }
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    this.#closed = true;
    if (!this.#failed) this.#linkReferences();
    this.#plan.runFlow = normalizeFlow(this.#runRoot, 'concurrence');
    this.#plan.finalizeFlow = normalizeFlow(this.#finalizeRoot, 'sequence');
    if (!this.#failed) this.#checkRunnable();
    // Plan steps stay running until the phase ends: a late failure (a reference) is still theirs.
    for (const step of this.#steps) {
      if (step.phase === 'plan' && step.state === 'running') {
        changeStepState(this.planId, step, 'success', this.deps.now(), this.deps.listener);
      }
    }
    this.#plan.result = computeResult(this.#steps);
    changePlanState(
      this.#plan,
      this.#failed ? 'stopped' : 'planned',
      this.deps.now(),
      this.deps.listener,
    );
    return { plan: this.#plan, actions: this.#actions, steps: this.#steps };
  }

  #planAction(
    cls: ActionClass,
    args: readonly unknown[],
    cursor: MutableFlow,
    parentId: number | undefined,
    trigger: Planned | undefined,
  ): Planned {
    const className = this.deps.registry.nameOf(cls);
    const id = this.#actions.length + 1;
    const planStep = this.#addStep(id, className, 'plan');
    const record: ActionRecord = { id, className, input: {}, output: {}, planStepId: planStep.id };
    if (parentId !== undefined) record.parentId = parentId;
    this.#actions.push(record);
    // Each action gets a slot of its parent's kind where it was planned: after flattening it is as
    // if its steps had been added there directly, yet an async plan() still lands in its place.
    const slot: MutableFlow = composed(cursor.type);
    cursor.flows.push(slot);
    const handle: Planned = Object.freeze({
      id,
      className,
      get input() {
        return record.input;
      },
      output: createOutputReference({ actionId: id, path: [], owner: this }),
    }) as Planned;
    const scope = new ActionPlanningScope(this, cls, record, slot, trigger);
    const context: ActionContext = {
      planId: this.planId,
      actionId: id,
      phase: 'plan',
      get input() {
        return record.input;
      },
      output: record.output,
      planning: scope,
    };
    const action = instantiate(cls, context);
    changeStepState(this.planId, planStep, 'running', this.deps.now(), this.deps.listener);
    let result: unknown;
    try {
      result = action.plan(...args);
    } catch (error) {
      this.#fail(planStep, error);
      throw error;
    }
    if (isThenable(result)) {
      const settled = Promise.resolve(result).then(
        () => {
          try {
            this.#finishAction(cls, slot, args, handle, record);
          } catch (error) {
            // A subscriber failed; its own plan step holds the error already.
            if (!this.#recorded.has(toError(error))) this.#fail(planStep, error);
          }
        },
        (error: unknown) => {
          this.#fail(planStep, error);
        },
      );
      this.#pending.add(settled);
      void settled.finally(() => this.#pending.delete(settled));
    } else {
      this.#finishAction(cls, slot, args, handle, record);
    }
    return handle;
  }

  #finishAction(
    cls: ActionClass,
    slot: MutableFlow,
    args: readonly unknown[],
    handle: Planned,
    record: ActionRecord,
  ): void {
    const subscribers = this.deps.registry.subscribersOf(cls);
    if (subscribers.length === 0) return;
    // Subscribers run concurrently with the flow of the action they subscribe to.
    const own: MutableFlow = { type: slot.type, flows: slot.flows.splice(0) };
    slot.type = 'concurrence';
    slot.flows.push(own);
    for (const subscriber of subscribers) {
      this.#planAction(subscriber, args, slot, record.id, handle);
    }
  }

  #fail(step: StepRecord, thrown: unknown): void {
    this.#failed = true;
    const error = toError(thrown);
    if (step.state !== 'running') return;
    if (this.#recorded.has(error)) {
      step.error = serializeError(
        new FlowlineError(
          ErrorCode.PLANNING_ABORTED,
          `planning of ${step.className} (action ${step.actionId}) stopped because an action it ` +
            `planned failed: ${error.message}`,
          { planId: this.planId, actionId: step.actionId, stepId: step.id },
        ),
      );
    } else {
      step.error = serializeError(error);
      this.#recorded.add(error);
    }
    const detail = step.error;
    changeStepState(this.planId, step, 'error', this.deps.now(), this.deps.listener);
    step.error = detail;
  }

  #addStep(actionId: number, className: string, phase: Phase): StepRecord {
    const step: StepRecord = {
      id: this.#steps.length + 1,
      actionId,
      className,
      phase,
      state: 'pending',
      progress: 0,
      progressWeight: 1,
    };
    this.#steps.push(step);
    return step;
  }

  /** @internal used by {@link ActionPlanningScope} */
  planSelf(cls: ActionClass, record: ActionRecord, cursor: MutableFlow, input: object): void {
    this.#assertOpen('planSelf');
    if (record.runStepId !== undefined || record.finalizeStepId !== undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `planSelf was called twice for ${record.className} (action ${record.id})`,
        { planId: this.planId, actionId: record.id },
      );
    }
    const references = new Set<number>();
    const where = `input of ${record.className} (action ${record.id})`;
    const stored: JsonObject = toJsonObject(input, where, {
      onReference: (target) => {
        if (target.owner !== this) {
          throw new FlowlineError(
            ErrorCode.UNSERIALIZABLE_VALUE,
            `${where}: an output reference from another execution plan cannot be used here`,
            { planId: this.planId, actionId: record.id },
          );
        }
        if (target.actionId === record.id) {
          throw new FlowlineError(
            ErrorCode.UNSERIALIZABLE_VALUE,
            `${where}: an action cannot reference its own output`,
            { planId: this.planId, actionId: record.id },
          );
        }
        references.add(target.actionId);
      },
    });
    record.input = stored;
    if (references.size > 0) this.#references.set(record.id, references);
    const phases = phasesOf(cls);
    if (phases.run) {
      const step = this.#addStep(record.id, record.className, 'run');
      record.runStepId = step.id;
      cursor.flows.push({ type: 'atom', stepId: step.id });
    }
    if (phases.finalize) {
      const step = this.#addStep(record.id, record.className, 'finalize');
      record.finalizeStepId = step.id;
      this.#finalizeRoot.flows.push({ type: 'atom', stepId: step.id });
    }
  }

  /** @internal used by {@link ActionPlanningScope} */
  planChild(
    cls: ActionClass,
    args: readonly unknown[],
    cursor: MutableFlow,
    parentId: number,
  ): Planned {
    this.#assertOpen('planAction');
    return this.#planAction(cls, args, cursor, parentId, undefined);
  }

  #assertOpen(what: string): void {
    if (this.#closed) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${what} was called after the plan phase of plan ${this.planId} ended; ` +
          'await everything your plan() starts',
        { planId: this.planId },
      );
    }
  }

  /** Turns output references into `requires` on the referencing run steps. */
  #linkReferences(): void {
    for (const [actionId, targets] of this.#references) {
      const action = this.#actions[actionId - 1] as ActionRecord;
      const requires: number[] = [];
      for (const targetId of targets) {
        const target = this.#actions[targetId - 1] as ActionRecord;
        if (target.runStepId === undefined) {
          this.#failAfterPlanning(
            action,
            `input of ${action.className} (action ${actionId}) references the output of ` +
              `${target.className} (action ${targetId}), which has no run step and so no output`,
          );
          return;
        }
        requires.push(target.runStepId);
      }
      if (action.runStepId !== undefined) {
        (this.#steps[action.runStepId - 1] as StepRecord).requires = requires.sort((a, b) => a - b);
      }
    }
  }

  /** Dry-runs the flow: with async planning, references can contradict a sequence (a cycle). */
  #checkRunnable(): void {
    const director = new Director(
      this.#plan.runFlow,
      () => false,
      (id) => this.#steps[id - 1]?.requires,
    );
    const ready = director.start();
    for (let stepId = ready.pop(); stepId !== undefined; stepId = ready.pop()) {
      ready.push(...director.markDone(stepId));
    }
    if (director.finished) return;
    const stuck = this.#steps.find((step) => step.phase === 'run' && step.requires !== undefined);
    const action = this.#actions[(stuck?.actionId ?? 1) - 1] as ActionRecord;
    this.#failAfterPlanning(
      action,
      `the output references of ${action.className} (action ${action.id}) contradict the order ` +
        'of the flow (a step would wait for a step that runs after it)',
    );
  }

  #failAfterPlanning(action: ActionRecord, message: string): void {
    const step = this.#steps[action.planStepId - 1] as StepRecord;
    this.#fail(
      step,
      new FlowlineError(ErrorCode.OUTPUT_REFERENCE_UNRESOLVED, message, {
        planId: this.planId,
        actionId: action.id,
      }),
    );
  }
}

/**
 * The planning methods one action instance sees; it remembers where in the flow that action plans.
 *
 * @internal
 */
class ActionPlanningScope implements PlanningScope {
  #cursor: MutableFlow;

  constructor(
    private readonly builder: PlanBuilder,
    private readonly cls: ActionClass,
    private readonly record: ActionRecord,
    slot: MutableFlow,
    readonly trigger: Planned | undefined,
  ) {
    this.#cursor = slot;
  }

  planSelf(input: object): void {
    this.builder.planSelf(this.cls, this.record, this.#cursor, input);
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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
