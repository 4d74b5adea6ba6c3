import type { StepRecord } from './records.js';
import type { PlanResult } from './states.js';

/**
 * A plan's outcome from its steps, as Dynflow computes it: any cancelled step → `cancelled`; any
 * error → `error`; any skipped or skipping → `warning`; all succeeded → `success`; else `pending`.
 *
 * A plan being rolled back (`compensating`) is judged by its compensate steps alone: any failed →
 * `error`; any still to run → `pending`; else (succeeded, skipped, or cancelled by a halt) →
 * `cancelled`: the rollback is over.
 *
 * @param steps - every step of the plan
 * @param compensating - the plan has a compensate flow (a rollback began)
 */
export function computeResult(steps: readonly StepRecord[], compensating = false): PlanResult {
  if (compensating) return compensationResult(steps);
  let error = false;
  let warning = false;
  let pending = false;
  for (const step of steps) {
    switch (step.state) {
      case 'cancelled':
        return 'cancelled';
      case 'error':
        error = true;
        break;
      case 'skipped':
      case 'skipping':
        warning = true;
        break;
      case 'success':
        break;
      default:
        pending = true;
    }
  }
  if (error) return 'error';
  if (warning) return 'warning';
  return pending ? 'pending' : 'success';
}

function compensationResult(steps: readonly StepRecord[]): PlanResult {
  let pending = false;
  for (const step of steps) {
    if (step.phase !== 'compensate') continue;
    if (step.state === 'error') return 'error';
    if (step.state === 'pending' || step.state === 'running') pending = true;
  }
  return pending ? 'pending' : 'cancelled';
}

/**
 * Weighted mean of the run and finalize steps' progress (done = 1), 0..1 (compensate steps do not
 * count: progress is how far the plan got forward). A plan without such steps
 * is done when it has no pending plan step.
 *
 * @param steps - every step of the plan
 */
export function computeProgress(steps: readonly StepRecord[]): number {
  let total = 0;
  let done = 0;
  for (const step of steps) {
    if (step.phase === 'plan' || step.phase === 'compensate') continue;
    const weight = step.progressWeight;
    total += weight;
    done += weight * (step.state === 'success' || step.state === 'skipped' ? 1 : step.progress);
  }
  if (total === 0) return steps.every((step) => step.state === 'success') ? 1 : 0;
  return done / total;
}
