import { ErrorCode, FlowlineError, toError } from '../errors.js';
import { planNotFound } from '../plan/plan-errors.js';
import type { StepLogLine, StepRecord, StoredPlan } from '../plan/records.js';
import { changePlanState } from '../plan/transitions.js';
import type { PersistenceAdapter, PlanScoped, WriteBatch } from '../persistence/adapter.js';
import { isoNow } from '../shared/clock.js';
import type { ExecutorContext } from './executor.js';
import type { PlanRuntime } from './plan-runtime.js';
import { cancelRemaining } from './recovery.js';
import type { Settlement } from './runtime-mode.js';
import { finalizePhaseOver, settlement } from './runtime-mode.js';

/**
 * The plans this world executes, and what every part of the executor does to them: take and release
 * their execution locks, commit their changes, and settle them (paused or stopped) once the rules
 * in `runtime-mode.ts` say so.
 *
 * @internal
 */
export class Executions {
  /** Plans being executed here, by id. */
  readonly running = new Map<string, PlanRuntime>();
  /** Plans being taken into execution (locked, loading), with the promise of that take. */
  readonly #starting = new Map<string, Promise<unknown>>();
  /** Plan-level writes of plans that just paused or stopped. */
  readonly #settling = new Set<Promise<void>>();
  /** Aborted by close(): retries waiting for their backoff give up at once. */
  readonly #closing = new AbortController();
  /** Plans whose execution lock this world let go of but may still hold (the release failed). */
  readonly #unreleased = new Set<string>();

  /**
   * Takes a failure of a plan's execution before {@link Executions.crash} gives up on the plan:
   * returns `true` when it took care of it (a storage outage: see `outage.ts`).
   */
  onFailure: ((rt: PlanRuntime, error: unknown) => boolean) | undefined;

  /** Begins the rollback of a plan whose rescue strategy is `rollback` (see `rollback.ts`). */
  onRollback: ((rt: PlanRuntime) => void) | undefined;

  constructor(readonly ctx: ExecutorContext) {}

  /** Aborted once the world closes. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Whether the world is closing: no plan is taken into execution any more. */
  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /**
   * Reserves a plan for execution here: takes its lock and counts it as being taken into
   * execution, so operations on it wait ({@link Executions.started}) until `starting` takes it.
   *
   * @returns `undefined` when another world holds the lock
   */
  async reserve(planId: string): Promise<ReservationEntry | undefined> {
    if (!(await this.lock(planId))) return undefined;
    let settle!: () => void;
    const promise = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const entry: ReservationEntry = {
      planId,
      settle: () => {
        if (this.#starting.get(planId) === promise) this.#starting.delete(planId);
        settle();
      },
      release: async () => {
        entry.settle();
        if (!this.running.has(planId)) await this.unlock(planId);
      },
    };
    this.#starting.set(planId, promise);
    return entry;
  }

  /** Whether this world executes the plan now, or is taking it into execution. */
  isExecuting(planId: string): boolean {
    return this.running.has(planId) || this.#starting.has(planId);
  }

  /**
   * Runs `take` while the plan counts as being taken into execution (so nothing else takes it).
   */
  async starting<T>(
    planId: string,
    take: () => Promise<T>,
    reservation?: ReservationEntry,
  ): Promise<T> {
    const taking = take();
    this.#starting.set(planId, taking);
    try {
      return await taking;
    } finally {
      if (this.#starting.get(planId) === taking) this.#starting.delete(planId);
      // Operations that waited on the reservation go on once the take has ended.
      reservation?.settle();
    }
  }

  /**
   * When the plan is being taken into execution here, a promise that resolves once that has ended
   * (whether it worked or not): an operation on the plan then finds it running here, or not at
   * all. `undefined` otherwise, so an operation on a running plan stays synchronous.
   */
  started(planId: string): Promise<void> | undefined {
    return this.#starting.get(planId)?.then(noop, noop);
  }

  /**
   * Takes the plan's execution lock; `false` when another world holds it. A lock this world may
   * still hold on a plan it let go of (its release failed, e.g. in a storage outage) is taken
   * again; so is any lock of this world when `retakeOwn` says nothing here uses it.
   */
  async lock(planId: string, retakeOwn = this.#unreleased.has(planId)): Promise<boolean> {
    const ctx = this.ctx;
    const taken = await takeExecutionLock(
      ctx.adapter,
      ctx.worldId,
      planId,
      isoNow(ctx.clock),
      retakeOwn,
    );
    if (taken) this.#unreleased.delete(planId);
    return taken;
  }

  /** Releases the plan's execution lock; a failure is logged (the lock dies with this world). */
  async unlock(planId: string): Promise<void> {
    const ctx = this.ctx;
    try {
      await ctx.adapter.releaseLock(executionLock(planId), ctx.worldId);
      this.#unreleased.delete(planId);
    } catch (error) {
      this.#unreleased.add(planId);
      ctx.logger.error(`could not release the execution lock of plan ${planId}`, { error });
    }
  }

  /** Whether this world may still hold the plan's lock although it let go of the plan. */
  mayHoldStaleLock(planId: string): boolean {
    return this.#unreleased.has(planId);
  }

  /** A stored plan that is `planned` or `paused` (nothing executes it); clear errors otherwise. */
  async loadIdle(planId: string, rule: string): Promise<StoredPlan> {
    const stored = await this.ctx.adapter.loadPlan(planId);
    if (stored === undefined) throw planNotFound(planId);
    if (stored.plan.state !== 'planned' && stored.plan.state !== 'paused') {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is ${stored.plan.state}; ${rule}`,
        { planId },
      );
    }
    return stored;
  }

  /**
   * Writes a batch, then the step log lines of the execution it ends (only a call that wrote to
   * `this.log` costs a second round trip), then emits the buffered state events: a listener that
   * reads the step's log on its `step:state` event finds the lines.
   */
  async commit(rt: PlanRuntime, batch: WriteBatch, logs?: readonly StepLogLine[]): Promise<void> {
    try {
      await this.ctx.adapter.write(batch);
    } catch (error) {
      throw error instanceof FlowlineError
        ? error
        : new FlowlineError(
            ErrorCode.STORAGE_ERROR,
            `storing plan ${rt.id} failed: ${toError(error).message}`,
            { planId: rt.id, cause: error },
          );
    }
    if (logs !== undefined) await this.#appendLogs(rt, logs);
    rt.events.flush();
  }

  /** Stores a step's log lines; a failure is reported, never allowed to fail the plan. */
  async #appendLogs(rt: PlanRuntime, lines: readonly StepLogLine[]): Promise<void> {
    try {
      await this.ctx.adapter.appendLogs(lines);
    } catch (error) {
      this.ctx.logger.error(
        `could not store ${lines.length} log line(s) of step ${lines[0]?.stepId ?? '?'} of plan ` +
          `${rt.id}; they are lost`,
        { planId: rt.id, error },
      );
    }
  }

  /**
   * Called after anything that may have freed the plan: lets a waiting `finalizePhase` middleware
   * go on, or settles the plan, as the rules in `runtime-mode.ts` decide.
   */
  afterChange(rt: PlanRuntime): void {
    if (!this.running.has(rt.id)) return;
    const end = rt.endFinalizePhase;
    if (end !== undefined && finalizePhaseOver(rt)) {
      rt.endFinalizePhase = undefined;
      end();
      return;
    }
    const outcome = settlement(rt);
    if (outcome !== undefined) this.#settle(rt, outcome);
  }

  /** Stores the plan paused or stopped, lets go of it, and resolves its `finished`. */
  #settle(rt: PlanRuntime, outcome: Settlement): void {
    if (outcome.state === 'compensate') {
      // Not settled: the rollback begins, and the plan goes on running its compensate steps.
      this.onRollback?.(rt);
      return;
    }
    const ctx = this.ctx;
    this.running.delete(rt.id);
    const at = isoNow(ctx.clock);
    const steps: StepRecord[] = outcome.cancelRemaining ? cancelRemaining(rt, at) : [];
    rt.refreshOutcome();
    changePlanState(rt.plan, outcome.state, at, rt.events);
    rt.plan.history.push({ at, event: historyEvent(rt, outcome), worldId: ctx.worldId });
    const settled = this.commit(rt, { plans: [rt.plan], steps: scoped(rt, steps) }).then(
      async () => {
        await this.unlock(rt.id);
        rt.resolve(rt.release());
      },
      (error: unknown) => {
        this.crash(rt, error);
      },
    );
    this.#settling.add(settled);
    void settled.finally(() => this.#settling.delete(settled));
  }

  /**
   * An infrastructure failure while executing a plan. A storage outage stalls the plan until the
   * store answers; anything else stops driving the plan and reports it to whoever awaits it.
   */
  crash(rt: PlanRuntime, error: unknown): void {
    if (!this.closed && this.onFailure?.(rt, error) === true) return;
    this.ctx.logger.error(`executing plan ${rt.id} failed`, { error });
    if (rt.mode !== 'closed') rt.setMode('closed');
    this.running.delete(rt.id);
    rt.reject(error);
    void this.unlock(rt.id);
  }

  /**
   * Stops taking plans; every plan still here is `closed` (starts nothing more). Call
   * {@link Executions.release} once the steps in progress are done.
   */
  close(): void {
    this.#closing.abort();
    for (const rt of this.running.values()) {
      if (rt.mode !== 'closed') rt.setMode('closed');
    }
  }

  /** After close: waits for settling writes, then rejects what is left with `WORLD_CLOSED`. */
  async release(): Promise<void> {
    await Promise.allSettled([...this.#settling]);
    this.abandon();
  }

  /** Lets go of every plan still here at once: each `finished` rejects with `WORLD_CLOSED`. */
  abandon(): void {
    if (!this.closed) this.close();
    for (const rt of this.running.values()) {
      rt.reject(
        new FlowlineError(
          ErrorCode.WORLD_CLOSED,
          `the world closed while plan ${rt.id} was ${rt.plan.state}; it stays so in the store`,
          { planId: rt.id },
        ),
      );
    }
    this.running.clear();
  }
}

/** A reservation as {@link Executions} keeps it. @internal */
export interface ReservationEntry {
  readonly planId: string;
  /** Ends the reservation's wait (the plan is now executing, or was let go). */
  settle(): void;
  /** Lets the plan go without executing it: ends the wait and releases the lock. */
  release(): Promise<void>;
}

/** The history line of a settled plan. */
function historyEvent(rt: PlanRuntime, outcome: Settlement): string {
  if (outcome.state === 'paused') return 'pause execution';
  if (rt.mode === 'cancelling') return 'cancel execution';
  if (rt.mode === 'halting') return 'halt execution';
  return 'finish execution';
}

/** The name of the lock a world holds on a plan while it executes or changes it. */
export function executionLock(planId: string): string {
  return `execution-plan:${planId}`;
}

/**
 * Takes a plan's execution lock for `worldId`: `true` when it now holds it, `false` when it is
 * held already.
 *
 * @param retakeOwn - whether a lock this world already holds counts as taken: only for a caller
 *   that knows nothing in this world uses it (a stale lock whose release failed, e.g. in a storage
 *   outage)
 */
export async function takeExecutionLock(
  adapter: PersistenceAdapter,
  worldId: string,
  planId: string,
  at: string,
  retakeOwn: boolean,
): Promise<boolean> {
  const key = executionLock(planId);
  if (await adapter.acquireLock({ key, ownerId: worldId, planId, acquiredAt: at })) return true;
  if (!retakeOwn) return false;
  const own = await adapter.findLocks(worldId);
  return own.some((lock) => lock.key === key);
}

/** Step records of a plan, as a write batch takes them. */
export function scoped(rt: PlanRuntime, steps: readonly StepRecord[]): PlanScoped<StepRecord>[] {
  return steps.map((record) => ({ planId: rt.id, record }));
}

function noop(): void {}
