import { composed } from '../plan/flow.js';
import type { ActionRecord, PlanRecord, StepLogLine, StepRecord } from '../plan/records.js';
import { SCHEMA_VERSION } from '../plan/records.js';
import type { StateListener } from '../plan/transitions.js';
import { changePlanState } from '../plan/transitions.js';

/** The product of the plan phase. @internal */
export interface BuiltPlan {
  readonly plan: PlanRecord;
  readonly actions: ActionRecord[];
  readonly steps: StepRecord[];
  /** Lines the actions wrote to `this.log` in `plan` (on their plan steps), when there are any. */
  readonly logs?: StepLogLine[];
}

/** A new plan record, `pending`, with empty flows. @internal */
export function newPlanRecord(id: string, label: string): PlanRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    id,
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
 * Records a plan to be planned later (`world.delay`, `world.chain`): the plan in state
 * `scheduled`, its root action (no input yet) and the root's plan step in state `scheduling`, as
 * Dynflow does. A `PlanBuilder` given this plan plans it when its time comes.
 *
 * @internal
 */
export function scheduledPlan(
  planId: string,
  label: string,
  className: string,
  deps: { readonly now: () => string; readonly listener: StateListener },
): BuiltPlan {
  const plan = newPlanRecord(planId, label);
  changePlanState(plan, 'scheduled', deps.now(), deps.listener);
  const step: StepRecord = {
    id: 1,
    actionId: 1,
    className,
    phase: 'plan',
    state: 'scheduling',
    progress: 0,
    progressWeight: 1,
  };
  const action: ActionRecord = { id: 1, className, input: {}, output: {}, planStepId: 1 };
  return { plan, actions: [action], steps: [step] };
}
