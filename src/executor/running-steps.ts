import { randomUUID } from 'node:crypto';
import { schemaOf } from '../action/schema-check.js';
import { stepOptionsOf } from '../action/step-options.js';
import type { ActionClass } from '../action/types.js';
import { serializeError } from '../errors.js';
import { stepNotSuspended } from '../plan/plan-errors.js';
import type { JsonValue, StepRecord } from '../plan/records.js';
import { resolveReferences } from '../plan/serialization.js';
import { stepsToSkip } from '../plan/skip.js';
import { acceptsEvents, isStepDone } from '../plan/states.js';
import type { StepState } from '../plan/states.js';
import type { EventEnvelope, MessageEnvelope } from '../persistence/adapter.js';
import { isoNow } from '../shared/clock.js';
import type { Executions } from './executions.js';
import { scoped } from './executions.js';
import type { PlanRuntime } from './plan-runtime.js';
import { combineStrategies, rescueStrategyOf } from './rescue.js';
import { checkResolvedInput } from './schema-checks.js';
import { startsSteps, wakesSuspended } from './runtime-mode.js';
import type { Outcome } from './step-runner.js';
import { invokePhase } from './step-runner.js';
import { NamedWaits, isMessage } from './named-waits.js';
import { WorkerPool } from './worker-pool.js';

/** What running steps needs of the finalize phase. @internal */
export interface FinalizeSteps {
  /** The run flow is done: begin the finalize phase. */
  start(rt: PlanRuntime): void;
  /** A finalize step is done: schedule the next one. */
  next(rt: PlanRuntime): void;
}

/**
 * Runs steps and delivers events. One worker pool per world, shared by all its plans, so at most
 * `concurrency` run and finalize steps execute at once; a suspended step holds no worker.
 *
 * Each ready step is a job in the pool. A job claims its step (a conditional move to `running` in
 * the store), calls the action, commits the outcome, then feeds the director: steps that became
 * ready are scheduled, a failure applies the rescue strategy. An event for a suspended step is a
 * wake-up job: it takes the oldest queued event and runs the step with it.
 *
 * @internal
 */
export class RunningSteps {
  readonly #pool: WorkerPool;
  readonly #waits: NamedWaits;

  constructor(
    private readonly executions: Executions,
    private readonly finalize: FinalizeSteps,
    private readonly compensate: Pick<FinalizeSteps, 'next'>,
  ) {
    const { concurrency, logger } = executions.ctx;
    this.#pool = new WorkerPool(concurrency, (error) => {
      logger.error('a step job failed outside its plan', { error });
    });
    const { adapter, clock } = executions.ctx;
    this.#waits = new NamedWaits(adapter, clock, logger, executions.closing);
  }

  /** Resolves once no step job is queued or running. */
  idle(): Promise<void> {
    return this.#pool.onIdle();
  }

  /** Queues a step of a plan in execution (or, with `wake`, a wake-up of a suspended step). */
  schedule(rt: PlanRuntime, stepId: number, wake = false): void {
    rt.queued++;
    const job = wake ? () => this.#wakeJob(rt, stepId) : () => this.#stepJob(rt, stepId);
    this.#pool.add(() =>
      job().catch((error: unknown) => {
        this.executions.crash(rt, error);
      }),
    );
  }

  /**
   * Offers an accepted event to a plan executed here.
   *
   * @returns `false` when the plan is not executed here (the event is then only queued)
   * @throws FlowlineError `STEP_NOT_SUSPENDED` when the step takes no events
   */
  async deliver(event: EventEnvelope): Promise<boolean> {
    const rt = this.executions.running.get(event.planId);
    if (rt === undefined) return false;
    const step = rt.step(event.stepId);
    if (!acceptsEvents(step)) throw stepNotSuspended(rt.id, step);
    rt.inbox.set(step.id, (rt.inbox.get(step.id) ?? 0) + 1);
    try {
      await this.executions.ctx.adapter.enqueueEvent(event);
    } catch (error) {
      // Not accepted: the caller is told, and the step does not wait for it.
      rt.inbox.set(step.id, (rt.inbox.get(step.id) ?? 1) - 1);
      throw error;
    }
    // The step may have moved on while the event was being stored.
    const state = rt.step(step.id).state;
    if (state === 'suspended') this.wake(rt, step.id);
    else if (state !== 'running') await this.#dropEvents(rt, step);
    return true;
  }

  /**
   * A message named `name` was kept for a plan: wakes its suspended steps that wait for that name
   * when the plan is executed here (one of them takes it; the others find nothing and wait on).
   */
  offerMessage(planId: string, name: string): void {
    const rt = this.executions.running.get(planId);
    if (rt === undefined) return;
    for (const stepId of rt.suspended) {
      if (rt.step(stepId).waitFor?.name === name) this.wake(rt, stepId);
    }
  }

  /**
   * A suspended step taken into execution here: re-arms the deadline of its named wait, if any
   * (the step is woken by the caller, which finds the messages kept meanwhile).
   */
  resumeWait(rt: PlanRuntime, step: StepRecord): void {
    this.#waits.arm(rt.id, step, rt.haltSignal, () => {
      this.wake(rt, step.id);
    });
  }

  /** Queues an event for a step of a plan this world is taking into execution. */
  async enqueueOwn(rt: PlanRuntime, stepId: number, payload: JsonValue): Promise<void> {
    const ctx = this.executions.ctx;
    rt.inbox.set(stepId, (rt.inbox.get(stepId) ?? 0) + 1);
    await ctx.adapter.enqueueEvent({
      id: randomUUID(),
      planId: rt.id,
      stepId,
      payload,
      createdAt: isoNow(ctx.clock),
    });
  }

  /** Schedules a wake-up of a suspended step, unless one is under way (it will look again). */
  wake(rt: PlanRuntime, stepId: number): void {
    // Only a suspension already committed and recorded here can be woken; one still being stored
    // looks at its inbox itself once the commit is done.
    if (!wakesSuspended(rt.mode) || !rt.suspended.has(stepId)) return;
    if (rt.waking.has(stepId)) {
      rt.rewake.add(stepId);
      return;
    }
    rt.waking.add(stepId);
    this.schedule(rt, stepId, true);
  }

  /** Steps that succeeded or were skipped: let the flow move on. */
  onDone(rt: PlanRuntime, steps: readonly StepRecord[]): void {
    if (rt.phase === 'finalize') return this.finalize.next(rt);
    if (rt.phase === 'compensate') return this.compensate.next(rt);
    const director = rt.director;
    if (director === undefined) return;
    for (const step of steps) {
      if (step.phase !== 'run') continue;
      for (const ready of director.markDone(step.id)) {
        // A step skipped together with this one is ready for the director but must not run.
        if (startsSteps(rt.mode) && !isStepDone(rt.step(ready).state)) this.schedule(rt, ready);
      }
    }
    if (director.finished && startsSteps(rt.mode)) this.finalize.start(rt);
  }

  /**
   * Applies the rescue strategy of the failed steps (`only`, or every failed step of the plan):
   * `skip` skips them and what depends on them and the flow goes on; `pause` and `fail` stop
   * starting steps.
   */
  async onError(rt: PlanRuntime, only?: readonly StepRecord[]): Promise<void> {
    const ctx = this.executions.ctx;
    if (rt.phase === 'compensate') {
      // A compensation that failed after its retries pauses the rollback: no rescue strategy.
      if (rt.mode === 'running') rt.setMode('pausingOnError');
      return;
    }
    const failed = only ?? rt.steps.filter((s) => s.state === 'error' && s.phase !== 'plan');
    const actionIds = [...new Set(failed.map((s) => s.actionId))];
    const strategy = combineStrategies(
      actionIds.map((id) => rescueStrategyOf(rt, id, ctx.logger, ctx.userContext)),
    );
    if (strategy !== 'skip') {
      const mode = { pause: 'pausingOnError', fail: 'failing', rollback: 'rollingBack' } as const;
      if (rt.mode === 'running') rt.setMode(mode[strategy]);
      return;
    }
    const at = isoNow(ctx.clock);
    const changed: StepRecord[] = [];
    const done: StepRecord[] = [];
    for (const step of failed) {
      const dependents = stepsToSkip(
        step,
        rt.steps,
        (id) => rt.action(id).finalizeStepId,
        (id) => rt.dependentsOf(id),
      );
      if (step.phase === 'run') rt.setStep(step, 'skipping', at);
      rt.setStep(step, 'skipped', at);
      changed.push(step);
      done.push(step);
      for (const dependent of dependents) {
        rt.setStep(dependent, 'skipped', at);
        changed.push(dependent);
        if (dependent.phase === 'run') done.push(dependent);
      }
    }
    await this.executions.commit(rt, { steps: scoped(rt, changed) });
    this.onDone(rt, done);
  }

  async #stepJob(rt: PlanRuntime, stepId: number): Promise<void> {
    rt.queued--;
    if (!startsSteps(rt.mode)) {
      this.executions.afterChange(rt);
      return;
    }
    const step = rt.step(stepId);
    const from: StepState[] =
      step.phase === 'run' || step.phase === 'compensate' ? ['pending', 'error'] : ['pending'];
    await this.#runStep(rt, step, from, undefined);
  }

  async #wakeJob(rt: PlanRuntime, stepId: number): Promise<void> {
    rt.queued--;
    const step = rt.step(stepId);
    if (!wakesSuspended(rt.mode) || step.state !== 'suspended') {
      rt.waking.delete(stepId);
      this.executions.afterChange(rt);
      return;
    }
    const event = await this.executions.ctx.adapter.takeEvent(rt.id, stepId);
    // A step waiting by name takes a kept message, or its timeout once due.
    const named = event === undefined ? await this.#waits.take(rt.id, step) : undefined;
    rt.waking.delete(stepId);
    if (event === undefined && named === undefined) {
      // An event may have been stored while we looked (its deliver saw the wake-up under way).
      if (rt.rewake.delete(stepId)) this.wake(rt, stepId);
      this.executions.afterChange(rt);
      return;
    }
    rt.rewake.delete(stepId);
    if (event !== undefined) rt.inbox.set(stepId, (rt.inbox.get(stepId) ?? 1) - 1);
    rt.suspended.delete(stepId);
    await this.#runStep(rt, step, ['suspended'], event ?? named);
  }

  /** Claims a step, calls the action, commits how it ended and moves the plan on. */
  async #runStep(
    rt: PlanRuntime,
    step: StepRecord,
    from: StepState[],
    event: EventEnvelope | MessageEnvelope | undefined,
  ): Promise<void> {
    const executions = this.executions;
    const ctx = executions.ctx;
    const at = isoNow(ctx.clock);
    const claimed = await ctx.adapter.claimStep({ planId: rt.id, stepId: step.id, from, at });
    if (!claimed) {
      ctx.logger.warn(
        `step ${step.id} of plan ${rt.id} was claimed elsewhere; not running it here`,
      );
      if (event !== undefined) {
        await (isMessage(event)
          ? ctx.adapter.enqueueMessage(event)
          : ctx.adapter.enqueueEvent(event));
      }
      executions.afterChange(rt);
      return;
    }
    rt.setStep(step, 'running', at);
    // The named wait, if any, is over: the step runs again.
    if (step.waitFor !== undefined) {
      delete step.waitFor;
      this.#waits.disarm(rt.id, step.id);
    }
    rt.events.flush();
    rt.active++;
    const action = rt.action(step.actionId);
    let outcome: Outcome;
    try {
      const cls = rt.classes[action.id - 1] as ActionClass;
      let input = action.input;
      if (rt.hasReferences[action.id - 1] === true) {
        input = resolveReferences(
          action.input,
          (id) => rt.actions[id - 1]?.output,
          `input of ${action.className} (action ${action.id})`,
        ) as typeof action.input;
        // Planning could not check the referenced values against `static input`: they are now.
        const schema = schemaOf(cls, 'input');
        if (schema !== undefined) {
          input = await checkResolvedInput(schema, input, {
            className: action.className,
            planId: rt.id,
            actionId: action.id,
            stepId: step.id,
          });
        }
      }
      outcome = await invokePhase({
        cls,
        middleware: ctx.registry.middlewareOf(cls),
        planId: rt.id,
        actionId: action.id,
        stepId: step.id,
        className: action.className,
        phase: step.phase === 'finalize' || step.phase === 'compensate' ? step.phase : 'run',
        input,
        output: action.output,
        event: event?.payload,
        sendEvent: (payload) => ctx.sendEvent(rt.id, step.id, payload),
        clock: ctx.clock,
        options: stepOptionsOf(cls, action.className),
        closing: executions.closing,
        get halted() {
          return rt.haltSignal;
        },
        subPlans: ctx.subPlans,
        userContext: ctx.userContext,
      });
    } catch (error) {
      outcome = { kind: 'error', error, output: action.output };
    }
    // A compensation reads the output its run step committed and never changes it.
    const compensation = step.phase === 'compensate';
    if (!compensation) action.output = outcome.output;
    const end = isoNow(ctx.clock);
    if (outcome.kind === 'error') {
      const error = serializeError(outcome.error);
      // A step that fails while its plan is being cancelled was cancelled, not broken.
      rt.setStep(step, rt.cancelRequested && step.phase === 'run' ? 'cancelled' : 'error', end);
      step.error = error;
    } else {
      rt.setStep(step, outcome.kind, end);
    }
    if (outcome.kind === 'suspended' && outcome.waitFor !== undefined) {
      step.waitFor = outcome.waitFor;
    }
    if (outcome.attempts !== undefined) step.attempts = outcome.attempts;
    if (outcome.progress !== undefined) step.progress = outcome.progress;
    try {
      await executions.commit(
        rt,
        compensation
          ? { steps: scoped(rt, [step]) }
          : { actions: [{ planId: rt.id, record: action }], steps: scoped(rt, [step]) },
        outcome.logs,
      );
    } finally {
      // Counted as ended even when the commit failed: the plan is stalled, not held forever.
      rt.active--;
    }
    if (outcome.kind === 'suspended') {
      rt.suspended.add(step.id);
      if (step.waitFor !== undefined) {
        // It may find a message kept before it waited, or a deadline already passed.
        this.resumeWait(rt, step);
        this.wake(rt, step.id);
      } else if (rt.inboxCount(step.id) > 0) this.wake(rt, step.id);
    } else {
      if (rt.inboxCount(step.id) > 0) await this.#dropEvents(rt, step);
      if (outcome.kind === 'success') this.onDone(rt, [step]);
      else await this.onError(rt);
    }
    executions.afterChange(rt);
  }

  /** Drops the events left for a step that ended without suspending again. */
  async #dropEvents(rt: PlanRuntime, step: StepRecord): Promise<void> {
    const ctx = this.executions.ctx;
    const dropped = await ctx.adapter.dropEvents(rt.id, step.id);
    rt.inbox.delete(step.id);
    if (dropped.length > 0) {
      ctx.logger.warn(
        `dropped ${dropped.length} event(s) for step ${step.id} of plan ${rt.id}: ` +
          `it ended ${step.state} without suspending again`,
        { planId: rt.id, stepId: step.id },
      );
    }
  }
}
