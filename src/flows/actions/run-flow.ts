import { SubPlansAction } from '../../action/sub-plans-action.js';
import type { SubPlansOutput } from '../../action/sub-plans-action.js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { JsonValue } from '../../plan/records.js';
import { subPlanId } from '../../world/sub-plans.js';
import { hostOf } from '../runtime/binding.js';
import { resultOf, sinksOf, SKIPPED } from '../runtime/run-results.js';
import { stageData } from '../runtime/run-stage.js';
import type { StageInput, StageOutput } from '../runtime/stage-io.js';

/** The props of a `Run Flow` stage. */
export interface RunFlowProps {
  /** The flow to run. */
  readonly flow: string;
  /** Its input; default the stage's data. */
  readonly input?: JsonValue;
}

/**
 * `Run Flow`: runs another flow (its current version) as a sub-plan with the stage's data as input
 * (or `input`), waits for it, and outputs that run's result: the output of its last stage (or
 * `{ [stage]: output }` when it has several). A failed child run fails the stage
 * (`SUB_PLANS_FAILED`): the run pauses until the child is resumed. Useful for a shared tail or a
 * rollback flow.
 *
 * ```yaml
 * - name: Undo
 *   action: Run Flow
 *   props: { flow: Refund order }
 *   out: []
 * ```
 */
export class RunFlowStage extends SubPlansAction<StageInput, StageOutput & SubPlansOutput> {
  static override actionName = 'Run Flow';

  /** JSON schema of the props. */
  static propsSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['flow'],
    properties: {
      flow: { type: 'string', minLength: 1, description: 'The name of the flow to run.' },
      input: { description: "The child run's input; default the stage's data." },
    },
  };

  override async createSubPlans(): Promise<void> {
    const data = stageData(this.input.source);
    if (data.skipped) {
      this.output.skipped = data.reason;
      return;
    }
    const host = hostOf(this);
    const props = this.input.props as unknown as RunFlowProps;
    if (host === undefined) {
      throw new FlowlineError(ErrorCode.PHASE_MISUSE, 'a Run Flow stage runs only in a Flows');
    }
    const { version, definition } = await host.definitionFor(props.flow);
    this.triggerChild(host.runClass, {
      flow: definition.name,
      version,
      stages: definition.stages,
      input: props.input ?? data.data ?? null,
    });
  }

  override async onFinish(): Promise<void> {
    if (this.output.skipped !== undefined) return;
    const host = hostOf(this);
    const plan = await host?.plan(
      subPlanId({ planId: this.executionPlanId, stepId: this.stepId }, 0),
    );
    if (plan === undefined) return;
    const root = plan.actions[0]?.input as
      { stages?: { name: string; out: string[] }[] } | undefined;
    const result = resultOf(plan, sinksOf(root?.stages ?? []));
    if (result !== SKIPPED && result !== undefined) this.output.value = result;
  }
}
