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
    checkSpec(spec);
    this.planSelf(spec);
    this.concurrence(() => {
      planStages(this, spec, host);
    });
  }
}

/** Refuses a run spec that is not what `Flows` plans (a damaged record, a hand-made trigger). */
function checkSpec(spec: unknown): asserts spec is StagesSpec {
  const value = spec as Partial<StagesSpec> | undefined;
  const fine =
    typeof value === 'object' &&
    typeof value.flow === 'string' &&
    typeof value.version === 'number' &&
    Array.isArray(value.stages) &&
    value.stages.every(
      (stage: unknown) =>
        typeof stage === 'object' &&
        stage !== null &&
        typeof (stage as { name?: unknown }).name === 'string' &&
        typeof (stage as { action?: unknown }).action === 'string' &&
        Array.isArray((stage as { out?: unknown }).out),
    );
  if (!fine) {
    throw new FlowlineError(
      ErrorCode.INVALID_PLAN,
      'a flow run must be started by flows.trigger: its input is not a flow run spec ' +
        '{ flow, version, stages, input }',
    );
  }
}
