import type { StepRecord } from './records.js';

/**
 * The run steps that take each step's output by reference (their `requires` names it), by step id.
 * Steps nobody references are absent.
 *
 * @param steps - every step of a plan
 */
export function dependentsIndex(steps: readonly StepRecord[]): Map<number, number[]> {
  const dependents = new Map<number, number[]>();
  for (const step of steps) {
    for (const required of step.requires ?? []) {
      const list = dependents.get(required);
      if (list === undefined) dependents.set(required, [step.id]);
      else list.push(step.id);
    }
  }
  return dependents;
}

/**
 * What skipping `step` takes with it, as Dynflow's `steps_to_skip`: the run steps that take its
 * output by reference (transitively), and the finalize steps of every action involved. Only steps
 * that never ran (`pending`) are listed; they move to `skipped`. The failed step itself is not
 * listed: it moves to `skipping` (run) or `skipped` (finalize).
 *
 * @param step - a failed run or finalize step
 * @param steps - every step of the plan, indexed by `id - 1`
 * @param finalizeStepOf - the finalize step id of an action, if any
 * @param dependentsOf - run steps whose `requires` names a step (see {@link dependentsIndex})
 */
export function stepsToSkip(
  step: StepRecord,
  steps: readonly StepRecord[],
  finalizeStepOf: (actionId: number) => number | undefined,
  dependentsOf: (stepId: number) => readonly number[],
): StepRecord[] {
  const dependents: StepRecord[] = [];
  if (step.phase !== 'run') return dependents;
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
  return dependents;
}
