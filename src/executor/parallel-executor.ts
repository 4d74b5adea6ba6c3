import { randomUUID } from 'node:crypto';
import { stepOptionsOf } from '../action/step-options.js';
import type { PhaseMethods } from '../action/action.js';
import type { MiddlewareStack } from '../action/middleware.js';
import { compose, usesHook } from '../action/middleware.js';
import { instantiate, isCancellable } from '../action/action.js';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError, serializeError, toError } from '../errors.js';
import { flowStepIds } from '../plan/flow.js';
import { planNotFound, stepNotSuspended } from '../plan/plan-errors.js';
import type { ExecutionPlan, JsonValue, StepRecord } from '../plan/records.js';
import { resolveReferences } from '../plan/serialization.js';
import { acceptsEvents, isStepDone } from '../plan/states.js';
import type { StepState } from '../plan/states.js';
import { changePlanState, changeStepState } from '../plan/transitions.js';
import type {
  EventEnvelope,
  PlanScoped,
  StepLogLine,
  StoredPlan,
  WriteBatch,
} from '../persistence/adapter.js';
import { isoNow } from '../shared/clock.js';
import { Director } from '../plan/director.js';
import { WorkerPool } from './worker-pool.js';
import type { Executor, ExecutorContext } from './executor.js';
import { PlanRuntime } from './plan-runtime.js';
import { combineStrategies } from './rescue.js';
import { stepsToSkip } from '../plan/skip.js';
import type { Outcome } from './step-runner.js';
import { invokePhase } from './step-runner.js';

/**
 * The default executor: one worker pool (worker-pool.ts) per world shared by all its plans, so at most
 * `concurrency` run and finalize steps execute at once. Independent branches of a plan run
 * concurrently; each step's state and output are committed before any step that depends on it
 * starts; a suspended step holds no worker.
 *
 * How a plan moves through it:
 * - `execute` loads the plan, prepares a resume (skipping → skipped, a failed finalize phase is
 *   re-run whole), and asks the {@link Director} what is ready.
 * - Each ready step is a job in the pool. A job claims its step (a conditional move to `running`
 *   in the store), calls the action, commits the outcome, then feeds the director.
 * - A failure applies the rescue strategy: `skip` skips it and carries on; `pause` and `fail` stop
 *   starting steps, and once nothing is running or suspended the plan is `paused` or `stopped`.
 * - When the run flow is done the finalize steps run one by one, then the plan is `stopped`.
 */
export class ParallelExecutor implements Executor {
  #context: ExecutorContext | undefined;
  #pool: WorkerPool | undefined;
  readonly #running = new Map<string, PlanRuntime>();
  readonly #starting = new Set<string>();
  /** Plan-level writes of plans that just paused or stopped. */
  readonly #settling = new Set<Promise<void>>();
  /** Aborted by close(): retries waiting for their backoff give up at once. */
  readonly #closing = new AbortController();
  #closed = false;

  async start(context: ExecutorContext): Promise<void> {
    this.#context = context;
    this.#pool = new WorkerPool(context.concurrency, (error) => {
      context.logger.error('a step job failed outside its plan', { error });
    });
  }

  isExecuting(planId: string): boolean {
    return this.#running.has(planId) || this.#starting.has(planId);
  }

  async execute(planId: string): Promise<ExecutionPlan> {
    const ctx = this.#ctx();
    if (this.#closed) throw new FlowlineError(ErrorCode.WORLD_CLOSED, 'the world is closed');
    if (this.isExecuting(planId)) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is already being executed`,
        { planId },
      );
    }
    this.#starting.add(planId);
    const lock = await this.#lock(planId);
    let runtime: PlanRuntime;
    try {
      if (!lock) {
        throw new FlowlineError(
          ErrorCode.INVALID_PLAN_STATE,
          `plan ${planId} is being executed by another world`,
          { planId },
        );
      }
      const stored = await this.#loadIdle(planId, 'only planned or paused plans can be executed');
      runtime = new PlanRuntime(stored, ctx.registry, ctx.stateChanges());
      await this.#begin(runtime, 'start');
    } catch (error) {
      if (lock && !this.#running.has(planId)) await this.#unlock(planId);
      throw error;
    } finally {
      this.#starting.delete(planId);
    }
    return runtime.finished;
  }

  /** A stored plan that is `planned` or `paused` (nothing executes it); clear errors otherwise. */
  async #loadIdle(planId: string, rule: string): Promise<StoredPlan> {
    const stored = await this.#ctx().adapter.loadPlan(planId);
    if (stored === undefined) {
      throw planNotFound(planId);
    }
    if (stored.plan.state !== 'planned' && stored.plan.state !== 'paused') {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is ${stored.plan.state}; ${rule}`,
        { planId },
      );
    }
    return stored;
  }

  async recover(planId: string): Promise<boolean> {
    const ctx = this.#ctx();
    if (this.#closed || this.isExecuting(planId)) return false;
    this.#starting.add(planId);
    try {
      if (!(await this.#lock(planId))) return false;
      try {
        const stored = await ctx.adapter.loadPlan(planId);
        if (stored?.plan.state !== 'running') {
          await this.#unlock(planId);
          return false;
        }
        await this.#begin(new PlanRuntime(stored, ctx.registry, ctx.stateChanges()), 'recover');
        return true;
      } catch (error) {
        if (!this.#running.has(planId)) await this.#unlock(planId);
        ctx.logger.error(`could not recover plan ${planId}; it stays as it is`, { error });
        return false;
      }
    } finally {
      this.#starting.delete(planId);
    }
  }

  async #lock(planId: string): Promise<boolean> {
    const ctx = this.#ctx();
    return ctx.adapter.acquireLock({
      key: executionLock(planId),
      ownerId: ctx.worldId,
      planId,
      acquiredAt: isoNow(ctx.clock),
    });
  }

  async #unlock(planId: string): Promise<void> {
    const ctx = this.#ctx();
    try {
      await ctx.adapter.releaseLock(executionLock(planId), ctx.worldId);
    } catch (error) {
      ctx.logger.error(`could not release the execution lock of plan ${planId}`, { error });
    }
  }

  /**
   * Takes a plan into execution. `start` covers planned and paused plans; `recover` takes over a
   * plan left `running` by a world that is gone: its interrupted steps fail with
   * ABNORMAL_TERMINATION and the rescue strategy applies, except for idempotent actions, whose
   * steps simply run again.
   */
  async #begin(rt: PlanRuntime, mode: 'start' | 'recover'): Promise<void> {
    const ctx = this.#ctx();
    const at = isoNow(ctx.clock);
    const changed: StepRecord[] = [];
    // A finalize phase that failed while its world was closing (e.g. a finalize waiting to retry
    // when close() cut the wait short) runs again whole when the plan is recovered, as on resume.
    if (mode === 'recover') this.#prepareResume(rt, at, changed);
    const interrupted =
      mode === 'recover'
        ? this.#failInterrupted(rt, at, changed)
        : this.#prepareResume(rt, at, changed);
    rt.refreshOutcome();
    if (mode === 'start') changePlanState(rt.plan, 'running', at, rt.events);
    rt.plan.history.push({
      at,
      event: mode === 'start' ? 'start execution' : 'recover execution',
      worldId: ctx.worldId,
    });
    await this.#commit(rt, { plans: [rt.plan], steps: scoped(rt, changed) });
    this.#running.set(rt.id, rt);
    rt.director = new Director(
      rt.plan.runFlow,
      (id) => isStepDone(rt.step(id).state),
      (id) => rt.step(id).requires,
    );
    const ready = rt.director.start();
    if (interrupted.length > 0) await this.#onError(rt, interrupted);
    for (const stepId of ready) {
      if (rt.mode === 'run' && !isStepDone(rt.step(stepId).state)) this.#schedule(rt, stepId);
    }
    for (const step of rt.steps) {
      if (step.state !== 'suspended') continue;
      rt.suspended.add(step.id);
      // Timers a dead world had planned for this step are gone; its class may ask to be nudged.
      const nudge = mode === 'recover' ? rt.classes[step.actionId - 1]?.recoveryEvent : undefined;
      if (nudge !== undefined) await this.#enqueueOwn(rt, step.id, nudge);
      this.#wake(rt, step.id);
    }
    if (rt.director.finished && rt.mode === 'run') this.#startFinalize(rt);
    this.#afterChange(rt);
  }

  /** Resume: skipping steps become skipped; after a finalize error the whole finalize re-runs. */
  #prepareResume(rt: PlanRuntime, at: string, changed: StepRecord[]): StepRecord[] {
    const finalizeFailed = rt.steps.some((s) => s.phase === 'finalize' && s.state === 'error');
    for (const step of rt.steps) {
      if (step.state === 'skipping') {
        this.#setStep(rt, step, 'skipped', at);
        changed.push(step);
      } else if (
        finalizeFailed &&
        step.phase === 'finalize' &&
        step.state !== 'skipped' &&
        step.state !== 'pending'
      ) {
        // Dynflow's rule: after a finalize error, resume re-runs the whole finalize sequence.
        this.#setStep(rt, step, 'pending', at);
        changed.push(step);
      }
    }
    return [];
  }

  /** Recovery: steps the dead world was running fail; returns those that must not just re-run. */
  #failInterrupted(rt: PlanRuntime, at: string, changed: StepRecord[]): StepRecord[] {
    const interrupted: StepRecord[] = [];
    for (const step of rt.steps) {
      if (step.state !== 'running') continue;
      const idempotent = rt.classes[step.actionId - 1]?.idempotent === true;
      this.#setStep(rt, step, 'error', at);
      step.error = serializeError(
        new FlowlineError(
          ErrorCode.ABNORMAL_TERMINATION,
          `abnormal termination: the world executing step ${step.id} of plan ${rt.id} stopped ` +
            'while the step ran',
          { planId: rt.id, stepId: step.id },
        ),
      );
      // An idempotent run step re-runs from error; a finalize step only from pending.
      if (idempotent && step.phase === 'finalize') this.#setStep(rt, step, 'pending', at);
      if (!idempotent) interrupted.push(step);
      changed.push(step);
    }
    return interrupted;
  }

  async deliver(event: EventEnvelope): Promise<boolean> {
    const rt = this.#running.get(event.planId);
    if (rt === undefined) return false;
    const step = rt.step(event.stepId);
    if (!acceptsEvents(step)) {
      throw stepNotSuspended(rt.id, step);
    }
    rt.inbox.set(step.id, (rt.inbox.get(step.id) ?? 0) + 1);
    await this.#ctx().adapter.enqueueEvent(event);
    // The step may have moved on while the event was being stored.
    const state = rt.step(step.id).state;
    if (state === 'suspended') this.#wake(rt, step.id);
    else if (state !== 'running') await this.#dropEvents(rt, step);
    return true;
  }

  async pause(planId: string): Promise<ExecutionPlan> {
    const rt = this.#running.get(planId);
    if (rt === undefined) throw await this.#notRunningHere(planId, 'paused');
    if (rt.mode === 'run') {
      rt.mode = 'pause';
      rt.userPause = true;
    }
    this.#afterChange(rt);
    return rt.finished;
  }

  async halt(planId: string): Promise<ExecutionPlan> {
    const rt = this.#running.get(planId);
    if (rt === undefined) return this.#haltIdle(planId);
    if (rt.mode !== 'closed') {
      rt.mode = 'halt';
      rt.halt(new FlowlineError(ErrorCode.PLAN_HALTED, `plan ${planId} was halted`, { planId }));
    }
    this.#afterChange(rt);
    return rt.finished;
  }

  async cancel(planId: string, force: boolean): Promise<ExecutionPlan> {
    const rt = this.#running.get(planId);
    if (rt === undefined) return this.#haltIdle(planId, { force });
    if (rt.mode !== 'closed' && !rt.cancelRequested) {
      rt.mode = 'halt';
      rt.cancelRequested = true;
      if (force) {
        rt.halt(
          new FlowlineError(ErrorCode.PLAN_CANCELLED, `plan ${planId} was cancelled (forced)`, {
            planId,
          }),
        );
      }
      await this.#askToCancel(rt, force);
    }
    this.#afterChange(rt);
    return rt.finished;
  }

  /** Queues an event for a step of a plan this world is taking into execution. */
  async #enqueueOwn(rt: PlanRuntime, stepId: number, payload: JsonValue): Promise<void> {
    const ctx = this.#ctx();
    rt.inbox.set(stepId, (rt.inbox.get(stepId) ?? 0) + 1);
    await ctx.adapter.enqueueEvent({
      id: randomUUID(),
      planId: rt.id,
      stepId,
      payload,
      createdAt: isoNow(ctx.clock),
    });
  }

  /** Calls `cancel(force)` of every cancellable action whose run step is running or suspended. */
  async #askToCancel(rt: PlanRuntime, force: boolean): Promise<void> {
    const ctx = this.#ctx();
    for (const step of rt.steps) {
      if (step.phase !== 'run' || (step.state !== 'running' && step.state !== 'suspended'))
        continue;
      const cls = rt.classes[step.actionId - 1];
      if (cls === undefined || !isCancellable(cls)) continue;
      const record = rt.action(step.actionId);
      const action = instantiate(cls, {
        planId: rt.id,
        actionId: record.id,
        phase: 'cancel',
        input: record.input,
        output: record.output,
      }) as unknown as PhaseMethods;
      try {
        await action.cancel?.(force);
      } catch (error) {
        ctx.logger.error(
          `cancel(${String(force)}) of ${record.className} (step ${step.id} of plan ${rt.id}) ` +
            'threw; the step is cancelled anyway',
          { error },
        );
      }
    }
  }

  /**
   * Halts (or cancels) a planned or paused plan that nothing is executing: it stops, its steps that
   * never ran cancelled; on cancel, its suspended cancellable actions are asked to stop first.
   */
  async #haltIdle(planId: string, cancel?: { force: boolean }): Promise<ExecutionPlan> {
    const ctx = this.#ctx();
    if (this.isExecuting(planId) || !(await this.#lock(planId))) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${planId} is being executed by another world; halt it there`,
        { planId },
      );
    }
    try {
      const stored = await this.#loadIdle(
        planId,
        'only running, planned or paused plans can be halted',
      );
      const rt = new PlanRuntime(stored, ctx.registry, ctx.stateChanges());
      rt.mode = 'halt';
      if (cancel !== undefined) {
        rt.cancelRequested = true;
        await this.#askToCancel(rt, cancel.force);
      }
      const steps = this.#cancelRemaining(rt);
      const at = isoNow(ctx.clock);
      rt.refreshOutcome();
      changePlanState(rt.plan, 'stopped', at, rt.events);
      rt.plan.history.push({
        at,
        event: cancel === undefined ? 'halt execution' : 'cancel execution',
        worldId: ctx.worldId,
      });
      await this.#commit(rt, { plans: [rt.plan], steps: scoped(rt, steps) });
      return rt.snapshot();
    } finally {
      await this.#unlock(planId);
    }
  }

  async #notRunningHere(planId: string, what: string): Promise<FlowlineError> {
    const stored = await this.#ctx().adapter.loadPlan(planId);
    if (stored === undefined) {
      return planNotFound(planId);
    }
    return new FlowlineError(
      ErrorCode.INVALID_PLAN_STATE,
      `plan ${planId} is ${stored.plan.state} and not running in this world; it cannot be ${what}`,
      { planId },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    for (const rt of this.#running.values()) rt.mode = 'closed';
    await this.#pool?.onIdle();
    await Promise.allSettled([...this.#settling]);
    for (const rt of this.#running.values()) {
      rt.reject(
        new FlowlineError(
          ErrorCode.WORLD_CLOSED,
          `the world closed while plan ${rt.id} was ${rt.plan.state}; it stays so in the store`,
          { planId: rt.id },
        ),
      );
    }
    this.#running.clear();
  }

  #ctx(): ExecutorContext {
    if (this.#context === undefined) {
      throw new FlowlineError(ErrorCode.WORLD_NOT_STARTED, 'the executor has not been started');
    }
    return this.#context;
  }

  #schedule(rt: PlanRuntime, stepId: number, wake = false): void {
    rt.queued++;
    const job = wake ? () => this.#wakeJob(rt, stepId) : () => this.#stepJob(rt, stepId);
    (this.#pool as WorkerPool).add(() =>
      job().catch((error: unknown) => {
        this.#crash(rt, error);
      }),
    );
  }

  async #stepJob(rt: PlanRuntime, stepId: number): Promise<void> {
    rt.queued--;
    if (rt.mode !== 'run') {
      this.#afterChange(rt);
      return;
    }
    const step = rt.step(stepId);
    const from: StepState[] = step.phase === 'run' ? ['pending', 'error'] : ['pending'];
    await this.#runStep(rt, step, from, undefined);
  }

  async #wakeJob(rt: PlanRuntime, stepId: number): Promise<void> {
    rt.queued--;
    const ctx = this.#ctx();
    const step = rt.step(stepId);
    if (rt.mode === 'closed' || rt.mode === 'halt' || step.state !== 'suspended') {
      rt.waking.delete(stepId);
      this.#afterChange(rt);
      return;
    }
    const event = await ctx.adapter.takeEvent(rt.id, stepId);
    rt.waking.delete(stepId);
    if (event === undefined) {
      // An event may have been stored while we looked (its deliver saw the wake-up under way).
      if (rt.rewake.delete(stepId)) this.#wake(rt, stepId);
      this.#afterChange(rt);
      return;
    }
    rt.rewake.delete(stepId);
    rt.inbox.set(stepId, (rt.inbox.get(stepId) ?? 1) - 1);
    rt.suspended.delete(stepId);
    await this.#runStep(rt, step, ['suspended'], event);
  }

  async #runStep(
    rt: PlanRuntime,
    step: StepRecord,
    from: StepState[],
    event: EventEnvelope | undefined,
  ): Promise<void> {
    const ctx = this.#ctx();
    const at = isoNow(ctx.clock);
    const claimed = await ctx.adapter.claimStep({ planId: rt.id, stepId: step.id, from, at });
    if (!claimed) {
      ctx.logger.warn(
        `step ${step.id} of plan ${rt.id} was claimed elsewhere; not running it here`,
      );
      if (event !== undefined) await ctx.adapter.enqueueEvent(event);
      this.#afterChange(rt);
      return;
    }
    this.#setStep(rt, step, 'running', at);
    rt.events.flush();
    rt.active++;
    const action = rt.action(step.actionId);
    let outcome: Outcome;
    try {
      const input = rt.hasReferences[action.id - 1]
        ? (resolveReferences(
            action.input,
            (id) => rt.actions[id - 1]?.output,
            `input of ${action.className} (action ${action.id})`,
          ) as typeof action.input)
        : action.input;
      const cls = rt.classes[action.id - 1] as ActionClass;
      outcome = await invokePhase({
        cls,
        middleware: ctx.registry.middlewareOf(cls),
        planId: rt.id,
        actionId: action.id,
        stepId: step.id,
        className: action.className,
        phase: step.phase === 'finalize' ? 'finalize' : 'run',
        input,
        output: action.output,
        event: event?.payload,
        sendEvent: (payload) => ctx.sendEvent(rt.id, step.id, payload),
        clock: ctx.clock,
        options: stepOptionsOf(cls, action.className),
        closing: this.#closing.signal,
        get halted() {
          return rt.haltSignal;
        },
        subPlans: ctx.subPlans,
      });
    } catch (error) {
      outcome = { kind: 'error', error, output: action.output };
    }
    action.output = outcome.output;
    const end = isoNow(ctx.clock);
    if (outcome.kind === 'error') {
      const error = serializeError(outcome.error);
      // A step that fails while its plan is being cancelled was cancelled, not broken.
      this.#setStep(
        rt,
        step,
        rt.cancelRequested && step.phase === 'run' ? 'cancelled' : 'error',
        end,
      );
      step.error = error;
    } else {
      this.#setStep(rt, step, outcome.kind, end);
    }
    if (outcome.attempts !== undefined) step.attempts = outcome.attempts;
    if (outcome.progress !== undefined) step.progress = outcome.progress;
    await this.#commit(
      rt,
      { actions: [{ planId: rt.id, record: action }], steps: scoped(rt, [step]) },
      outcome.logs,
    );
    rt.active--;
    if (outcome.kind === 'suspended') {
      rt.suspended.add(step.id);
      if (rt.inboxCount(step.id) > 0) this.#wake(rt, step.id);
    } else {
      if (rt.inboxCount(step.id) > 0) await this.#dropEvents(rt, step);
      if (outcome.kind === 'success') this.#onDone(rt, [step]);
      else await this.#onError(rt);
    }
    this.#afterChange(rt);
  }

  /** Stores a step's log lines; a failure is reported, never allowed to fail the plan. */
  async #appendLogs(rt: PlanRuntime, lines: readonly StepLogLine[]): Promise<void> {
    try {
      await this.#ctx().adapter.appendLogs(lines);
    } catch (error) {
      this.#ctx().logger.error(
        `could not store ${lines.length} log line(s) of step ${lines[0]?.stepId ?? '?'} of plan ` +
          `${rt.id}; they are lost`,
        { planId: rt.id, error },
      );
    }
  }

  #wake(rt: PlanRuntime, stepId: number): void {
    // Only a suspension already committed and recorded here can be woken; one still being stored
    // looks at its inbox itself once the commit is done.
    if (rt.mode === 'closed' || rt.mode === 'halt' || !rt.suspended.has(stepId)) return;
    if (rt.waking.has(stepId)) {
      rt.rewake.add(stepId);
      return;
    }
    rt.waking.add(stepId);
    this.#schedule(rt, stepId, true);
  }

  async #dropEvents(rt: PlanRuntime, step: StepRecord): Promise<void> {
    const dropped = await this.#ctx().adapter.dropEvents(rt.id, step.id);
    rt.inbox.delete(step.id);
    if (dropped.length > 0) {
      this.#ctx().logger.warn(
        `dropped ${dropped.length} event(s) for step ${step.id} of plan ${rt.id}: ` +
          `it ended ${step.state} without suspending again`,
        { planId: rt.id, stepId: step.id },
      );
    }
  }

  /** Steps that succeeded or were skipped: let the flow move on. */
  #onDone(rt: PlanRuntime, steps: readonly StepRecord[]): void {
    if (rt.phase === 'finalize') return this.#nextFinalize(rt);
    const director = rt.director as Director;
    for (const step of steps) {
      if (step.phase !== 'run') continue;
      for (const ready of director.markDone(step.id)) {
        // A step skipped together with this one is ready for the director but must not run.
        if (rt.mode === 'run' && !isStepDone(rt.step(ready).state)) this.#schedule(rt, ready);
      }
    }
    if (director.finished && rt.mode === 'run') this.#startFinalize(rt);
  }

  async #onError(rt: PlanRuntime, only?: readonly StepRecord[]): Promise<void> {
    const ctx = this.#ctx();
    const failed = only ?? rt.steps.filter((s) => s.state === 'error' && s.phase !== 'plan');
    const actionIds = [...new Set(failed.map((s) => s.actionId))];
    const strategy = combineStrategies(actionIds.map((id) => rt.rescueStrategyOf(id, ctx.logger)));
    if (strategy !== 'skip') {
      if (rt.mode === 'run') rt.mode = strategy;
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
      if (step.phase === 'run') this.#setStep(rt, step, 'skipping', at);
      this.#setStep(rt, step, 'skipped', at);
      changed.push(step);
      done.push(step);
      for (const dependent of dependents) {
        this.#setStep(rt, dependent, 'skipped', at);
        changed.push(dependent);
        if (dependent.phase === 'run') done.push(dependent);
      }
    }
    await this.#commit(rt, { steps: scoped(rt, changed) });
    this.#onDone(rt, done);
  }

  #startFinalize(rt: PlanRuntime): void {
    if (rt.phase === 'finalize') return;
    rt.phase = 'finalize';
    rt.finalizeOrder = flowStepIds(rt.plan.finalizeFlow);
    const root = rt.plan.rootActionId;
    const cls = rt.classes[root - 1];
    const stack = cls === undefined ? undefined : this.#ctx().registry.middlewareOf(cls);
    if (cls === undefined || stack === undefined || !usesHook(stack, 'finalizePhase')) {
      this.#nextFinalize(rt);
      return;
    }
    this.#wrapFinalizePhase(rt, cls, stack);
  }

  /**
   * Runs the finalize flow inside the root action's `finalizePhase` middleware. The middleware holds
   * the plan open (it counts as active); its `next()` starts the finalize steps and resolves once
   * they are all done, or once the plan stops scheduling them (a failure pauses it). A middleware
   * that never calls `next` skips the finalize steps; one that throws is logged and noted in the
   * plan's history, and the plan goes on.
   */
  #wrapFinalizePhase(rt: PlanRuntime, cls: ActionClass, stack: MiddlewareStack): void {
    const record = rt.action(rt.plan.rootActionId);
    const action = instantiate(cls, {
      planId: rt.id,
      actionId: record.id,
      phase: 'finalize',
      input: record.input,
      output: record.output,
    });
    let entered = false;
    const core = (): Promise<void> =>
      new Promise<void>((resolve) => {
        entered = true;
        rt.endFinalizePhase = resolve;
        this.#nextFinalize(rt);
        this.#afterChange(rt);
      });
    rt.active++;
    compose(stack, 'finalizePhase', core, {
      actionClass: cls,
      action,
      executionPlanId: rt.id,
    })().then(
      () => this.#leaveFinalizePhase(rt, entered, undefined),
      (error: unknown) => this.#leaveFinalizePhase(rt, entered, error),
    );
  }

  #leaveFinalizePhase(rt: PlanRuntime, entered: boolean, error: unknown): void {
    const ctx = this.#ctx();
    rt.active--;
    rt.endFinalizePhase = undefined;
    if (error !== undefined) {
      ctx.logger.error(`finalizePhase middleware of plan ${rt.id} threw`, { error });
      rt.plan.history.push({
        at: isoNow(ctx.clock),
        event: `finalizePhase middleware failed: ${toError(error).message}`,
        worldId: ctx.worldId,
      });
    }
    if (!entered && rt.mode === 'run') {
      // The middleware skipped the finalize phase: its steps will never run.
      const at = isoNow(ctx.clock);
      for (const id of rt.finalizeOrder) {
        const step = rt.step(id);
        if (step.state === 'pending') this.#setStep(rt, step, 'skipped', at);
      }
      void this.#commit(rt, {
        steps: scoped(
          rt,
          rt.finalizeOrder.map((id) => rt.step(id)),
        ),
      }).then(
        () => this.#afterChange(rt),
        (failure: unknown) => this.#crash(rt, failure),
      );
      return;
    }
    this.#afterChange(rt);
  }

  #nextFinalize(rt: PlanRuntime): void {
    if (rt.mode !== 'run') return;
    for (const stepId of rt.finalizeOrder) {
      const state = rt.step(stepId).state;
      if (isStepDone(state)) continue;
      if (state === 'pending') this.#schedule(rt, stepId);
      return;
    }
  }

  /** Decides whether the plan is now paused or stopped. */
  #afterChange(rt: PlanRuntime): void {
    if (!this.#running.has(rt.id)) return;
    const end = rt.endFinalizePhase;
    if (
      end !== undefined &&
      rt.queued === 0 &&
      rt.active === 1 &&
      (rt.mode !== 'run' || rt.finalizeOrder.every((id) => isStepDone(rt.step(id).state)))
    ) {
      // Only the finalizePhase middleware is left: let its `next()` return.
      rt.endFinalizePhase = undefined;
      end();
      return;
    }
    // A user pause or a halt does not wait for suspended steps: they hold no worker.
    const waitsForSuspended = !(rt.mode === 'halt' || (rt.mode === 'pause' && rt.userPause));
    if (rt.queued > 0 || rt.active > 0 || (waitsForSuspended && rt.suspended.size > 0)) return;
    if (rt.mode === 'halt') return this.#settle(rt, 'stopped', this.#cancelRemaining(rt));
    if (rt.mode === 'closed') {
      // Closing starts nothing new, but a plan whose last step just finished is still stopped.
      const done = rt.steps.every((s) => s.phase === 'plan' || isStepDone(s.state));
      if (done) this.#settle(rt, 'stopped');
      return;
    }
    if (rt.mode === 'pause') return this.#settle(rt, 'paused');
    if (rt.mode === 'fail') return this.#settle(rt, 'stopped');
    if (rt.phase === 'finalize' && rt.finalizeOrder.every((id) => isStepDone(rt.step(id).state))) {
      return this.#settle(rt, 'stopped');
    }
  }

  /** Halt: every step that has not run and now never will is cancelled. */
  #cancelRemaining(rt: PlanRuntime): StepRecord[] {
    const at = isoNow(this.#ctx().clock);
    const cancelled: StepRecord[] = [];
    for (const step of rt.steps) {
      if (step.phase === 'plan') continue;
      if (step.state === 'pending' || step.state === 'suspended') {
        this.#setStep(rt, step, 'cancelled', at);
        cancelled.push(step);
      }
    }
    return cancelled;
  }

  #settle(rt: PlanRuntime, state: 'paused' | 'stopped', steps: StepRecord[] = []): void {
    const ctx = this.#ctx();
    this.#running.delete(rt.id);
    const at = isoNow(ctx.clock);
    rt.refreshOutcome();
    changePlanState(rt.plan, state, at, rt.events);
    rt.plan.history.push({
      at,
      event:
        state === 'paused'
          ? 'pause execution'
          : rt.mode !== 'halt'
            ? 'finish execution'
            : rt.cancelRequested
              ? 'cancel execution'
              : 'halt execution',
      worldId: ctx.worldId,
    });
    const settled = this.#commit(rt, { plans: [rt.plan], steps: scoped(rt, steps) }).then(
      async () => {
        await this.#unlock(rt.id);
        rt.resolve(rt.release());
      },
      (error: unknown) => {
        this.#crash(rt, error);
      },
    );
    this.#settling.add(settled);
    void settled.finally(() => this.#settling.delete(settled));
  }

  #setStep(rt: PlanRuntime, step: StepRecord, to: StepState, at: string): void {
    changeStepState(rt.id, step, to, at, rt.events);
  }

  /**
   * Writes a batch, then the step log lines of the execution it ends (only a call that wrote to
   * `this.log` costs a second round trip), then emits the buffered state events: a listener that
   * reads the step's log on its `step:state` event finds the lines.
   */
  async #commit(rt: PlanRuntime, batch: WriteBatch, logs?: readonly StepLogLine[]): Promise<void> {
    try {
      await this.#ctx().adapter.write(batch);
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

  /** An infrastructure failure: stop driving the plan and report it to whoever awaits it. */
  #crash(rt: PlanRuntime, error: unknown): void {
    this.#ctx().logger.error(`executing plan ${rt.id} failed`, { error });
    rt.mode = 'closed';
    this.#running.delete(rt.id);
    rt.reject(error);
    void this.#unlock(rt.id);
  }
}

function executionLock(planId: string): string {
  return `execution-plan:${planId}`;
}

function scoped(rt: PlanRuntime, steps: readonly StepRecord[]): PlanScoped<StepRecord>[] {
  return steps.map((record) => ({ planId: rt.id, record }));
}
