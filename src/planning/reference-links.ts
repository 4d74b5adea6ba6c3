import { Director } from '../plan/director.js';
import type { ComposedFlow } from '../plan/flow.js';
import type { ActionRecord, StepRecord } from '../plan/records.js';

/** An action whose output references cannot work, and why. @internal */
export interface ReferenceFailure {
  readonly action: ActionRecord;
  readonly message: string;
}

/**
 * Turns output references into `requires` on the referencing run steps.
 *
 * @param references - for each referencing action, the actions whose output it references
 * @returns the first reference to an action without a run step (and so without output)
 * @internal
 */
export function linkReferences(
  actions: readonly ActionRecord[],
  steps: readonly StepRecord[],
  references: ReadonlyMap<number, ReadonlySet<number>>,
): ReferenceFailure | undefined {
  for (const [actionId, targets] of references) {
    const action = actions[actionId - 1] as ActionRecord;
    const requires: number[] = [];
    for (const targetId of targets) {
      const target = actions[targetId - 1] as ActionRecord;
      if (target.runStepId === undefined) {
        return {
          action,
          message:
            `input of ${action.className} (action ${actionId}) references the output of ` +
            `${target.className} (action ${targetId}), which has no run step and so no output`,
        };
      }
      requires.push(target.runStepId);
    }
    if (action.runStepId !== undefined) {
      (steps[action.runStepId - 1] as StepRecord).requires = requires.sort((a, b) => a - b);
    }
  }
  return undefined;
}

/**
 * Dry-runs the run flow: with async planning, references can contradict a sequence (a cycle).
 *
 * @returns the failure when some step could never start
 * @internal
 */
export function checkRunnable(
  runFlow: ComposedFlow,
  actions: readonly ActionRecord[],
  steps: readonly StepRecord[],
): ReferenceFailure | undefined {
  const director = new Director(
    runFlow,
    () => false,
    (id) => steps[id - 1]?.requires,
  );
  const ready = director.start();
  for (let stepId = ready.pop(); stepId !== undefined; stepId = ready.pop()) {
    ready.push(...director.markDone(stepId));
  }
  if (director.finished) return undefined;
  const stuck = steps.find((step) => step.phase === 'run' && step.requires !== undefined);
  const action = actions[(stuck?.actionId ?? 1) - 1] as ActionRecord;
  return {
    action,
    message:
      `the output references of ${action.className} (action ${action.id}) contradict the order ` +
      'of the flow (a step would wait for a step that runs after it)',
  };
}
