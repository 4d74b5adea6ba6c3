import type { PlanRecord, StepRecord } from './records.js';
import type { PlanState, StepState } from './states.js';
import { assertPlanTransition, assertStepTransition } from './states.js';

/** Receives every state change; the world turns them into `plan:state` / `step:state` events. */
export interface StateListener {
  step(planId: string, step: StepRecord): void;
  plan(plan: PlanRecord): void;
}

/**
 * A {@link StateListener} that holds the changes it hears until `flush()`, called once they are
 * stored: nobody hears of a state that is not yet durable. The world's event hub makes them.
 */
export interface StateChanges extends StateListener {
  /** Reports the changes held so far, in order, and forgets them. */
  flush(): void;
}

/**
 * The one function that changes a step's state: asserts the move against the phase's transition
 * table, stamps times, and reports it.
 *
 * @internal
 */
export function changeStepState(
  planId: string,
  step: StepRecord,
  to: StepState,
  at: string,
  listener: StateListener,
): void {
  assertStepTransition(step.phase, step.state, to, { planId, stepId: step.id });
  step.state = to;
  if (to === 'running') {
    step.startedAt ??= at;
    delete step.endedAt;
  } else if (to !== 'pending' && to !== 'skipping') {
    step.endedAt = at;
  }
  if (to === 'success' || to === 'skipped') step.progress = 1;
  else if (to === 'pending') step.progress = 0;
  // A step running again or succeeding sheds its old error; a skipped one keeps it: it says why.
  if (to === 'running' || to === 'pending' || to === 'success') delete step.error;
  listener.step(planId, step);
}

/**
 * The one function that changes a plan's state: asserts the move, stamps times, and reports it.
 *
 * @param rollback - the move starts a rollback (allows `stopped → running`, see `canTransitionPlan`)
 * @internal
 */
export function changePlanState(
  plan: PlanRecord,
  to: PlanState,
  at: string,
  listener: StateListener,
  rollback = false,
): void {
  assertPlanTransition(plan.state, to, plan.id, rollback);
  if (plan.state === 'stopped') delete plan.endedAt;
  plan.state = to;
  if (to === 'planning') plan.startedAt ??= at;
  if (to === 'stopped') plan.endedAt = at;
  listener.plan(plan);
}
