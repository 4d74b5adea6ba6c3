import type { ActionContext } from '../action/context.js';
import { instantiate, phasesOf } from '../action/action.js';
import { compose, middlewareContext, usesHook } from '../action/middleware.js';
import { createOutputReference } from '../action/output-reference.js';
import type { StepLog } from '../action/step-log.js';
import { StepLogBuffer } from '../action/step-log.js';
import { stepOptionsOf } from '../action/step-options.js';
import type { ActionRegistry } from '../action/registry.js';
import type { ActionClass, Planned } from '../action/types.js';
import { ErrorCode, FlowlineError, serializeError, toError } from '../errors.js';
import { composed, normalizeFlow } from '../plan/flow.js';
import type {
  ActionRecord,
  JsonObject,
  PlanRecord,
  StepLogLine,
  StepRecord,
} from '../plan/records.js';
import { computeResult } from '../plan/result.js';
import { toJsonObject } from '../plan/serialization.js';
import type { Phase } from '../plan/states.js';
import type { StateListener } from '../plan/transitions.js';
import { changePlanState, changeStepState } from '../plan/transitions.js';
import { isThenable } from '../shared/is-thenable.js';
import { checkPlannedInput } from './input-check.js';
import type { BuiltPlan } from './plan-record.js';
import { newPlanRecord } from './plan-record.js';
import type { MutableFlow, PlanningHost } from './planning-scope.js';
import { ActionPlanningScope } from './planning-scope.js';
import type { ReferenceFailure } from './reference-links.js';
import { checkRunnable, linkReferences } from './reference-links.js';

export type { BuiltPlan } from './plan-record.js';

/** What the plan builder needs from its world. @internal */
export interface PlanBuilderDeps {
  readonly registry: ActionRegistry;
  readonly now: () => string;
  readonly listener: StateListener;
  /** The world's `context` option, which actions read as `this.context`. */
  readonly userContext?: unknown;
}

/** Options of {@link PlanBuilder.build}. @internal */
export interface BuildOptions {
  /**
   * Refuse to plan the root action: its plan step fails with this error and its `plan` is not
   * called (a singleton action whose lock is held elsewhere).
   */
  readonly refuse?: Error;
}

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
export class PlanBuilder implements PlanningHost {
  readonly #actions: ActionRecord[] = [];
  readonly #steps: StepRecord[] = [];
  readonly #runRoot: MutableFlow = composed('concurrence');
  readonly #finalizeRoot: MutableFlow = composed('sequence');
  readonly #pending = new Set<Promise<void>>();
  readonly #references = new Map<number, Set<number>>();
  readonly #recorded = new WeakSet<object>();
  /** Lines written to `this.log` in plan(), shared by every action of this plan. */
  readonly #logs: StepLogLine[] = [];
  readonly #plan: PlanRecord;
  /** The root plan step of a scheduled plan, waiting in `scheduling` to be planned. */
  #scheduledRootStep: StepRecord | undefined;
  #refusal: Error | undefined;
  #failed = false;
  #closed = false;

  /**
   * @param scheduled - a plan stored in state `scheduled` (`world.delay`, `world.chain`): its plan
   *   record (history, id, label) and root plan step are reused instead of new ones
   */
  constructor(
    readonly planId: string,
    readonly label: string,
    private readonly deps: PlanBuilderDeps,
    scheduled?: BuiltPlan,
  ) {
    if (scheduled !== undefined) {
      const rootStep = scheduled.steps[0];
      if (
        scheduled.plan.id !== planId ||
        scheduled.plan.state !== 'scheduled' ||
        rootStep?.phase !== 'plan' ||
        rootStep.state !== 'scheduling'
      ) {
        throw new FlowlineError(
          ErrorCode.INVALID_PLAN_STATE,
          `plan ${scheduled.plan.id} is ${scheduled.plan.state}; only a scheduled plan waiting ` +
            'to be planned can be planned from its delayed record',
          { planId: scheduled.plan.id },
        );
      }
      this.#plan = scheduled.plan;
      this.#scheduledRootStep = rootStep;
      return;
    }
    this.#plan = newPlanRecord(planId, label);
  }

  /**
   * Plans `root` with `args` and everything it plans in turn.
   *
   * @returns the plan `planned`, or `stopped`/`error` when planning failed
   */
  async build(
    root: ActionClass,
    args: readonly unknown[],
    options: BuildOptions = {},
  ): Promise<BuiltPlan> {
    this.#refusal = options.refuse;
    changePlanState(this.#plan, 'planning', this.deps.now(), this.deps.listener);
    const planRoot = async (): Promise<void> => {
      try {
        this.#planAction(root, args, this.#runRoot, undefined, undefined);
      } catch (error) {
        // Failures of plan() are recorded where they happened; anything else is the root's.
        const rootStep = this.#steps[0];
        if (rootStep === undefined) throw error;
        if (!this.#recorded.has(toError(error))) this.#fail(rootStep, error);
      }
      while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    };
    const stack = this.deps.registry.middlewareOf(root);
    if (usesHook(stack, 'planPhase')) {
      let failure: Error | undefined;
      try {
        await compose(
          stack,
          'planPhase',
          planRoot,
          middlewareContext(
            { actionClass: root, action: undefined, executionPlanId: this.planId },
            this.deps.userContext,
          ),
        )();
      } catch (error) {
        failure = toError(error);
      }
      if (this.#actions.length === 0) {
        // The middleware never let the root be planned: the failure still sits on its plan step.
        this.#refusal =
          failure ??
          new FlowlineError(
            ErrorCode.INVALID_ACTION,
            `planPhase middleware of ${this.label} did not call next(): nothing was planned`,
            { planId: this.planId },
          );
        await planRoot();
      } else if (failure !== undefined && !this.#recorded.has(failure)) {
        // Planning a failure is data: it goes on the root plan step, the plan stops with error.
        this.#fail(this.#steps[0] as StepRecord, failure);
      }
    } else {
      await planRoot();
    }
    this.#closed = true;
    if (!this.#failed) {
      this.#failAfterPlanning(linkReferences(this.#actions, this.#steps, this.#references));
    }
    this.#plan.runFlow = normalizeFlow(this.#runRoot, 'concurrence');
    this.#plan.finalizeFlow = normalizeFlow(this.#finalizeRoot, 'sequence');
    if (!this.#failed) {
      this.#failAfterPlanning(checkRunnable(this.#plan.runFlow, this.#actions, this.#steps));
    }
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
    const built: BuiltPlan = { plan: this.#plan, actions: this.#actions, steps: this.#steps };
    return this.#logs.length === 0 ? built : { ...built, logs: this.#logs };
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
    const planStep = this.#takeScheduledRootStep(id) ?? this.#addStep(id, className, 'plan');
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
      userContext: this.deps.userContext,
    };
    const refusal = id === 1 ? this.#refusal : undefined;
    if (refusal !== undefined) {
      // Refused before its plan() is called: the error sits on the root plan step.
      changeStepState(this.planId, planStep, 'running', this.deps.now(), this.deps.listener);
      throw this.#fail(planStep, refusal);
    }
    changeStepState(this.planId, planStep, 'running', this.deps.now(), this.deps.listener);
    let result: unknown;
    let async: boolean;
    try {
      const action = instantiate(cls, context);
      const stack = this.deps.registry.middlewareOf(cls);
      result = usesHook(stack, 'plan')
        ? compose(
            stack,
            'plan',
            async (given: readonly unknown[]) => {
              await action.plan(...given);
            },
            middlewareContext(
              { actionClass: cls, action, executionPlanId: this.planId },
              this.deps.userContext,
            ),
          )(args)
        : action.plan(...args);
      async = isThenable(result);
    } catch (error) {
      // What propagates is the normalised error: the parents that planned this action see the
      // very error recorded here (even for `throw null`), and record PLANNING_ABORTED.
      throw this.#fail(planStep, error);
    }
    if (async) {
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

  /**
   * Records a failure of planning on `step` (when it is still running) and returns the error as
   * recorded: the thrown value normalised to an `Error` (see `toError`), which the caller throws on
   * so that every action above sees the same object and knows it is already recorded.
   */
  #fail(step: StepRecord, thrown: unknown): Error {
    this.#failed = true;
    const error = toError(thrown);
    if (step.state !== 'running') {
      this.#recorded.add(error);
      return error;
    }
    if (this.#recorded.has(error)) {
      step.error = serializeError(
        new FlowlineError(
          ErrorCode.PLANNING_ABORTED,
          `planning of ${step.className} (action ${step.actionId}) stopped because an action it ` +
            `planned failed: ${serializeError(error).message}`,
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
    return error;
  }

  /** The root plan step of a scheduled plan, moved from `scheduling` to `pending`. */
  #takeScheduledRootStep(actionId: number): StepRecord | undefined {
    const step = this.#scheduledRootStep;
    if (step === undefined || actionId !== 1) return undefined;
    this.#scheduledRootStep = undefined;
    this.#steps.push(step);
    changeStepState(this.planId, step, 'pending', this.deps.now(), this.deps.listener);
    return step;
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

  /** @internal */
  planSelf(
    cls: ActionClass,
    record: ActionRecord,
    cursor: MutableFlow,
    input: object,
    weight?: (phase: 'run' | 'finalize') => unknown,
  ): void {
    this.#assertOpen('planSelf');
    // A bad static timeout / retry fails the planning of this action (INVALID_ACTION).
    stepOptionsOf(cls, record.className);
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
    this.#checkInput(cls, record, stored);
    if (references.size > 0) this.#references.set(record.id, references);
    const phases = phasesOf(cls);
    // Weighed once the input is set, before any step is added.
    const runWeight = phases.run && weight !== undefined ? checkWeight(weight, 'run', record) : 1;
    const finalizeWeight =
      phases.finalize && weight !== undefined ? checkWeight(weight, 'finalize', record) : 1;
    if (phases.run) {
      const step = this.#addStep(record.id, record.className, 'run');
      step.progressWeight = runWeight;
      record.runStepId = step.id;
      cursor.flows.push({ type: 'atom', stepId: step.id });
    }
    if (phases.finalize) {
      const step = this.#addStep(record.id, record.className, 'finalize');
      step.progressWeight = finalizeWeight;
      record.finalizeStepId = step.id;
      this.#finalizeRoot.flows.push({ type: 'atom', stepId: step.id });
    }
  }

  /**
   * Checks the input against the class's `static input`; a mismatch fails the action's plan step
   * with `INVALID_INPUT` (recorded before it is thrown, so a `plan()` that catches it cannot hide
   * it). An async schema is awaited before the plan phase ends.
   */
  #checkInput(cls: ActionClass, record: ActionRecord, stored: JsonObject): void {
    const planStep = this.#steps[record.planStepId - 1] as StepRecord;
    const at = { className: record.className, planId: this.planId, actionId: record.id };
    const keep = (value: JsonObject): void => {
      if (value !== stored) {
        record.input = toJsonObject(value, `input of ${record.className} (action ${record.id})`);
      }
    };
    let checked: JsonObject | Promise<JsonObject> | undefined;
    try {
      checked = checkPlannedInput(cls, stored, at);
      if (checked !== undefined && !(checked instanceof Promise)) keep(checked);
    } catch (error) {
      throw this.#fail(planStep, error);
    }
    if (!(checked instanceof Promise)) return;
    const settled = checked.then(keep).catch((error: unknown) => {
      this.#fail(planStep, error);
    });
    this.#pending.add(settled);
    void settled.finally(() => this.#pending.delete(settled));
  }

  /** @internal the log of an action's plan step */
  planLog(stepId: number): StepLog {
    return new StepLogBuffer(this.planId, stepId, this.deps.now, this.#logs);
  }

  /** @internal */
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

  #failAfterPlanning(failure: ReferenceFailure | undefined): void {
    if (failure === undefined) return;
    const { action, message } = failure;
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

/** An action's `progressWeight(phase)`, which must be a finite number ≥ 0. */
function checkWeight(
  weight: (phase: 'run' | 'finalize') => unknown,
  phase: 'run' | 'finalize',
  record: ActionRecord,
): number {
  const value = weight(phase);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FlowlineError(
      ErrorCode.INVALID_ACTION,
      `progressWeight('${phase}') of ${record.className} (action ${record.id}) must return a ` +
        `finite number ≥ 0, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
      { actionId: record.id },
    );
  }
  return value;
}
