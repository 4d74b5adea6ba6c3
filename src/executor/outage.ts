import { ErrorCode, FlowlineError, toError } from '../errors.js';
import { planNotFound } from '../plan/plan-errors.js';
import { toExecutionPlan } from '../plan/snapshot.js';
import type { TimerHandle } from '../shared/clock.js';
import type { Executions } from './executions.js';
import { PlanRuntime } from './plan-runtime.js';

/** The first wait before a stalled plan is tried again, in ms; it doubles up to the cap. */
const FIRST_RETRY_MS = 100;
/** The longest wait between two tries of a stalled plan, in ms. */
const MAX_RETRY_MS = 5000;

interface Stall {
  readonly rt: PlanRuntime;
  attempt: number;
  timer: TimerHandle;
}

/**
 * Storage outages while plans execute. When the store fails under a plan (after the adapter's own
 * retries), the plan is not dropped: it is **stalled** (see `runtime-mode.ts`): nothing new starts,
 * its `finished` stays pending, and it stays "running here" for every operation. It is tried again
 * with a bounded backoff (100 ms doubling to 5 s, on the world clock) until the store answers:
 * then, once nothing of it is in progress, it is read back from the store and taken into execution
 * afresh, as after a crash: steps whose outcome could not be stored fail with
 * `ABNORMAL_TERMINATION`, saying the store failed (idempotent actions simply run again), the rescue strategy applies (by default the plan pauses
 * with that error, and `resume` continues it), and the waiters of the old execution get the new
 * one's outcome. A plan another world took over meanwhile is let go.
 *
 * @internal
 */
export class Outages {
  readonly #stalls = new Map<string, Stall>();
  /** Plans waiting to be tried again after they could not be taken into execution. */
  readonly #waits = new Set<{ timer: TimerHandle; resolve: (again: boolean) => void }>();

  /**
   * @param begin - takes a runtime read from the store into execution (`repair`: after an outage),
   *   then applies what was asked for while the plan was stalled
   */
  constructor(
    private readonly executions: Executions,
    private readonly begin: (
      rt: PlanRuntime,
      how: 'repair',
      requested: PlanRuntime['requested'],
    ) => Promise<void>,
  ) {}

  /** Whether a failure is the store's (an outage), as opposed to a bug. */
  static isOutage(error: unknown): boolean {
    return error instanceof FlowlineError && error.code === ErrorCode.STORAGE_ERROR;
  }

  /** Stalls a plan whose store failed under it, and starts trying it again. */
  stall(rt: PlanRuntime, error: unknown): void {
    const executions = this.executions;
    if (this.#stalls.has(rt.id)) return;
    executions.ctx.logger.error(
      `storing plan ${rt.id} failed: ${toError(error).message}; the plan is kept and tried again ` +
        'when the store answers',
      { planId: rt.id, error },
    );
    if (rt.canEnter('stalled')) rt.setMode('stalled');
    // A plan that was settling had left the executor: it is back until the store answers.
    executions.running.set(rt.id, rt);
    const stall: Stall = { rt, attempt: 0, timer: undefined };
    this.#stalls.set(rt.id, stall);
    this.#later(stall);
  }

  /**
   * Waits before a plan that could not be taken into execution in an outage is tried again (the
   * same bounded backoff as stalled plans).
   *
   * @param attempt - how many tries failed before this one (0 for the first)
   * @returns `false` when the world closed meanwhile (give up: the plan stays as it is)
   */
  pause(planId: string, attempt: number, error: unknown): Promise<boolean> {
    const { clock, logger } = this.executions.ctx;
    if (attempt === 0) {
      logger.error(
        `starting plan ${planId} failed: ${toError(error).message}; it is tried again when the ` +
          'store answers',
        { planId, error },
      );
    }
    if (this.executions.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = clock.setTimeout(
        () => {
          this.#waits.delete(wait);
          resolve(!this.executions.closed);
        },
        Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt),
      );
      const wait = { timer, resolve };
      this.#waits.add(wait);
    });
  }

  /** Stops trying (the world closes); stalled plans stay as they are in the store. */
  close(): void {
    const clock = this.executions.ctx.clock;
    for (const stall of this.#stalls.values()) clock.clearTimeout(stall.timer);
    this.#stalls.clear();
    for (const wait of this.#waits) {
      clock.clearTimeout(wait.timer);
      wait.resolve(false);
    }
    this.#waits.clear();
  }

  #later(stall: Stall): void {
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** stall.attempt);
    stall.attempt++;
    stall.timer = this.executions.ctx.clock.setTimeout(() => {
      void this.#retry(stall);
    }, delay);
  }

  async #retry(stall: Stall): Promise<void> {
    const executions = this.executions;
    const { rt } = stall;
    if (this.#stalls.get(rt.id) !== stall || executions.closed) return;
    // Calls still in progress end first (their commits may fail too; the plan is read back after).
    if (rt.queued > 0 || rt.active > 0) {
      this.#later(stall);
      return;
    }
    const { adapter, logger, registry, stateChanges } = executions.ctx;
    try {
      // This world held the plan's lock through the outage, unless it was invalidated meanwhile.
      if (!(await executions.lock(rt.id, true))) {
        this.#done(stall);
        executions.running.delete(rt.id);
        rt.reject(
          new FlowlineError(
            ErrorCode.INVALID_PLAN_STATE,
            `plan ${rt.id} was taken over by another world while the store was unreachable`,
            { planId: rt.id },
          ),
        );
        return;
      }
      const stored = await adapter.loadPlan(rt.id);
      if (stored === undefined) throw planNotFound(rt.id);
      if (stored.plan.state !== 'running') {
        // Its settling write went through after all.
        this.#done(stall);
        executions.running.delete(rt.id);
        await executions.unlock(rt.id);
        rt.resolve(toExecutionPlan(stored, false));
        return;
      }
      const fresh = new PlanRuntime(stored, registry, stateChanges());
      fresh.finished.then(rt.resolve, rt.reject);
      executions.running.delete(rt.id);
      await this.begin(fresh, 'repair', rt.requested);
      this.#done(stall);
      logger.info(`plan ${rt.id} taken up again after the store failed under it`, {
        planId: rt.id,
      });
    } catch (error) {
      if (this.#stalls.get(rt.id) !== stall) return;
      const current = executions.running.get(rt.id);
      if (current !== undefined && current !== rt) {
        // The fresh execution had begun when the store failed again: it is the one to stall now.
        this.#done(stall);
        this.stall(current, error);
        return;
      }
      if (!Outages.isOutage(error)) {
        // Not the store: give up on it here, as before outages were handled.
        this.#done(stall);
        executions.running.delete(rt.id);
        logger.error(`could not take plan ${rt.id} up again; it stays as it is in the store`, {
          planId: rt.id,
          error,
        });
        rt.reject(error);
        return;
      }
      if (!executions.running.has(rt.id)) executions.running.set(rt.id, rt);
      this.#later(stall);
    }
  }

  #done(stall: Stall): void {
    if (this.#stalls.get(stall.rt.id) === stall) this.#stalls.delete(stall.rt.id);
  }
}
