import { Action } from '../../action/action.js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import { hostOf } from '../runtime/binding.js';
import type { StagesSpec } from './plan-stages.js';
import { planStages } from './plan-stages.js';

/** The stored name of the root action of every flow run. */
export const FLOW_RUN_ACTION = 'Flowline::FlowRun';

/**
 * The root action of a flow run (and of each item of a `Map`): its plan phase compiles the flow's
 * stages into the plan, one step per stage. Its input keeps the definition the run started with,
 * so a run is never affected by later versions of its flow.
 *
 * @internal
 */
export class FlowRunAction extends Action<StagesSpec> {
  static override actionName = FLOW_RUN_ACTION;

  override plan(spec: StagesSpec): void {
    const host = hostOf(this);
    if (host === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        'a flow run can only be planned by the Flows of its world (flows.trigger)',
      );
    }
    this.planSelf(spec);
    this.concurrence(() => {
      planStages(this, spec, host);
    });
  }
}
