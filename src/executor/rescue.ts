import type { RescueStrategy } from '../action/types.js';
import type { StepRecord } from '../plan/records.js';

/**
 * Combines the rescue strategies of the actions that have a failed step: all `skip` → skip, all
 * `fail` → fail, anything else → pause. (Deliberately simpler than Dynflow: no root override.)
 *
 * @param strategies - one per action with a failed step
 */
export function combineStrategies(strategies: readonly RescueStrategy[]): RescueStrategy {
  if (strategies.length > 0 && strategies.every((s) => s === 'skip')) return 'skip';
  if (strategies.length > 0 && strategies.every((s) => s === 'fail')) return 'fail';
  return 'pause';
}

/** The steps skipping a failed step takes with it, and the state each moves to. */
export interface SkipPlan {
  /** The failed step itself moves to `skipping` (run) or `skipped` (finalize). */
  readonly failed: StepRecord;
  /** Steps that never ran and now never will: `pending` → `skipped`. */
  readonly dependents: StepRecord[];
}

/**
 * What skipping `step` implies, as Dynflow's `steps_to_skip`: the run steps that take its output by
 * reference (transitively), and the finalize steps of every action involved.
 *
 * @param step - a failed run or finalize step
 * @param steps - every step of the plan, indexed by `id - 1`
 * @param finalizeStepOf - the finalize step id of an action, if any
 * @param dependentsOf - run steps whose `requires` names a step
 */
export function planSkip(
  step: StepRecord,
  steps: readonly StepRecord[],
  finalizeStepOf: (actionId: number) => number | undefined,
  dependentsOf: (stepId: number) => readonly number[],
): SkipPlan {
  const dependents: StepRecord[] = [];
  if (step.phase !== 'run') return { failed: step, dependents };
  const seen = new Set<number>([step.id]);
  const queue: StepRecord[] = [step];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    const finalizeId = finalizeStepOf(current.actionId);
    const finalize = finalizeId === undefined ? undefined : steps[finalizeId - 1];
    if (finalize !== undefined && finalize.state === 'pending' && !seen.has(finalize.id)) {
      seen.add(finalize.id);
      dependents.push(finalize);
    }
    for (const dependentId of dependentsOf(current.id)) {
      const dependent = steps[dependentId - 1];
      if (dependent === undefined || seen.has(dependentId) || dependent.state !== 'pending')
        continue;
      seen.add(dependentId);
      dependents.push(dependent);
      queue.push(dependent);
    }
  }
  return { failed: step, dependents };
}
