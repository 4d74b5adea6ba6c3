import { ErrorCode, FlowlineError } from '../errors.js';

/*
 * How a plan this world executes is driven, and what decides that it is paused or stopped.
 *
 * A plan in execution has a **mode**. It says whether new steps may start and what the plan becomes
 * once nothing holds it any more. Three counts say what holds a plan (see `PlanRuntime`):
 *
 * - `queued`: step jobs (runs and wake-ups) waiting in the world's worker pool;
 * - `active`: executions holding a worker, plus a `finalizePhase` middleware waiting in `next()`;
 * - `suspended`: run steps waiting for an event; they hold no worker.
 *
 * The modes, and how each is entered:
 *
 * - `running`: the plan starts every step that is ready. Every plan taken into execution (`execute`,
 *   `resume`, `rollback`, recovery after a crash) starts here. It ends `stopped` when the finalize
 *   phase is over; with the run flow done and no finalize step that is at once. In a plan being
 *   rolled back (it has a compensate flow) the ready steps are its compensate steps, one by one, and
 *   it ends `stopped` once they are all done.
 * - `pausing`: entered from `running` by `world.pause`. Nothing new starts; steps running now finish.
 *   Suspended steps do not hold the plan (they keep waiting, events to them are queued): it is
 *   `paused` as soon as nothing is queued or active.
 * - `pausingOnError`: entered from `running` when a failed step's rescue strategy is `pause`.
 *   Nothing new starts; steps running elsewhere in the plan finish, suspended ones are still woken by
 *   their events and may finish too. `paused` once nothing is queued, active or suspended.
 * - `failing`: entered from `running` when the rescue strategy is `fail`. As `pausingOnError`, but
 *   the plan ends `stopped`.
 * - `rollingBack`: entered from `running` when the rescue strategy is `rollback`. Nothing new
 *   starts and suspended steps are not woken; steps running now finish. Once nothing is queued or
 *   active, the rollback begins (`rollback.ts`): what never ran and the suspended steps are
 *   cancelled, the compensate steps are added, and the plan goes back to `running` to run them.
 * - `halting`: entered by `world.halt` from any mode but `cancelling` and `closed`. Nothing new
 *   starts and suspended steps are not woken; running calls see `this.signal` abort. Once nothing is
 *   queued or active the steps that never ran, and the suspended ones, are cancelled and the plan is
 *   `stopped`.
 * - `cancelling`: entered by `world.cancel` from any mode but `closed`. A halt that first asks
 *   cancellable actions to stop; a step that fails meanwhile ends `cancelled`, and the history says
 *   "cancel execution". A later halt leaves it `cancelling`.
 * - `stalled`: entered from any mode but `closed` when the store failed while the plan was being
 *   executed (an outage: see `outage.ts`). Nothing new starts, suspended steps are not woken, and
 *   the plan never settles in this mode: once nothing is queued or active and the store answers
 *   again, the plan is read back from the store and taken into execution afresh.
 * - `closed`: entered from any mode when the world closes, or when executing the plan failed for
 *   a reason other than the store (the plan is dropped from the executor). Nothing new starts; a
 *   plan whose last step finishes is still `stopped`, any other stays as it is in the store for the
 *   next world to recover.
 *
 * Only `setMode` changes a mode, and only along the table below; any other move is a bug.
 * `settlement` is the one place that decides whether a plan is now paused or stopped, and
 * `finalizePhaseOver` when a `finalizePhase` middleware waiting in `next()` may go on.
 */

/** Why a plan in execution is or is not starting steps; see the comment at the top of this file. */
export const RuntimeMode = {
  running: 'running',
  pausing: 'pausing',
  pausingOnError: 'pausingOnError',
  failing: 'failing',
  rollingBack: 'rollingBack',
  halting: 'halting',
  cancelling: 'cancelling',
  stalled: 'stalled',
  closed: 'closed',
} as const;
/** Union of {@link RuntimeMode} values. */
export type RuntimeMode = (typeof RuntimeMode)[keyof typeof RuntimeMode];

const MODE_TRANSITIONS: Readonly<Record<RuntimeMode, readonly RuntimeMode[]>> = {
  running: [
    'pausing',
    'pausingOnError',
    'failing',
    'rollingBack',
    'halting',
    'cancelling',
    'stalled',
    'closed',
  ],
  pausing: ['halting', 'cancelling', 'stalled', 'closed'],
  pausingOnError: ['halting', 'cancelling', 'stalled', 'closed'],
  failing: ['halting', 'cancelling', 'stalled', 'closed'],
  // Back to `running` only to run the compensate steps, once the rollback has begun.
  rollingBack: ['running', 'halting', 'cancelling', 'stalled', 'closed'],
  halting: ['cancelling', 'stalled', 'closed'],
  cancelling: ['stalled', 'closed'],
  stalled: ['closed'],
  closed: [],
};

/** Whether a plan in mode `from` may move to `to`. */
export function canEnterMode(from: RuntimeMode, to: RuntimeMode): boolean {
  return MODE_TRANSITIONS[from].includes(to);
}

/** Asserts a mode change against the table; an illegal one is a bug in the executor. */
export function assertModeChange(planId: string, from: RuntimeMode, to: RuntimeMode): void {
  if (!canEnterMode(from, to)) {
    throw new FlowlineError(
      ErrorCode.ILLEGAL_STATE_TRANSITION,
      `plan ${planId}: the executor cannot go from mode ${from} to ${to}`,
      { planId },
    );
  }
}

/** Whether new steps may start (and finalize steps be scheduled) in this mode. */
export function startsSteps(mode: RuntimeMode): boolean {
  return mode === 'running';
}

/** Whether suspended steps are woken by their events in this mode. */
export function wakesSuspended(mode: RuntimeMode): boolean {
  return (
    mode !== 'halting' &&
    mode !== 'cancelling' &&
    mode !== 'rollingBack' &&
    mode !== 'stalled' &&
    mode !== 'closed'
  );
}

/** What {@link settlement} reads of a plan in execution. */
export interface SettlementInput {
  readonly mode: RuntimeMode;
  readonly queued: number;
  readonly active: number;
  readonly suspendedCount: number;
  /** Whether the run flow is done and the finalize phase has begun. */
  readonly finalizing: boolean;
  /** Whether every finalize step succeeded or was skipped. */
  finalizeDone(): boolean;
  /** Whether the plan runs its compensate steps (a rollback began). */
  readonly compensating: boolean;
  /** Whether every compensate step succeeded or was skipped. */
  compensateDone(): boolean;
  /** Whether every run and finalize step succeeded or was skipped. */
  allStepsDone(): boolean;
}

/**
 * Whether the root action's `finalizePhase` middleware, waiting in `next()`, may go on: only it is
 * left holding the plan (nothing queued, it is the one active execution), and either every
 * finalize step is done or the plan no longer starts steps (a failure, a pause, a halt).
 */
export function finalizePhaseOver(plan: SettlementInput): boolean {
  return plan.queued === 0 && plan.active === 1 && (plan.mode !== 'running' || plan.finalizeDone());
}

/** What a plan becomes once nothing holds it. */
export interface Settlement {
  /** `compensate`: the rollback begins now (the plan goes on running its compensate steps). */
  readonly state: 'paused' | 'stopped' | 'compensate';
  /** Whether the steps that never ran (and suspended ones) are cancelled first (halt, cancel). */
  readonly cancelRemaining: boolean;
}

const PAUSED: Settlement = { state: 'paused', cancelRemaining: false };
const STOPPED: Settlement = { state: 'stopped', cancelRemaining: false };
const STOPPED_CANCELLING: Settlement = { state: 'stopped', cancelRemaining: true };
const COMPENSATE: Settlement = { state: 'compensate', cancelRemaining: false };

/**
 * **What decides that a plan is finished**: whether a plan in execution is now paused or stopped,
 * or `undefined` while it must wait. The rules, in order:
 *
 * 1. A queued or active execution holds every plan. A suspended step holds it too, unless the plan
 *    is `pausing` (a user pause), `halting`, `cancelling` or `rollingBack`: those do not wait for
 *    events.
 * 2. `halting` and `cancelling` → `stopped`, after cancelling what never ran.
 * 3. `closed` → `stopped` only when every step is done; otherwise it stays as it is in the store.
 *    `stalled` never settles here: the outage handling takes the plan up again.
 * 4. `pausing` and `pausingOnError` → `paused`; `failing` → `stopped`; `rollingBack` → the
 *    rollback begins.
 * 5. `running` → `stopped` once the finalize phase has begun and every finalize step is done, or
 *    once every compensate step of a plan being rolled back is done.
 */
export function settlement(plan: SettlementInput): Settlement | undefined {
  const mode = plan.mode;
  if (mode === 'stalled') return undefined;
  const waitsForSuspended =
    mode !== 'pausing' && mode !== 'halting' && mode !== 'cancelling' && mode !== 'rollingBack';
  if (plan.queued > 0 || plan.active > 0 || (waitsForSuspended && plan.suspendedCount > 0)) {
    return undefined;
  }
  switch (mode) {
    case 'halting':
    case 'cancelling':
      return STOPPED_CANCELLING;
    case 'closed':
      return plan.allStepsDone() ? STOPPED : undefined;
    case 'pausing':
    case 'pausingOnError':
      return PAUSED;
    case 'failing':
      return STOPPED;
    case 'rollingBack':
      return COMPENSATE;
    case 'running':
      if (plan.compensating) return plan.compensateDone() ? STOPPED : undefined;
      return plan.finalizing && plan.finalizeDone() ? STOPPED : undefined;
  }
}
