import type { StepRecord } from './records.js';
import type { PlanResult } from './states.js';

/**
 * A plan's outcome from its steps, as Dynflow computes it: any cancelled step → `cancelled`; any
 * error → `error`; any skipped or skipping → `warning`; all succeeded → `success`; else `pending`.
 *
 * @param steps - every step of the plan
 */
export function computeResult(steps: readonly StepRecord[]): PlanResult {
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

/**
 * Weighted mean of the run and finalize steps' progress (done = 1), 0..1. A plan without such steps
 * is done when it has no pending plan step.
 *
 * @param steps - every step of the plan
 */
export function computeProgress(steps: readonly StepRecord[]): number {
  let total = 0;
  let done = 0;
  for (const step of steps) {
    if (step.phase === 'plan') continue;
    const weight = step.progressWeight;
    total += weight;
    done += weight * (step.state === 'success' || step.state === 'skipped' ? 1 : step.progress);
  }
  if (total === 0) return steps.every((step) => step.state === 'success') ? 1 : 0;
  return done / total;
}
