import { flowStepIds } from '../plan/flow.js';
import { isStepDone } from '../plan/states.js';
import type { PlanRuntime } from './plan-runtime.js';
import { startsSteps } from './runtime-mode.js';

/**
 * The compensate phase of a plan being rolled back: its compensate steps run one by one, in the
 * order of its compensate flow (reverse completion order of the run steps they undo; see
 * `rollback.ts`). A compensate step that fails after its retries pauses the plan; a resume (or
 * another `rollback`) runs it again, and `skipStep` skips it. The plan stops, result `cancelled`,
 * once every compensate step succeeded or was skipped (`runtime-mode.ts`).
 *
 * No middleware hook wraps the phase or its steps. A compensate step is called through
 * `invokePhase` (step-runner.ts) like a run step, so it gets the same `ActionContext` (and
 * `this.context`, the world's services).
 *
 * @internal
 */
export class CompensatePhase {
  /**
   * @param schedule - queues a step of a plan in the worker pool (`RunningSteps.schedule`)
   */
  constructor(private readonly schedule: (rt: PlanRuntime, stepId: number) => void) {}

  /** Begins the phase for a plan that has a compensate flow, and schedules its next step. */
  start(rt: PlanRuntime): void {
    const flow = rt.plan.compensateFlow;
    if (flow === undefined || rt.phase === 'compensate') return;
    rt.phase = 'compensate';
    rt.compensateOrder = flowStepIds(flow);
    this.next(rt);
  }

  /** Schedules the first compensate step not done yet, if it may run (one at a time). */
  next(rt: PlanRuntime): void {
    if (!startsSteps(rt.mode)) return;
    for (const stepId of rt.compensateOrder) {
      const state = rt.step(stepId).state;
      if (isStepDone(state)) continue;
      if (state === 'pending' || state === 'error') this.schedule(rt, stepId);
      return;
    }
  }
}
