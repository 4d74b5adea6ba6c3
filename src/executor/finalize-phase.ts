import { instantiate } from '../action/action.js';
import type { MiddlewareStack } from '../action/middleware.js';
import { compose, middlewareContext, usesHook } from '../action/middleware.js';
import type { ActionClass } from '../action/types.js';
import { serializeError, toError } from '../errors.js';
import { flowStepIds } from '../plan/flow.js';
import { isStepDone } from '../plan/states.js';
import { isoNow } from '../shared/clock.js';
import type { Executions } from './executions.js';
import { scoped } from './executions.js';
import type { PlanRuntime } from './plan-runtime.js';
import type { FinalizeSteps } from './running-steps.js';
import { startsSteps } from './runtime-mode.js';

/**
 * The finalize phase: once every run step succeeded or was skipped, the finalize steps run one by
 * one in the order the actions called `planSelf` (Dynflow's rule), inside the root action's
 * `finalizePhase` middleware when it has one. A failed finalize step applies the rescue strategy
 * like any other; after a resume the whole sequence runs again (see `recovery.ts`).
 *
 * @internal
 */
export class FinalizePhase implements FinalizeSteps {
  /**
   * @param schedule - queues a step of a plan in the worker pool (`RunningSteps.schedule`)
   */
  constructor(
    private readonly executions: Executions,
    private readonly schedule: (rt: PlanRuntime, stepId: number) => void,
  ) {}

  start(rt: PlanRuntime): void {
    if (rt.phase === 'finalize') return;
    rt.phase = 'finalize';
    rt.finalizeOrder = flowStepIds(rt.plan.finalizeFlow);
    const cls = rt.classes[rt.plan.rootActionId - 1];
    const stack = cls === undefined ? undefined : this.executions.ctx.registry.middlewareOf(cls);
    if (cls === undefined || stack === undefined || !usesHook(stack, 'finalizePhase')) {
      this.next(rt);
      return;
    }
    this.#wrap(rt, cls, stack);
  }

  next(rt: PlanRuntime): void {
    if (!startsSteps(rt.mode)) return;
    for (const stepId of rt.finalizeOrder) {
      const state = rt.step(stepId).state;
      if (isStepDone(state)) continue;
      if (state === 'pending') this.schedule(rt, stepId);
      return;
    }
  }

  /**
   * Runs the finalize flow inside the root action's `finalizePhase` middleware. The middleware holds
   * the plan open (it counts as active); its `next()` starts the finalize steps and resolves once
   * they are all done, or once the plan stops scheduling them (a failure pauses it). A middleware
   * that never calls `next` skips the finalize steps; one that throws is logged and noted in the
   * plan's history, and the plan goes on.
   */
  #wrap(rt: PlanRuntime, cls: ActionClass, stack: MiddlewareStack): void {
    const record = rt.action(rt.plan.rootActionId);
    const action = instantiate(cls, {
      planId: rt.id,
      actionId: record.id,
      phase: 'finalize',
      input: record.input,
      output: record.output,
      userContext: this.executions.ctx.userContext,
    });
    let entered = false;
    const core = (): Promise<void> =>
      new Promise<void>((resolve) => {
        entered = true;
        rt.endFinalizePhase = resolve;
        this.next(rt);
        this.executions.afterChange(rt);
      });
    rt.active++;
    compose(
      stack,
      'finalizePhase',
      core,
      middlewareContext(
        { actionClass: cls, action, executionPlanId: rt.id },
        this.executions.ctx.userContext,
      ),
    )().then(
      () => {
        this.#leave(rt, entered, undefined);
      },
      (error: unknown) => {
        // Normalised here: `throw undefined` is a failure too, and the logger can read it.
        this.#leave(rt, entered, toError(error));
      },
    );
  }

  #leave(rt: PlanRuntime, entered: boolean, error: unknown): void {
    const executions = this.executions;
    const ctx = executions.ctx;
    rt.active--;
    rt.endFinalizePhase = undefined;
    if (error !== undefined) {
      ctx.logger.error(`finalizePhase middleware of plan ${rt.id} threw`, { error });
      rt.plan.history.push({
        at: isoNow(ctx.clock),
        event: `finalizePhase middleware failed: ${serializeError(error).message}`,
        worldId: ctx.worldId,
      });
    }
    if (!entered && startsSteps(rt.mode)) {
      // The middleware skipped the finalize phase: its steps will never run.
      const at = isoNow(ctx.clock);
      for (const id of rt.finalizeOrder) {
        const step = rt.step(id);
        if (step.state === 'pending') rt.setStep(step, 'skipped', at);
      }
      void executions
        .commit(rt, {
          steps: scoped(
            rt,
            rt.finalizeOrder.map((id) => rt.step(id)),
          ),
        })
        .then(
          () => {
            executions.afterChange(rt);
          },
          (failure: unknown) => {
            executions.crash(rt, failure);
          },
        );
      return;
    }
    executions.afterChange(rt);
  }
}
