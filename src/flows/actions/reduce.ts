import { ErrorCode, FlowlineError } from '../../errors.js';
import type { JsonValue } from '../../plan/records.js';
import { subPlanId } from '../../world/sub-plans.js';
import type { ReduceSpec } from '../compile/plan-stages.js';
import { StageAction } from '../stage-action.js';
import { hostOf } from '../runtime/binding.js';
import { resultOf, SKIPPED } from '../runtime/run-results.js';
import type { MapValue } from './map.js';

/** How many item runs a `Reduce` reads from the store at once. */
const READ_AHEAD = 16;

/**
 * `Reduce`: ends the segment its `Map` runs per item, and outputs the items' results as a list, in
 * item order. An item's result is the output of the stage before the `Reduce` (or
 * `{ [stage]: output }` when several lead into it); items whose branch a `Filter` ended are left
 * out. Each item's result stays stored with its own run: the list is assembled here.
 *
 * ```yaml
 * - name: Collect
 *   action: Reduce
 *   props: {}
 *   out: [Publish]
 * ```
 */
export class ReduceStage extends StageAction<Record<string, never>, MapValue, JsonValue[]> {
  static override actionName = 'Reduce';

  /** JSON schema of the props (none yet). */
  static override propsSchema = { type: 'object', additionalProperties: false, properties: {} };

  async process(data: MapValue): Promise<JsonValue[]> {
    const host = hostOf(this);
    const spec = (this.input as { reduce?: ReduceSpec }).reduce;
    if (host === undefined || spec === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `Reduce stage "${this.input.stage}" runs only after a Map, in a Flows`,
        { details: { retryable: false } },
      );
    }
    const parent = { planId: data.planId, stepId: data.stepId };
    const results: JsonValue[] = [];
    for (let from = 0; from < data.items; from += READ_AHEAD) {
      const ids = [];
      for (let i = from; i < Math.min(data.items, from + READ_AHEAD); i++)
        ids.push(subPlanId(parent, i));
      const plans = await Promise.all(ids.map((id) => host.plan(id)));
      for (const [offset, plan] of plans.entries()) {
        if (plan === undefined) {
          throw new FlowlineError(
            ErrorCode.PLAN_NOT_FOUND,
            `Reduce stage "${this.input.stage}": the run of item ${from + offset} of Map "${spec.map}" ` +
              `(${ids[offset] as string}) is not stored`,
            { planId: this.executionPlanId },
          );
        }
        const result = resultOf(plan, spec.terminals, spec.direct ? { map: spec.map } : undefined);
        if (result !== SKIPPED && result !== undefined) results.push(result);
      }
    }
    return results;
  }
}
