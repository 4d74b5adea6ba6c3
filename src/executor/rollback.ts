import { isCompensable } from '../action/action.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlanRecord, StepRecord } from '../plan/records.js';
import type { Logger } from '../shared/logger.js';
import type { PlanRuntime } from './plan-runtime.js';
import { askToCancel } from './recovery.js';

/*
 * Beginning a rollback (`world.rollback`, or a rescue strategy `rollback`). Everything it changes
 * is written in the one batch that also stores the plan's `compensateFlow`, so a world that
 * recovers the plan after a crash knows to go on compensating, and nothing is half-begun:
 *
 * - suspended run steps are cancelled, after their action's `cancel(false)` when it is
 *   cancellable; run and finalize steps that never ran are cancelled (none of them is compensated:
 *   only a run step that succeeded is);
 * - one `compensate` step is added for every action whose run step succeeded and whose class
 *   defines `compensate()`, in reverse completion order of those run steps: latest `endedAt`
 *   first, ties broken by the higher step id first. Finalize steps are never compensated (a plan
 *   whose run step failed never finalized; after a finalize failure the run steps are still
 *   compensated, finalize steps stay as they are).
 *
 * Failed run steps keep their error: they did not take effect, so nothing undoes them.
 */

/** Whether a plan in `state` with `result` may be rolled back, and why not. */
export function rollbackRefusal(plan: PlanRecord): string | undefined {
  if (plan.state === 'paused') return undefined;
  if (plan.state === 'stopped' && plan.result === 'error') return undefined;
  const what = plan.state === 'stopped' ? `stopped with result ${plan.result}` : plan.state;
  return (
    `plan ${plan.id} is ${what}; only a paused plan or one stopped with result error can be ` +
    'rolled back'
  );
}

/**
 * Throws `INVALID_PLAN_STATE` unless the plan may be rolled back (see {@link rollbackRefusal}).
 */
export function assertRollbackable(plan: PlanRecord): void {
  const refusal = rollbackRefusal(plan);
  if (refusal !== undefined) {
    throw new FlowlineError(ErrorCode.INVALID_PLAN_STATE, refusal, { planId: plan.id });
  }
}

/**
 * Begins the rollback of a plan in execution: cancels what never ran and the suspended steps,
 * adds the compensate steps and sets the plan's compensate flow. A plan whose rollback began
 * already is left as it is (the rollback goes on). Changed and new steps are added to `changed`;
 * the caller writes them with the plan, in one batch.
 */
export async function beginRollback(
  rt: PlanRuntime,
  at: string,
  changed: StepRecord[],
  logger: Logger,
): Promise<void> {
  if (rt.plan.compensateFlow !== undefined) return;
  // Not woken from now on: they are cancelled below.
  rt.suspended.clear();
  if (rt.steps.some((step) => step.phase === 'run' && step.state === 'suspended')) {
    await askToCancel(rt, false, logger);
  }
  for (const step of rt.steps) {
    if (step.phase === 'plan') continue;
    if (step.state === 'pending' || step.state === 'suspended') {
      rt.setStep(step, 'cancelled', at);
      changed.push(step);
    }
  }
  const succeeded = rt.steps
    .filter((step) => {
      const cls = rt.classes[step.actionId - 1];
      return (
        step.phase === 'run' && step.state === 'success' && cls !== undefined && isCompensable(cls)
      );
    })
    .sort(byCompletionDescending);
  const atoms = succeeded.map((run) => {
    const step: StepRecord = {
      id: rt.steps.length + 1,
      actionId: run.actionId,
      className: run.className,
      phase: 'compensate',
      state: 'pending',
      progress: 0,
      progressWeight: 1,
    };
    rt.steps.push(step);
    changed.push(step);
    return { type: 'atom', stepId: step.id } as const;
  });
  rt.plan.compensateFlow = { type: 'sequence', flows: atoms };
}

/** Latest completion first; ties (and a missing time) by the higher step id first. */
function byCompletionDescending(a: StepRecord, b: StepRecord): number {
  const byTime = timeOf(b) - timeOf(a);
  return byTime !== 0 ? byTime : b.id - a.id;
}

function timeOf(step: StepRecord): number {
  const time = step.endedAt === undefined ? Number.NaN : Date.parse(step.endedAt);
  return Number.isNaN(time) ? 0 : time;
}
