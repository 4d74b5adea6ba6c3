import type { ActionClass, RescueStrategy } from '../action/types.js';
import { instantiate } from '../action/action.js';
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
import type { ActionRegistry } from '../action/registry.js';
import type { StateChanges } from '../plan/transitions.js';
import type { Logger } from '../shared/logger.js';
import type { Director } from '../plan/director.js';

/** Why a running plan is not scheduling normally. @internal */
export type RuntimeMode = 'run' | 'pause' | 'fail' | 'halt' | 'closed';

/**
 * The in-memory state of one plan while this world executes it: its records (mutated in place and
 * written through the adapter), the director, and the counters that tell when the plan is idle.
 *
 * @internal
 */
export class PlanRuntime {
  readonly plan: PlanRecord;
  readonly actions: ActionRecord[];
  readonly steps: StepRecord[];
  readonly classes: ActionClass[];
  readonly hasReferences: boolean[];
  /** Steps that reference a step's output, by that step (absent when no step does). */
  #dependents: Map<number, number[]> | undefined;
  director: Director | undefined;
  mode: RuntimeMode = 'run';
  phase: 'run' | 'finalize' = 'run';
  finalizeOrder: number[] = [];
  /** Jobs queued in the worker pool, not yet started. */
  queued = 0;
  /** Step executions in progress (holding a worker). */
  active = 0;
  /** Suspended run steps (holding no worker). */
  readonly suspended = new Set<number>();
  #waking: Set<number> | undefined;
  #rewake: Set<number> | undefined;
  #inbox: Map<number, number> | undefined;
  /** Set by `world.pause`: the plan pauses as soon as no step is running (suspended ones wait). */
  userPause = false;
  /** While `finalizePhase` middleware waits in `next()`: ends it once the finalize flow is over. */
  endFinalizePhase: (() => void) | undefined;
  /** Set by `world.cancel`: a halt that also asks cancellable actions to stop. */
  cancelRequested = false;
  /** Aborted by `world.halt`; made on first use (most plans never need it). */
  #halted: AbortController | undefined;
  readonly finished: Promise<ExecutionPlan>;
  resolve!: (plan: ExecutionPlan) => void;
  reject!: (error: unknown) => void;

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
    if (step === undefined) {
      throw stepNotFound(this.id, stepId);
    }
    return step;
  }

  action(actionId: number): ActionRecord {
    return this.actions[actionId - 1] as ActionRecord;
  }

  dependentsOf(stepId: number): readonly number[] {
    return this.#dependents?.get(stepId) ?? [];
  }

  /** Whether nothing of this plan is queued, running or suspended. */
  get idle(): boolean {
    return this.queued === 0 && this.active === 0 && this.suspended.size === 0;
  }

  /** The action's own rescue strategy; an action whose `rescueStrategy` throws pauses. */
  rescueStrategyOf(actionId: number, logger: Logger): RescueStrategy {
    const record = this.action(actionId);
    try {
      const action = instantiate(this.classes[actionId - 1] as ActionClass, {
        planId: this.id,
        actionId,
        phase: 'rescue',
        input: record.input,
        output: record.output,
      });
      const strategy: unknown = action.rescueStrategy();
      if (strategy === 'pause' || strategy === 'skip' || strategy === 'fail') return strategy;
      logger.warn(`rescueStrategy() of ${record.className} returned ${String(strategy)}; pausing`);
    } catch (error) {
      logger.error(`rescueStrategy() of ${record.className} threw; pausing`, { error });
    }
    return 'pause';
  }

  /** Recomputes the plan's result and progress from its steps. */
  refreshOutcome(): void {
    this.plan.result = computeResult(this.steps);
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
