import { ErrorCode, FlowlineError } from '../errors.js';
import type { ExecutionPlan, JsonValue } from '../plan/records.js';
import { subPlanId } from '../world/sub-plans.js';
import type { World } from '../world/world.js';
import type { MapSpec, StagesSpec } from './compile/plan-stages.js';
import { FLOW_RUN_ACTION } from './compile/flow-run.js';
import type { FlowRun } from './flows-types.js';
import type { RunMetricsBook } from './runtime/metrics.js';
import { resultOf, SKIPPED, stageOutputs } from './runtime/run-results.js';

/** The label of every top-level run of a flow (`world.executionPlans({ label })` finds them). */
export function runLabel(flow: string): string {
  return `flow:${flow}`;
}

/** The spec a flow run's plan started with, or `undefined` when the plan is not a flow run. */
export function runSpec(plan: ExecutionPlan): StagesSpec | undefined {
  const root = plan.actions.find((action) => action.id === plan.rootActionId);
  if (root?.className !== FLOW_RUN_ACTION) return undefined;
  return root.input as unknown as StagesSpec;
}

/** A flow run as `flows.runs` lists it. */
export function toFlowRun(plan: ExecutionPlan): FlowRun | undefined {
  const spec = runSpec(plan);
  if (spec === undefined) return undefined;
  const run: { -readonly [K in keyof FlowRun]: FlowRun[K] } = {
    id: plan.id,
    flow: spec.flow,
    version: spec.version,
    state: plan.state,
    result: plan.result,
  };
  if (plan.startedAt !== undefined) run.startedAt = plan.startedAt;
  if (plan.endedAt !== undefined) run.endedAt = plan.endedAt;
  if (plan.startedAt !== undefined && plan.endedAt !== undefined) {
    run.durationMs = elapsed(plan.startedAt, plan.endedAt);
  }
  const warnings = [...stageOutputs(plan).values()].flatMap((output) => output.warnings ?? []);
  if (warnings.length > 0) run.warnings = warnings;
  return run;
}

/**
 * The output of one stage of a run: its value (`undefined` when a `Filter` skipped it); for a stage
 * inside a `Map`'s segment, the list of its per-item values in item order.
 *
 * @throws FlowlineError `PLAN_NOT_FOUND`, or `STAGE_NOT_FOUND` when the run's flow has no such stage
 */
export async function stageResult(
  world: World<object>,
  runId: string,
  stage: string,
): Promise<JsonValue | undefined> {
  const plan = await world.executionPlan(runId);
  const spec = plan === undefined ? undefined : runSpec(plan);
  if (plan === undefined || spec === undefined) {
    throw new FlowlineError(ErrorCode.PLAN_NOT_FOUND, `flows.result: no flow run ${runId}`, {
      planId: runId,
    });
  }
  const output = stageOutputs(plan).get(stage);
  if (output !== undefined) return output.value;
  for (const action of plan.actions) {
    const map = (action.input as { map?: MapSpec }).map;
    if (map === undefined || !map.stages.some((s) => s.name === stage)) continue;
    const values: JsonValue[] = [];
    const total = (action.output as { total?: number }).total ?? 0;
    for (let i = 0; i < total; i++) {
      const item = await world.executionPlan(
        subPlanId({ planId: plan.id, stepId: action.runStepId ?? 0 }, i),
      );
      const value = item === undefined ? undefined : resultOf(item, [stage]);
      if (value !== undefined && value !== SKIPPED) values.push(value);
    }
    return values;
  }
  throw new FlowlineError(
    ErrorCode.STAGE_NOT_FOUND,
    `flows.result: flow "${spec.flow}" (run ${runId}) has no stage "${stage}"`,
    { planId: runId, details: { flow: spec.flow, stage } },
  );
}

/** Records a stopped run and each of its stages' run steps. */
export function recordRun(book: RunMetricsBook, plan: ExecutionPlan): void {
  const spec = runSpec(plan);
  if (spec === undefined || plan.startedAt === undefined || plan.endedAt === undefined) return;
  const failed = plan.result === 'error' || plan.result === 'cancelled';
  book.recordRun(spec.flow, elapsed(plan.startedAt, plan.endedAt), failed);
  for (const action of plan.actions) {
    const stage = (action.input as { stage?: unknown }).stage;
    const step = action.runStepId === undefined ? undefined : plan.steps[action.runStepId - 1];
    if (typeof stage !== 'string' || step?.startedAt === undefined || step.endedAt === undefined)
      continue;
    if ((action.output as { skipped?: unknown }).skipped !== undefined) continue;
    book.recordStage(
      spec.flow,
      stage,
      elapsed(step.startedAt, step.endedAt),
      step.state === 'error',
    );
  }
}

/** Milliseconds between two stored times; 0 when they are out of order (clocks of two worlds). */
function elapsed(from: string, to: string): number {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
