import type { ExecutionPlan, JsonObject, JsonValue } from '../../plan/records.js';
import { FLOW_RUN_ACTION } from '../compile/flow-run.js';
import type { StageOutput } from './stage-io.js';

/** Marks a result left out: a `Filter` ended that branch. @internal */
export const SKIPPED: unique symbol = Symbol('flowline.flows.skipped');

/**
 * The stored output of each stage of a flow run's plan, by stage name (stages planned in that
 * plan only: a Map's items are plans of their own).
 *
 * @internal
 */
export function stageOutputs(plan: ExecutionPlan): Map<string, StageOutput> {
  const outputs = new Map<string, StageOutput>();
  for (const action of plan.actions) {
    if (action.className === FLOW_RUN_ACTION) continue;
    const stage = (action.input as { stage?: unknown }).stage;
    if (typeof stage === 'string') outputs.set(stage, action.output);
  }
  return outputs;
}

/**
 * The result of a run (or of one item of a Map) as seen from the stages listed: the value of the
 * one stage, or `{ [stage]: value }` for several; {@link SKIPPED} when a listed stage was skipped.
 *
 * @param item - for a Map item whose Map feeds the Reduce directly: the item, under the Map's name
 * @internal
 */
export function resultOf(
  plan: ExecutionPlan,
  stages: readonly string[],
  item?: { readonly map: string },
): JsonValue | undefined | typeof SKIPPED {
  const outputs = stageOutputs(plan);
  const root = plan.actions.find((action) => action.className === FLOW_RUN_ACTION);
  const input = (root?.input as { input?: JsonValue } | undefined)?.input;
  if (stages.length === 0) return input;
  const values: JsonObject = {};
  for (const stage of stages) {
    const output = outputs.get(stage);
    if (output?.skipped !== undefined) return SKIPPED;
    if (output?.value !== undefined) values[stage] = output.value;
  }
  if (item !== undefined && input !== undefined) values[item.map] = input;
  if (stages.length === 1 && item === undefined) return values[stages[0] as string];
  return values;
}

/**
 * The stages of a flow no stage follows (its sinks): a run's result is theirs.
 *
 * @internal
 */
export function sinksOf(
  stages: readonly { readonly name: string; readonly out: readonly string[] }[],
): string[] {
  return stages.filter((stage) => stage.out.length === 0).map((stage) => stage.name);
}
