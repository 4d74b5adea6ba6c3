import { ErrorCode, FlowlineError } from '../errors.js';

/**
 * Lifecycle of an execution plan. Outcome is kept apart, in {@link PlanResult}.
 *
 * - `pending`: created, nothing done yet.
 * - `scheduled`: a delayed plan waiting for its start time.
 * - `planning`: the plan phase is running.
 * - `planned`: the plan phase finished; nothing has run yet.
 * - `running`: run or finalize steps are being executed (suspended steps keep a plan here).
 * - `paused`: execution stopped after a failure or on request; `resume` continues it.
 * - `stopped`: final; see the result for the outcome.
 */
export const PlanState = {
  pending: 'pending',
  scheduled: 'scheduled',
  planning: 'planning',
  planned: 'planned',
  running: 'running',
  paused: 'paused',
  stopped: 'stopped',
} as const;
/** Union of {@link PlanState} values. */
export type PlanState = (typeof PlanState)[keyof typeof PlanState];

/** Outcome of an execution plan: `pending` until the plan has an outcome. */
export const PlanResult = {
  pending: 'pending',
  success: 'success',
  warning: 'warning',
  error: 'error',
  cancelled: 'cancelled',
} as const;
/** Union of {@link PlanResult} values. */
export type PlanResult = (typeof PlanResult)[keyof typeof PlanResult];

/**
 * State of one step. Plan steps use `scheduling…error`; run steps add `suspended` and `skipping`.
 * - `skipping`: an operator chose to skip a failed step; it becomes `skipped` when the plan resumes.
 */
export const StepState = {
  scheduling: 'scheduling',
  pending: 'pending',
  running: 'running',
  success: 'success',
  suspended: 'suspended',
  skipping: 'skipping',
  skipped: 'skipped',
  error: 'error',
  cancelled: 'cancelled',
} as const;
/** Union of {@link StepState} values. */
export type StepState = (typeof StepState)[keyof typeof StepState];

/**
 * The phase a step belongs to. `compensate` steps exist only in a plan being rolled back
 * (`world.rollback`, rescue strategy `'rollback'`): one per action whose run step succeeded and that
 * defines `compensate()`, added to the plan when the rollback begins.
 */
export type Phase = 'plan' | 'run' | 'finalize' | 'compensate';

type Table<S extends string> = Readonly<Record<S, readonly S[]>>;

/** Dynflow's `ExecutionPlan.state_transitions`. */
export const planTransitions: Table<PlanState> = {
  pending: ['stopped', 'scheduled', 'planning'],
  scheduled: ['planning', 'stopped'],
  planning: ['planned', 'stopped'],
  planned: ['running', 'stopped'],
  running: ['paused', 'stopped'],
  paused: ['running', 'stopped'],
  stopped: [],
};

/** Dynflow's `PlanStep.state_transitions`. */
export const planStepTransitions: Table<StepState> = {
  scheduling: ['pending', 'error', 'cancelled'],
  pending: ['running', 'error', 'cancelled'],
  running: ['success', 'error', 'cancelled'],
  success: [],
  suspended: [],
  skipping: [],
  skipped: [],
  error: [],
  cancelled: [],
};

/** Dynflow's `RunStep.state_transitions` (plus `cancelled`, reached by cancellation). */
export const runStepTransitions: Table<StepState> = {
  scheduling: [],
  pending: ['running', 'skipped', 'error', 'cancelled'],
  running: ['success', 'error', 'suspended', 'cancelled'],
  success: ['suspended'],
  suspended: ['running', 'error', 'cancelled'],
  skipping: ['error', 'skipped'],
  skipped: [],
  error: ['skipping', 'running'],
  cancelled: [],
};

/** Dynflow's `FinalizeStep.state_transitions` (plus `pending → cancelled`, for halt and cancel). */
export const finalizeStepTransitions: Table<StepState> = {
  scheduling: [],
  pending: ['running', 'skipped', 'cancelled'],
  running: ['success', 'error'],
  success: ['pending'],
  suspended: [],
  skipping: [],
  skipped: [],
  error: ['pending', 'skipped'],
  cancelled: [],
};

/**
 * Compensate steps (no Dynflow counterpart; shaped like a run step without suspension): a failed
 * one runs again on resume (`error → running`) or is skipped by an operator (`error → skipped`);
 * one that never ran is cancelled by halt and cancel.
 */
export const compensateStepTransitions: Table<StepState> = {
  scheduling: [],
  pending: ['running', 'cancelled'],
  running: ['success', 'error'],
  success: [],
  suspended: [],
  skipping: [],
  skipped: [],
  error: ['running', 'skipped'],
  cancelled: [],
};

const stepTables: Readonly<Record<Phase, Table<StepState>>> = {
  plan: planStepTransitions,
  run: runStepTransitions,
  finalize: finalizeStepTransitions,
  compensate: compensateStepTransitions,
};

/**
 * Whether a step of `phase` may move from `from` to `to`.
 *
 * @param phase - the step's phase
 * @param from - current state
 * @param to - wanted state
 */
export function canTransitionStep(phase: Phase, from: StepState, to: StepState): boolean {
  return stepTables[phase][from].includes(to);
}

/**
 * Throws `ILLEGAL_STATE_TRANSITION` unless a step of `phase` may move from `from` to `to`. An illegal
 * move is a bug in the engine, never a user error, so this fails loudly.
 */
export function assertStepTransition(
  phase: Phase,
  from: StepState,
  to: StepState,
  where: { planId: string; stepId: number },
): void {
  if (!canTransitionStep(phase, from, to)) {
    throw new FlowlineError(
      ErrorCode.ILLEGAL_STATE_TRANSITION,
      `illegal ${phase} step transition ${from} → ${to} (plan ${where.planId}, step ${where.stepId})`,
      where,
    );
  }
}

/**
 * Whether a plan may move from `from` to `to`. Beyond Dynflow's table, one move is allowed for a
 * rollback only: a plan `stopped` with an error goes back to `running` to run its compensations
 * (`world.rollback`); the caller checks the result.
 *
 * @param rollback - the move starts a rollback
 */
export function canTransitionPlan(from: PlanState, to: PlanState, rollback = false): boolean {
  return planTransitions[from].includes(to) || (rollback && from === 'stopped' && to === 'running');
}

/**
 * Throws `ILLEGAL_STATE_TRANSITION` unless a plan may move from `from` to `to` (see
 * {@link canTransitionPlan}).
 */
export function assertPlanTransition(
  from: PlanState,
  to: PlanState,
  planId: string,
  rollback = false,
): void {
  if (!canTransitionPlan(from, to, rollback)) {
    throw new FlowlineError(
      ErrorCode.ILLEGAL_STATE_TRANSITION,
      `illegal execution plan transition ${from} → ${to} (plan ${planId})`,
      { planId },
    );
  }
}

/** Step states that count as done for the flow: the step will not run again unless resumed. */
export function isStepDone(state: StepState): boolean {
  return state === 'success' || state === 'skipped';
}

/**
 * Whether a step takes events: a run step that is suspended, or running (the event then waits until
 * it suspends).
 */
export function acceptsEvents(step: { readonly phase: Phase; readonly state: StepState }): boolean {
  return step.phase === 'run' && (step.state === 'suspended' || step.state === 'running');
}
