import { ErrorCode, FlowlineError } from '../errors.js';
import { Director } from '../plan/director.js';
import { planNotFound } from '../plan/plan-errors.js';
import type { ExecutionPlan, StepRecord } from '../plan/records.js';
import { isStepDone } from '../plan/states.js';
import { changePlanState } from '../plan/transitions.js';
import type { EventEnvelope } from '../persistence/adapter.js';
import { isoNow } from '../shared/clock.js';
import type { Executor, ExecutorContext, Reservation } from './executor.js';
import type { ReservationEntry } from './executions.js';
import { Executions, scoped } from './executions.js';
import { CompensatePhase } from './compensate-phase.js';
import { FinalizePhase } from './finalize-phase.js';
import { Outages } from './outage.js';
import { PlanRuntime } from './plan-runtime.js';
import {
  askToCancel,
  failInterrupted,
  haltIdle,
  interruptedFailures,
  prepareResume,
  skipStep,
} from './recovery.js';
import { assertRollbackable, beginRollback } from './rollback.js';
import { RunningSteps } from './running-steps.js';
import { startsSteps } from './runtime-mode.js';

/** The history line of a plan taken into execution, by how. */
const HISTORY_EVENT = {
  start: 'start execution',
  recover: 'recover execution',
  repair: 'recover execution after a storage failure',
  rollback: 'rollback execution',
} as const;

/**
 * The default executor. Independent branches of a plan run concurrently, at most `concurrency`
 * steps at once across the world's plans; each step's state and output are committed before any
 * step that depends on it starts.
 *
 * It is a façade over the parts named for what they do:
 * - `executions.ts`: the plans executed here, their locks, commits, and settling them;
 * - `runtime-mode.ts`: how a plan is driven, and what decides it is paused or stopped;
 * - `running-steps.ts`: the worker pool, running steps, delivering events, rescue;
 * - `finalize-phase.ts`: the finalize steps, in order, inside `finalizePhase` middleware;
 * - `rollback.ts` and `compensate-phase.ts`: beginning a rollback, and its compensate steps;
 * - `recovery.ts`: resume preparation, interrupted steps, halting plans nobody executes.
 *
 * @internal
 */
export class ParallelExecutor implements Executor {
  #executions: Executions | undefined;
  #steps: RunningSteps | undefined;
  #finalize: FinalizePhase | undefined;
  #compensate: CompensatePhase | undefined;
  #outages: Outages | undefined;

  async start(context: ExecutorContext): Promise<void> {
    const executions = new Executions(context);
    this.#executions = executions;
    this.#finalize = new FinalizePhase(executions, (rt, stepId) => {
      this.#running().schedule(rt, stepId);
    });
    const compensate = new CompensatePhase((rt, stepId) => {
      this.#running().schedule(rt, stepId);
    });
    this.#compensate = compensate;
    this.#steps = new RunningSteps(executions, this.#finalize, compensate);
    executions.onRollback = (rt) => {
      this.#rollBackInPlace(rt).catch((error: unknown) => {
        executions.crash(rt, error);
      });
    };
    const outages = new Outages(executions, async (rt, how, requested) => {
      await this.#begin(rt, how);
      // What was asked for while the plan was stalled is done now (its caller awaits the plan).
      const done =
        requested?.kind === 'cancel'
          ? this.cancel(rt.id, requested.force)
          : requested?.kind === 'halt'
            ? this.halt(rt.id)
            : requested?.kind === 'pause'
              ? this.pause(rt.id)
              : undefined;
      done?.catch(() => undefined);
    });
    this.#outages = outages;
    executions.onFailure = (rt, error) => {
      if (!Outages.isOutage(error)) return false;
      outages.stall(rt, error);
      return true;
    };
  }

  async reserve(planId: string): Promise<Reservation | undefined> {
    const executions = this.#ctx();
    if (executions.closed) throw new FlowlineError(ErrorCode.WORLD_CLOSED, 'the world is closed');
    return executions.reserve(planId);
  }

  async execute(
    planId: string,
    reservation?: Reservation,
    taken?: (plan: ExecutionPlan) => void,
  ): Promise<ExecutionPlan> {
    const executions = this.#ctx();
    const reserved = reservation as ReservationEntry | undefined;
    if (executions.closed) {
      await reserved?.release();
      throw new FlowlineError(ErrorCode.WORLD_CLOSED, 'the world is closed');
    }
    if (reserved === undefined && executions.isExecuting(planId)) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is already being executed`,
        { planId },
      );
    }
    const take = (): Promise<PlanRuntime> =>
      executions.starting(
        planId,
        async () => {
          const lock = reserved !== undefined || (await executions.lock(planId));
          try {
            if (!lock) {
              throw new FlowlineError(
                ErrorCode.INVALID_PLAN_STATE,
                `plan ${planId} is being executed by another world`,
                { planId },
              );
            }
            const stored = await executions.loadIdle(
              planId,
              'only planned or paused plans can be executed',
            );
            const { registry, stateChanges } = executions.ctx;
            const rt = new PlanRuntime(stored, registry, stateChanges());
            await this.#begin(rt, 'start');
            return rt;
          } catch (error) {
            // A reserved plan keeps its lock through an outage: it is taken again below.
            const keep = reserved !== undefined && Outages.isOutage(error);
            if (lock && !keep && !executions.running.has(planId)) await executions.unlock(planId);
            throw error;
          }
        },
        reserved,
      );
    let runtime: PlanRuntime;
    for (let attempt = 0; ; attempt++) {
      try {
        runtime = await take();
        break;
      } catch (error) {
        // A plan this world reserved and stored is not given up in an outage: whoever awaits it
        // (trigger's `finished`) waits until the store answers and the plan runs.
        if (
          reserved === undefined ||
          !Outages.isOutage(error) ||
          !(await this.#outages?.pause(planId, attempt, error))
        ) {
          await reserved?.release();
          throw error;
        }
      }
    }
    taken?.(runtime.snapshot());
    // Nothing here (the reservation least of all) stays alive for as long as the plan runs.
    return runtime.finished;
  }

  async recover(planId: string): Promise<boolean> {
    const executions = this.#ctx();
    if (executions.closed || executions.isExecuting(planId)) return false;
    return executions.starting(planId, async () => {
      if (!(await executions.lock(planId))) return false;
      const { adapter, registry, stateChanges, logger } = executions.ctx;
      try {
        const stored = await adapter.loadPlan(planId);
        // A planned plan whose planning world is gone (a sub-plan waits for its parent instead).
        const orphanedPlanned =
          stored?.plan.state === 'planned' && stored.plan.parent === undefined;
        if (stored === undefined || (stored.plan.state !== 'running' && !orphanedPlanned)) {
          await executions.unlock(planId);
          return false;
        }
        const how = stored.plan.state === 'running' ? 'recover' : 'start';
        await this.#begin(new PlanRuntime(stored, registry, stateChanges()), how);
        return true;
      } catch (error) {
        if (!executions.running.has(planId)) await executions.unlock(planId);
        logger.error(`could not recover plan ${planId}; it stays as it is`, { error });
        return false;
      }
    });
  }

  async rollback(planId: string): Promise<ExecutionPlan> {
    const executions = this.#ctx();
    if (executions.closed) throw new FlowlineError(ErrorCode.WORLD_CLOSED, 'the world is closed');
    if (executions.isExecuting(planId)) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is being executed or changed right now; only a paused plan or one ` +
          'stopped with result error can be rolled back',
        { planId },
      );
    }
    const runtime = await executions.starting(planId, async () => {
      if (!(await executions.lock(planId))) {
        throw new FlowlineError(
          ErrorCode.INVALID_PLAN_STATE,
          `plan ${planId} is being executed by another world; it cannot be rolled back now`,
          { planId },
        );
      }
      try {
        const { adapter, registry, stateChanges } = executions.ctx;
        const stored = await adapter.loadPlan(planId);
        if (stored === undefined) throw planNotFound(planId);
        assertRollbackable(stored.plan);
        const rt = new PlanRuntime(stored, registry, stateChanges());
        await this.#begin(rt, 'rollback');
        return rt;
      } catch (error) {
        if (!executions.running.has(planId)) await executions.unlock(planId);
        throw error;
      }
    });
    return runtime.finished;
  }

  /**
   * A plan whose rescue strategy is `rollback`, now that nothing runs in it: begins its rollback
   * (one batch, see `rollback.ts`) and goes on running its compensate steps. Held as active
   * meanwhile, so it does not settle; a halt or cancel that comes meanwhile wins.
   */
  async #rollBackInPlace(rt: PlanRuntime): Promise<void> {
    const executions = this.#ctx();
    const ctx = executions.ctx;
    rt.active++;
    try {
      const at = isoNow(ctx.clock);
      const changed: StepRecord[] = [];
      await beginRollback(rt, at, changed, ctx.logger);
      rt.refreshOutcome();
      rt.plan.history.push({ at, event: HISTORY_EVENT.rollback, worldId: ctx.worldId });
      await executions.commit(rt, { plans: [rt.plan], steps: scoped(rt, changed) });
    } finally {
      rt.active--;
    }
    if (rt.mode === 'rollingBack') rt.setMode('running');
    this.#compensate?.start(rt);
    executions.afterChange(rt);
  }

  /**
   * Takes a plan into execution. `start` covers planned and paused plans; `recover` takes over a
   * plan left `running` by a world that is gone: its interrupted steps fail with
   * ABNORMAL_TERMINATION and the rescue strategy applies, except for idempotent actions, whose
   * steps simply run again. `rollback` begins (or continues) the rollback of a paused plan or one
   * stopped with an error (see `rollback.ts`). A plan with a compensate flow runs its compensate
   * steps instead of its run and finalize flows.
   */
  async #begin(rt: PlanRuntime, how: 'start' | 'recover' | 'repair' | 'rollback'): Promise<void> {
    const executions = this.#ctx();
    const steps = this.#running();
    const ctx = executions.ctx;
    const at = isoNow(ctx.clock);
    const changed: StepRecord[] = [];
    if (how === 'rollback') await beginRollback(rt, at, changed, ctx.logger);
    const starts = how === 'start' || how === 'rollback';
    // Steps a world before this one found interrupted and failed, but died before their rescue
    // was stored: they go through the rescue now (never simply run again without an operator).
    const unrescued = starts ? [] : interruptedFailures(rt);
    // A finalize phase that failed while its world was closing (e.g. a finalize waiting to retry
    // when close() cut the wait short) runs again whole when the plan is recovered, as on resume.
    prepareResume(rt, at, changed, starts);
    const interrupted = starts
      ? []
      : [
          ...unrescued,
          ...failInterrupted(rt, at, changed, how === 'recover' ? 'world gone' : 'storage failed'),
        ];
    rt.refreshOutcome();
    if (starts) changePlanState(rt.plan, 'running', at, rt.events, how === 'rollback');
    rt.plan.history.push({
      at,
      event: HISTORY_EVENT[how],
      worldId: ctx.worldId,
    });
    await executions.commit(rt, { plans: [rt.plan], steps: scoped(rt, changed) });
    executions.running.set(rt.id, rt);
    if (rt.plan.compensateFlow !== undefined) {
      if (interrupted.length > 0) await steps.onError(rt, interrupted);
      this.#compensate?.start(rt);
      executions.afterChange(rt);
      return;
    }
    const director = new Director(
      rt.plan.runFlow,
      (id) => isStepDone(rt.step(id).state),
      (id) => rt.step(id).requires,
    );
    rt.director = director;
    const ready = director.start();
    if (interrupted.length > 0) await steps.onError(rt, interrupted);
    for (const stepId of ready) {
      // Ready steps that never ran or failed run now; a suspended one is woken below instead.
      const state = rt.step(stepId).state;
      if (startsSteps(rt.mode) && (state === 'pending' || state === 'error')) {
        steps.schedule(rt, stepId);
      }
    }
    for (const step of rt.steps) {
      if (step.state !== 'suspended') continue;
      rt.suspended.add(step.id);
      // Timers a dead world had planned for this step are gone; its class may ask to be nudged.
      const nudge = how !== 'start' ? rt.classes[step.actionId - 1]?.recoveryEvent : undefined;
      if (nudge !== undefined) await steps.enqueueOwn(rt, step.id, nudge);
      steps.resumeWait(rt, step);
      steps.wake(rt, step.id);
    }
    if (director.finished && startsSteps(rt.mode)) this.#finalize?.start(rt);
    executions.afterChange(rt);
  }

  deliver(event: EventEnvelope): Promise<boolean> {
    return this.#running().deliver(event);
  }

  offerMessage(planId: string, name: string): void {
    this.#running().offerMessage(planId, name);
  }

  async pause(planId: string): Promise<ExecutionPlan> {
    const executions = this.#ctx();
    const starting = executions.started(planId);
    if (starting !== undefined) await starting;
    const rt = executions.running.get(planId);
    if (rt === undefined) throw await this.#notRunningHere(planId, 'paused');
    if (rt.requestWhileStalled({ kind: 'pause' })) return rt.finished;
    if (rt.mode === 'running') rt.setMode('pausing');
    executions.afterChange(rt);
    return rt.finished;
  }

  async halt(planId: string): Promise<ExecutionPlan> {
    const executions = this.#ctx();
    const starting = executions.started(planId);
    if (starting !== undefined) await starting;
    const rt = executions.running.get(planId);
    if (rt === undefined) return haltIdle(executions, planId);
    if (rt.requestWhileStalled({ kind: 'halt' })) return rt.finished;
    if (rt.mode !== 'closed') {
      if (rt.canEnter('halting')) rt.setMode('halting');
      rt.halt(new FlowlineError(ErrorCode.PLAN_HALTED, `plan ${planId} was halted`, { planId }));
    }
    executions.afterChange(rt);
    return rt.finished;
  }

  async cancel(planId: string, force: boolean): Promise<ExecutionPlan> {
    const executions = this.#ctx();
    const starting = executions.started(planId);
    if (starting !== undefined) await starting;
    const rt = executions.running.get(planId);
    if (rt === undefined) return haltIdle(executions, planId, { force });
    if (rt.requestWhileStalled({ kind: 'cancel', force })) return rt.finished;
    if (rt.canEnter('cancelling')) {
      rt.setMode('cancelling');
      if (force) {
        rt.halt(
          new FlowlineError(ErrorCode.PLAN_CANCELLED, `plan ${planId} was cancelled (forced)`, {
            planId,
          }),
        );
      }
      await askToCancel(rt, force, executions.ctx.logger, executions.ctx.userContext);
    }
    executions.afterChange(rt);
    return rt.finished;
  }

  async #notRunningHere(planId: string, what: string): Promise<FlowlineError> {
    const stored = await this.#ctx().ctx.adapter.loadPlan(planId);
    if (stored === undefined) return planNotFound(planId);
    return new FlowlineError(
      ErrorCode.INVALID_PLAN_STATE,
      `plan ${planId} is ${stored.plan.state} and not running in this world; it cannot be ${what}`,
      { planId },
    );
  }

  async close(): Promise<void> {
    const executions = this.#executions;
    if (executions === undefined) return;
    executions.close();
    this.#outages?.close();
    await this.#steps?.idle();
    await executions.release();
  }

  async skipStep(planId: string, stepId: number): Promise<void> {
    const executions = this.#ctx();
    const { worldId, adapter, clock, stateChanges } = executions.ctx;
    if (executions.isExecuting(planId)) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is being executed or changed right now; steps can only be skipped in a ` +
          'paused plan',
        { planId, stepId },
      );
    }
    await executions.starting(planId, () =>
      skipStep(
        {
          worldId,
          adapter,
          clock,
          events: stateChanges(),
          retakeOwnLock: executions.mayHoldStaleLock(planId),
        },
        planId,
        stepId,
      ),
    );
  }

  abandon(): void {
    this.#executions?.abandon();
  }

  #ctx(): Executions {
    if (this.#executions === undefined) {
      throw new FlowlineError(ErrorCode.WORLD_NOT_STARTED, 'the executor has not been started');
    }
    return this.#executions;
  }

  #running(): RunningSteps {
    this.#ctx();
    return this.#steps as RunningSteps;
  }
}
