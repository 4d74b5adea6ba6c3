import type { ActionClass } from '../action/types.js';
import type { ActionRegistry } from '../action/registry.js';
import type { Director } from '../plan/director.js';
import { actionNotRegistered, newerSchema, stepNotFound } from '../plan/plan-errors.js';
import type {
  ActionRecord,
  ExecutionPlan,
  PlanRecord,
  StepRecord,
  StoredPlan,
} from '../plan/records.js';
import { computeProgress, computeResult } from '../plan/result.js';
import { hasStoredReferences } from '../plan/serialization.js';
import { dependentsIndex } from '../plan/skip.js';
import { toExecutionPlan } from '../plan/snapshot.js';
import { isStepDone } from '../plan/states.js';
import type { StepState } from '../plan/states.js';
import type { StateChanges } from '../plan/transitions.js';
import { changeStepState } from '../plan/transitions.js';
import type { SettlementInput } from './runtime-mode.js';
import { RuntimeMode, assertModeChange, canEnterMode } from './runtime-mode.js';

/**
 * The in-memory state of one plan while this world executes it: its records (changed in place and
 * written through the adapter), its director, its mode, and the counts that say what holds it.
 * `runtime-mode.ts` explains the modes and the rules that read these counts.
 *
 * @internal
 */
export class PlanRuntime implements SettlementInput {
  readonly plan: PlanRecord;
  readonly actions: ActionRecord[];
  readonly steps: StepRecord[];
  readonly classes: ActionClass[];
  /** Per action: whether its input holds output references (resolved before it runs). */
  readonly hasReferences: boolean[];
  /** Steps that reference a step's output, by that step (absent when no step does). */
  readonly #dependents: Map<number, number[]> | undefined;
  /** What runs next in the run flow; set once the plan is taken into execution. */
  director: Director | undefined;
  #mode: RuntimeMode = RuntimeMode.running;
  #cancelRequested = false;
  /**
   * `finalize` once the run flow is done and the finalize steps run, one by one; `compensate` once
   * a rollback began and the compensate steps run, one by one.
   */
  phase: 'run' | 'finalize' | 'compensate' = 'run';
  /** The finalize steps in the order they run (set when the finalize phase begins). */
  finalizeOrder: number[] = [];
  /** The compensate steps in the order they run (set when the compensate phase begins). */
  compensateOrder: number[] = [];
  /** Step jobs (runs and wake-ups) waiting in the worker pool. */
  queued = 0;
  /** Executions holding a worker, plus a `finalizePhase` middleware waiting in `next()`. */
  active = 0;
  /** Suspended run steps (holding no worker). */
  readonly suspended = new Set<number>();
  #waking: Set<number> | undefined;
  #rewake: Set<number> | undefined;
  #inbox: Map<number, number> | undefined;
  /**
   * An operation asked for while the plan was stalled by a storage outage: applied once the plan
   * is taken up again (the strongest wins: cancel, then halt, then pause).
   */
  requested:
    { readonly kind: 'pause' | 'halt' } | { readonly kind: 'cancel'; force: boolean } | undefined;
  /** While `finalizePhase` middleware waits in `next()`: ends it once the finalize flow is over. */
  endFinalizePhase: (() => void) | undefined;
  /** Aborted by `world.halt`; made on first use (most plans never need it). */
  #halted: AbortController | undefined;
  /** Settles with the plan once it is paused or stopped. */
  readonly finished: Promise<ExecutionPlan>;
  resolve!: (plan: ExecutionPlan) => void;
  reject!: (error: unknown) => void;

  /**
   * @param stored - a plan as loaded from the store
   * @param registry - the world's actions: every action of the plan must be registered
   * @param events - collects the plan's state changes until they are stored
   * @throws FlowlineError `INVALID_PLAN` (newer schema) or `ACTION_NOT_REGISTERED`
   */
  constructor(
    stored: StoredPlan,
    registry: ActionRegistry,
    readonly events: StateChanges,
  ) {
    this.plan = stored.plan;
    const newer = newerSchema(stored.plan.id, stored.plan.schemaVersion);
    if (newer !== undefined) throw newer;
    this.actions = stored.actions;
    this.steps = stored.steps;
    this.classes = this.actions.map((action) => {
      const cls = registry.classOf(action.className);
      if (cls === undefined) throw actionNotRegistered(this.plan.id, action);
      return cls;
    });
    this.hasReferences = this.actions.map((action) => hasStoredReferences(action.input));
    const dependents = dependentsIndex(this.steps);
    if (dependents.size > 0) this.#dependents = dependents;
    this.finished = new Promise<ExecutionPlan>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Callers may ignore `finished`; an infrastructure failure must not become unhandled.
    this.finished.catch(() => {});
  }

  get id(): string {
    return this.plan.id;
  }

  /** How the plan is driven now (see `runtime-mode.ts`). */
  get mode(): RuntimeMode {
    return this.#mode;
  }

  /** Whether the plan has been cancelled: a step failing from now on ends `cancelled`. */
  get cancelRequested(): boolean {
    return this.#cancelRequested;
  }

  /** Whether the plan may move to mode `to` now. */
  canEnter(to: RuntimeMode): boolean {
    return canEnterMode(this.#mode, to);
  }

  /** The one place a mode changes; an illegal move throws. */
  setMode(to: RuntimeMode): void {
    assertModeChange(this.id, this.#mode, to);
    this.#mode = to;
    if (to === 'cancelling') this.#cancelRequested = true;
  }

  /**
   * Notes an operation asked for while the plan is stalled (see {@link PlanRuntime.requested}).
   *
   * @returns whether the plan is stalled (the operation then waits for it to be taken up again)
   */
  requestWhileStalled(request: NonNullable<PlanRuntime['requested']>): boolean {
    if (this.#mode !== 'stalled') return false;
    const rank = { pause: 0, halt: 1, cancel: 2 } as const;
    const current = this.requested;
    if (current === undefined || rank[request.kind] >= rank[current.kind]) this.requested = request;
    return true;
  }

  /** Changes a step's state, reported once the plan's next write is stored. */
  setStep(step: StepRecord, to: StepState, at: string): void {
    changeStepState(this.plan.id, step, to, at, this.events);
  }

  get suspendedCount(): number {
    return this.suspended.size;
  }

  get finalizing(): boolean {
    return this.phase === 'finalize';
  }

  finalizeDone(): boolean {
    return this.finalizeOrder.every((id) => isStepDone(this.step(id).state));
  }

  get compensating(): boolean {
    return this.phase === 'compensate';
  }

  compensateDone(): boolean {
    return this.compensateOrder.every((id) => isStepDone(this.step(id).state));
  }

  allStepsDone(): boolean {
    if (this.compensating) return this.compensateDone();
    return this.steps.every((s) => s.phase === 'plan' || isStepDone(s.state));
  }

  // The collections below are made on first use: a plan waiting for an event holds thousands of
  // bytes less, and most plans never use them.

  /** Suspended steps with a wake-up scheduled. */
  get waking(): Set<number> {
    return (this.#waking ??= new Set());
  }

  /** Steps asked to wake while a wake-up was already under way: it must look again. */
  get rewake(): Set<number> {
    return (this.#rewake ??= new Set());
  }

  /** Events accepted and not yet delivered, per step. */
  get inbox(): Map<number, number> {
    return (this.#inbox ??= new Map());
  }

  /** How many events accepted for a step are not yet delivered. */
  inboxCount(stepId: number): number {
    return this.#inbox?.get(stepId) ?? 0;
  }

  /** Aborted when the plan is halted: the running calls' `this.signal` follows it. */
  get haltSignal(): AbortSignal {
    return (this.#halted ??= new AbortController()).signal;
  }

  /** Aborts {@link PlanRuntime.haltSignal} with `reason`. */
  halt(reason: unknown): void {
    (this.#halted ??= new AbortController()).abort(reason);
  }

  step(stepId: number): StepRecord {
    const step = this.steps[stepId - 1];
    if (step === undefined) throw stepNotFound(this.id, stepId);
    return step;
  }

  action(actionId: number): ActionRecord {
    return this.actions[actionId - 1] as ActionRecord;
  }

  dependentsOf(stepId: number): readonly number[] {
    return this.#dependents?.get(stepId) ?? [];
  }

  /** Recomputes the plan's result and progress from its steps. */
  refreshOutcome(): void {
    this.plan.result = computeResult(this.steps, this.plan.compensateFlow !== undefined);
    this.plan.progress = computeProgress(this.steps);
  }

  /** A detached snapshot of the plan as it stands. */
  snapshot(): ExecutionPlan {
    return toExecutionPlan({ plan: this.plan, actions: this.actions, steps: this.steps }, true);
  }

  /**
   * The plan as it ended, built from the runtime's own records without copying them: only for the
   * settled runtime, which nothing changes any more (it has left the executor).
   */
  release(): ExecutionPlan {
    return toExecutionPlan({ plan: this.plan, actions: this.actions, steps: this.steps }, false);
  }
}
