import type { PhaseMethods } from '../action/action.js';
import { instantiate, isCancellable } from '../action/action.js';
import { ErrorCode, FlowlineError, serializeError, toError } from '../errors.js';
import { planNotFound, stepNotFound } from '../plan/plan-errors.js';
import type { ExecutionPlan, StepRecord } from '../plan/records.js';
import { computeResult } from '../plan/result.js';
import { dependentsIndex, stepsToSkip } from '../plan/skip.js';
import type { StateChanges } from '../plan/transitions.js';
import { changePlanState, changeStepState } from '../plan/transitions.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Executions } from './executions.js';
import { executionLock, scoped, takeExecutionLock } from './executions.js';
import { PlanRuntime } from './plan-runtime.js';

/**
 * Getting a plan ready to run again, and stopping plans that are not running: what resume and
 * recovery change before a plan is taken into execution, the cancelling of what never ran, and
 * `skipStep` on a paused plan.
 */

/**
 * Resume (and recovery): skipping steps become skipped. After a finalize step failed, the whole
 * finalize sequence runs again (Dynflow's rule), except when every failed finalize step was only
 * interrupted (by a world that died, or a store that failed: `ABNORMAL_TERMINATION`): then, on a
 * resume only, just those run again, and finalize steps whose success was committed are not
 * repeated. Changed steps are added to `changed`.
 *
 * @param resuming - an operator resumes the plan (as opposed to a world recovering it)
 */
export function prepareResume(
  rt: PlanRuntime,
  at: string,
  changed: StepRecord[],
  resuming: boolean,
): void {
  // In a plan being rolled back, finalize steps stay as they are: they never run again.
  const rollingBack = rt.plan.compensateFlow !== undefined;
  const finalizeFailed = rt.steps.some(
    (s) => s.phase === 'finalize' && s.state === 'error' && !wasInterrupted(s),
  );
  for (const step of rt.steps) {
    if (step.state === 'skipping') {
      rt.setStep(step, 'skipped', at);
      changed.push(step);
    } else if (step.phase !== 'finalize' || rollingBack) {
      continue;
    } else if (
      finalizeFailed
        ? step.state !== 'skipped' && step.state !== 'pending'
        : // An interrupted finalize step runs again only when an operator resumes the plan.
          resuming && step.state === 'error'
    ) {
      rt.setStep(step, 'pending', at);
      changed.push(step);
    }
  }
}

/**
 * The failed steps of a plan left `running` that were only interrupted (`ABNORMAL_TERMINATION`)
 * and whose action is not idempotent: a world failed them and died before their rescue (by
 * default, pausing the plan) was stored. Recovery applies the rescue to them again.
 */
export function interruptedFailures(rt: PlanRuntime): StepRecord[] {
  // In a plan being rolled back only its compensate steps run: older failures are not rescued.
  const rollingBack = rt.plan.compensateFlow !== undefined;
  return rt.steps.filter(
    (step) =>
      step.phase !== 'plan' &&
      (!rollingBack || step.phase === 'compensate') &&
      step.state === 'error' &&
      wasInterrupted(step) &&
      rt.classes[step.actionId - 1]?.idempotent !== true,
  );
}

/** Whether a failed step did not fail by itself: its execution was cut short (crash, outage). */
function wasInterrupted(step: StepRecord): boolean {
  return step.error?.code === ErrorCode.ABNORMAL_TERMINATION;
}

/**
 * Recovery of a plan left `running` by a world that is gone (or by a store that failed under it):
 * the steps it was running fail with ABNORMAL_TERMINATION, except those of
 * idempotent actions, which simply run again. Changed steps are added to `changed`.
 *
 * @returns the interrupted steps of actions that are not idempotent (the rescue strategy applies)
 */
export function failInterrupted(
  rt: PlanRuntime,
  at: string,
  changed: StepRecord[],
  why: 'world gone' | 'storage failed' = 'world gone',
): StepRecord[] {
  const interrupted: StepRecord[] = [];
  for (const step of rt.steps) {
    if (step.state !== 'running') continue;
    const idempotent = rt.classes[step.actionId - 1]?.idempotent === true;
    rt.setStep(step, 'error', at);
    step.error = serializeError(
      why === 'world gone'
        ? new FlowlineError(
            ErrorCode.ABNORMAL_TERMINATION,
            `abnormal termination: the world executing step ${step.id} of plan ${rt.id} stopped ` +
              'while the step ran',
            { planId: rt.id, stepId: step.id },
          )
        : new FlowlineError(
            ErrorCode.ABNORMAL_TERMINATION,
            `abnormal termination: the store failed while step ${step.id} of plan ${rt.id} ran, ` +
              'so how it ended could not be stored (it may have taken effect); resume runs it again',
            { planId: rt.id, stepId: step.id },
          ),
    );
    // An idempotent run or compensate step re-runs from error; a finalize step only from pending.
    if (idempotent && step.phase === 'finalize') rt.setStep(step, 'pending', at);
    if (!idempotent) interrupted.push(step);
    changed.push(step);
  }
  return interrupted;
}

/** Halt: every step that has not run and now never will (and every suspended one) is cancelled. */
export function cancelRemaining(rt: PlanRuntime, at: string): StepRecord[] {
  const cancelled: StepRecord[] = [];
  for (const step of rt.steps) {
    if (step.phase === 'plan') continue;
    if (step.state === 'pending' || step.state === 'suspended') {
      rt.setStep(step, 'cancelled', at);
      cancelled.push(step);
    }
  }
  return cancelled;
}

/** Calls `cancel(force)` of every cancellable action whose run step is running or suspended. */
export async function askToCancel(
  rt: PlanRuntime,
  force: boolean,
  logger: Logger,
  userContext?: unknown,
): Promise<void> {
  for (const step of rt.steps) {
    if (step.phase !== 'run' || (step.state !== 'running' && step.state !== 'suspended')) continue;
    const cls = rt.classes[step.actionId - 1];
    if (cls === undefined || !isCancellable(cls)) continue;
    const record = rt.action(step.actionId);
    const action = instantiate(cls, {
      planId: rt.id,
      actionId: record.id,
      phase: 'cancel',
      input: record.input,
      output: record.output,
      userContext,
    }) as unknown as PhaseMethods;
    try {
      await action.cancel?.(force);
    } catch (error) {
      logger.error(
        `cancel(${String(force)}) of ${record.className} (step ${step.id} of plan ${rt.id}) ` +
          'threw; the step is cancelled anyway',
        { error: toError(error) },
      );
    }
  }
}

/**
 * Halts (or cancels) a planned or paused plan that nothing is executing: it stops, its steps that
 * never ran cancelled; on cancel, its suspended cancellable actions are asked to stop first.
 *
 * @returns the plan, `stopped`
 */
export async function haltIdle(
  executions: Executions,
  planId: string,
  cancel?: { force: boolean },
): Promise<ExecutionPlan> {
  const ctx = executions.ctx;
  if (executions.isExecuting(planId) || !(await executions.lock(planId))) {
    throw new FlowlineError(
      ErrorCode.INVALID_PLAN_STATE,
      `plan ${planId} is being executed by another world; halt it there`,
      { planId },
    );
  }
  try {
    const stored = await executions.loadIdle(
      planId,
      'only running, planned or paused plans can be halted',
    );
    const rt = new PlanRuntime(stored, ctx.registry, ctx.stateChanges());
    rt.setMode(cancel === undefined ? 'halting' : 'cancelling');
    if (cancel !== undefined) await askToCancel(rt, cancel.force, ctx.logger, ctx.userContext);
    const at = isoNow(ctx.clock);
    const steps = cancelRemaining(rt, at);
    rt.refreshOutcome();
    changePlanState(rt.plan, 'stopped', at, rt.events);
    rt.plan.history.push({
      at,
      event: cancel === undefined ? 'halt execution' : 'cancel execution',
      worldId: ctx.worldId,
    });
    await executions.commit(rt, { plans: [rt.plan], steps: scoped(rt, steps) });
    return rt.snapshot();
  } finally {
    await executions.unlock(planId);
  }
}

/** What {@link skipStep} needs. */
export interface SkipStepDeps {
  readonly worldId: string;
  readonly adapter: PersistenceAdapter;
  /**
   * Whether a lock on the plan this world already holds may be taken (it knows nothing here uses
   * it: the executor, which counts the skip as taking the plan).
   */
  readonly retakeOwnLock: boolean;
  readonly clock: Clock;
  /** Reports the state changes once stored. */
  readonly events: StateChanges;
}

/**
 * On a paused plan, marks a failed step to be skipped: a run step becomes `skipping` (then
 * `skipped` on resume) together with the steps that take its output by reference and its action's
 * finalize step; steps that merely follow it still run.
 *
 * @throws FlowlineError `PLAN_NOT_FOUND`, `STEP_NOT_FOUND`, `INVALID_PLAN_STATE` (not paused),
 *   `STEP_NOT_FAILED`
 */
export async function skipStep(deps: SkipStepDeps, id: string, stepId: number): Promise<void> {
  const { adapter, clock, worldId } = deps;
  // Under the plan's execution lock: a resume or another skip of the same plan waits its turn.
  if (!(await takeExecutionLock(adapter, worldId, id, isoNow(clock), deps.retakeOwnLock))) {
    throw new FlowlineError(
      ErrorCode.INVALID_PLAN_STATE,
      `plan ${id} is being executed or changed right now; steps can only be skipped in a paused plan`,
      { planId: id, stepId },
    );
  }
  try {
    await skipUnderLock(deps, id, stepId);
  } finally {
    await adapter.releaseLock(executionLock(id), worldId).catch(() => undefined);
  }
}

async function skipUnderLock(deps: SkipStepDeps, id: string, stepId: number): Promise<void> {
  const { adapter, clock, events } = deps;
  const stored = await adapter.loadPlan(id);
  if (stored === undefined) throw planNotFound(id);
  const step = stored.steps[stepId - 1];
  if (step === undefined) throw stepNotFound(id, stepId);
  if (stored.plan.state !== 'paused') {
    throw new FlowlineError(
      ErrorCode.INVALID_PLAN_STATE,
      `plan ${id} is ${stored.plan.state}; steps can only be skipped in a paused plan`,
      { planId: id, stepId },
    );
  }
  const rollingBack = stored.plan.compensateFlow !== undefined;
  if (
    step.state !== 'error' ||
    step.phase === 'plan' ||
    (rollingBack && step.phase !== 'compensate')
  ) {
    throw new FlowlineError(
      ErrorCode.STEP_NOT_FAILED,
      `step ${stepId} of plan ${id} is a ${step.phase} step in state ${step.state}; ` +
        (rollingBack
          ? 'in a plan being rolled back only failed compensate steps can be skipped'
          : 'only failed run or finalize steps can be skipped'),
      { planId: id, stepId },
    );
  }
  const dependents = dependentsIndex(stored.steps);
  const skipped = stepsToSkip(
    step,
    stored.steps,
    (actionId) => stored.actions[actionId - 1]?.finalizeStepId,
    (required) => dependents.get(required) ?? [],
  );
  const at = isoNow(clock);
  changeStepState(id, step, step.phase === 'run' ? 'skipping' : 'skipped', at, events);
  for (const dependent of skipped) changeStepState(id, dependent, 'skipped', at, events);
  stored.plan.result = computeResult(stored.steps, stored.plan.compensateFlow !== undefined);
  await adapter.write({
    plans: [stored.plan],
    steps: [step, ...skipped].map((record) => ({ planId: id, record })),
  });
  events.flush();
}
