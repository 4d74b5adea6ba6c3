import { setWorldInternals } from './internals.js';
import { randomUUID } from 'node:crypto';
import { ActionRegistry } from '../action/registry.js';
import type { FlowlineContext } from '../action/flowline-context.js';
import { checkMessageName } from '../action/wait-for.js';
import type { ActionClass, PlanArgs } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { skipStep } from '../executor/recovery.js';
import type { PersistenceAdapter, PlanFilter, WorldRecord } from '../persistence/adapter.js';
import { planNotFound } from '../plan/plan-errors.js';
import type { ExecutionPlan, JsonValue, StepLogLine } from '../plan/records.js';
import { toJson } from '../plan/serialization.js';
import { isoNow } from '../shared/clock.js';
import {
  checkPlanId,
  checkStepId,
  optionsObject,
  planFilter,
  readFields,
  readList,
} from './arguments.js';
import type { WorldParts } from './assembly.js';
import { assembleWorld, executorContext } from './assembly.js';
import { WorldLifecycle } from './lifecycle.js';
import type { DelayOptions } from './delay.js';
import { deliverEvent } from './event-delivery.js';
import { sendMessage } from './message-delivery.js';
import type { WorldEventListener, WorldEventMap } from './events.js';
import type { ResolvedWorldOptions, WorldOptions } from './options.js';
import { resolveWorldOptions } from './options.js';
import type { ChainedPlanIds } from './plan-reader.js';
import type { Triggered } from './triggered.js';
import type { TriggerOptions } from './trigger-options.js';
import { readTriggerOptions } from './trigger-options.js';
import type { ExecuteOptions } from './wait-option.js';
import { untilTaken, waitOption } from './wait-option.js';

export type { Triggered } from './triggered.js';
export type { TriggerOptions } from './trigger-options.js';

/**
 * The universe Flowline runs in: it holds the registered actions, the store, the executor and the
 * event hub, and is the entry point for everything a user does with plans. It is a façade: the
 * work is done by the parts in this folder (planner, plan reader, scheduler and scheduled plans,
 * sub-plan tracker, singleton locks, plan hooks, coordinator) and by the executor.
 *
 * @example
 * ```ts
 * const world = new World({ actions: [CreateMachine, CreateInfrastructure] });
 * await world.start();
 * const plan = await world.trigger(CreateInfrastructure).finished;
 * await world.close();
 * ```
 */
export class World<C extends object = FlowlineContext> {
  /** This world's id. */
  readonly id: string;
  readonly #registry = new ActionRegistry();
  readonly #options: ResolvedWorldOptions;
  readonly #parts: WorldParts;
  readonly #adapter: PersistenceAdapter;
  readonly #executor: Executor | undefined;
  readonly #lifecycle: WorldLifecycle;

  /**
   * @param options - store, actions, concurrency, context and the rest; every field is optional
   * @throws FlowlineError `INVALID_ARGUMENT` naming a bad option
   */
  constructor(options: WorldOptions<NoInfer<C>> = {}) {
    const resolved = resolveWorldOptions(options);
    this.id = resolved.id;
    this.#options = resolved;
    this.#parts = assembleWorld(resolved, this.#registry, (id) =>
      this.#needExecutor('execute').execute(id),
    );
    this.#adapter = this.#parts.adapter;
    this.#executor = this.#parts.executor;
    this.#lifecycle = new WorldLifecycle(
      this.id,
      this.#parts,
      () =>
        executorContext(this.#parts, resolved, this.#registry, (planId, stepId, payload) =>
          this.event(planId, stepId, payload),
        ),
      resolved,
    );
    this.#registry.useWorldMiddleware(resolved.middleware);
    this.register(...resolved.actions);
    setWorldInternals(this, {
      adapter: this.#adapter,
      clock: resolved.clock,
      logger: resolved.logger,
      registry: this.#registry,
    });
  }

  /**
   * Opens the store, starts the executor and registers this world (recovering what dead worlds
   * left). A start that fails leaves the world as it was before, and may be tried again.
   *
   * @throws FlowlineError `WORLD_CLOSED` after `close()`, `INVALID_ARGUMENT` when already started
   */
  start(): Promise<void> {
    return this.#lifecycle.start();
  }

  /**
   * Stops taking work, waits for planning and step executions in progress to be stored (for at
   * most `closeTimeoutMs`), and closes the store. Plans still running stay `running` in the store.
   * During a `start()`, waits for it and undoes it.
   */
  close(): Promise<void> {
    this.#parts.waiter.close();
    return this.#lifecycle.close();
  }

  /** Same as {@link World.close}, for `await using world = …`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Registers action classes, stored under `static actionName` (default: the class name).
   *
   * @param actions - classes that extend `Action`
   */
  register(...actions: readonly ActionClass[]): void {
    this.#registry.register(...actions);
    this.#parts.singletons.noteRegistered(actions);
  }

  /**
   * Plans `action` with `args` and executes the plan. Returns at once with the plan id; bad
   * arguments (an unregistered class, arguments that are not plain data as the concepts guide
   * says: strings with U+0000 or lone surrogates, deeper than `MAX_JSON_DEPTH`, class instances,
   * …) throw here and store nothing.
   *
   * @param action - a registered action class
   * @param args - the arguments its `plan` receives
   */
  trigger<C extends ActionClass>(action: C, ...args: PlanArgs<C>): Triggered {
    this.#assertStarted();
    const { id, planned } = this.#parts.planner.start(action, args, this.#executor !== undefined);
    // Straight to the executor, with the reservation taken before the plan was stored (and, for a
    // singleton, its lock held since planning).
    // Only the id goes on: the planned snapshot must not stay alive for as long as the plan runs.
    // The executor lets the reservation go if it cannot execute the plan.
    const finished = planned.then(({ plan, reservation }) =>
      reservation === undefined
        ? plan
        : this.#needExecutor('execute').execute(plan.id, reservation),
    );
    finished.catch(() => {});
    const plan = planned.then((done) => done.plan);
    plan.catch(() => {});
    return { id, planned: plan, finished };
  }

  /**
   * Triggers a plan as {@link World.trigger} does, under a caller-chosen `id` or an
   * `idempotencyKey` (or both), with an optional `label`. Triggering again with an id or a key that
   * a stored plan holds returns that plan's `Triggered` (same `id`; `planned` and `finished`
   * resolve to that plan) and plans nothing, whatever the action class and arguments of the new
   * call: the first call decides. This holds across worlds sharing a store: of worlds triggering
   * the same id or key at once, exactly one plans. Without `id`, the plan id is derived from the
   * key, so it is known at once and the same in every process. `finished` resolves once the plan
   * is paused or stopped whichever world executes it (a plan another process runs is looked at
   * every `schedulerPollIntervalMs`). See the idempotent-triggers guide.
   *
   * @param options - `id`, `idempotencyKey`, `label`: each a non-empty string of at most 255
   *   characters without control characters or lone surrogates
   * @param action - a registered action class
   * @param args - the arguments its `plan` receives
   * @throws FlowlineError `INVALID_ARGUMENT` naming a bad option; as `trigger` for the rest.
   *   `planned` and `finished` reject with `IDEMPOTENCY_CONFLICT` when the key belongs to a plan
   *   with another id than the call names
   * @example
   * ```ts
   * const { id, finished } = world.triggerWith({ idempotencyKey: req.get('Idempotency-Key') }, Charge, order);
   * ```
   */
  triggerWith<C extends ActionClass>(
    options: TriggerOptions,
    action: C,
    ...args: PlanArgs<C>
  ): Triggered {
    this.#assertStarted();
    return this.#parts.triggers.trigger(readTriggerOptions(options), action, args);
  }

  /**
   * Runs only the plan phase.
   *
   * @returns the plan, `planned` (or `stopped`/`error` when planning failed)
   */
  plan<C extends ActionClass>(action: C, ...args: PlanArgs<C>): Promise<ExecutionPlan> {
    this.#assertStarted();
    return this.#parts.planner.start(action, args, false).planned.then(({ plan }) => plan);
  }

  /**
   * Executes a `planned` plan (a `paused` one is resumed).
   *
   * @param options - `wait: false` resolves once the plan is running (see {@link ExecuteOptions})
   * @returns the plan once it is `paused` or `stopped`; with `wait: false`, once it is running
   * @throws FlowlineError `INVALID_ARGUMENT` for bad options
   */
  async execute(id: string, options?: ExecuteOptions): Promise<ExecutionPlan> {
    return this.#execute(id, waitOption(options, 'world.execute'));
  }

  async #execute(id: string, wait: boolean): Promise<ExecutionPlan> {
    const executor = this.#needExecutor('execute');
    const planning = this.#planned(id);
    if (planning !== undefined) await planning;
    const run = (taken?: (plan: ExecutionPlan) => void): Promise<ExecutionPlan> =>
      this.#parts.singletons.relocked(
        id,
        (name) => this.#registry.classOf(name),
        () => executor.execute(id, undefined, taken),
      );
    return wait ? run() : untilTaken(id, this.#options.logger, run);
  }

  /**
   * Stores a plan to be planned and executed later: it waits in state `scheduled` until the world
   * clock reaches `startAt`, then an executor world plans it with `args` and executes it. If no
   * executor world could start it before `startBefore`, it ends `stopped`/`error` with
   * `EXECUTION_WINDOW_MISSED` instead. The arguments are stored as plain data (concepts guide:
   * values; a `Date` becomes its ISO text). Bad arguments reject and store nothing.
   *
   * @param action - a registered action class
   * @param options - `startAt` and optional `startBefore`: a `Date`, an ISO 8601 string with a time
   *   zone, or epoch milliseconds
   * @param args - the arguments its `plan` receives
   * @returns the plan, `scheduled`
   */
  async delay<C extends ActionClass>(
    action: C,
    options: DelayOptions,
    ...args: PlanArgs<C>
  ): Promise<ExecutionPlan> {
    this.#assertStarted();
    const window = readFields(options, 'world.delay', ['startAt', 'startBefore']) as DelayOptions;
    const plan = await this.#parts.scheduled.delay(this.#registry.nameOf(action), window, args);
    this.#parts.scheduler?.wake();
    return plan;
  }

  /**
   * Stores a plan that is planned and executed once every plan in `prerequisiteIds` is stopped
   * (it waits in state `scheduled` meanwhile). If one of them stopped with result `error` or
   * `cancelled`, the plan does not run: it ends `stopped`/`error` with `PREREQUISITE_FAILED`.
   * Bad arguments reject and store nothing.
   *
   * @param prerequisiteIds - ids of existing plans (one id or a list)
   * @param action - a registered action class
   * @param args - the arguments its `plan` receives (stored as plain data: concepts guide, values)
   * @returns the plan, `scheduled`
   * @throws FlowlineError `PLAN_NOT_FOUND` naming a prerequisite that does not exist
   */
  async chain<C extends ActionClass>(
    prerequisiteIds: string | readonly string[],
    action: C,
    ...args: PlanArgs<C>
  ): Promise<ExecutionPlan> {
    this.#assertStarted();
    const name = this.#registry.nameOf(action);
    const ids = readList(prerequisiteIds, 'world.chain');
    for (const id of Array.isArray(ids) ? (ids as unknown[]) : [ids]) {
      if (typeof id === 'string') await this.#planned(id);
    }
    const plan = await this.#parts.scheduled.chain(ids, name, args);
    this.#parts.scheduler?.noteChain();
    this.#parts.scheduler?.wake();
    return plan;
  }

  /**
   * Continues a `paused` plan: failed steps run again, skipping steps become skipped, and a failed
   * finalize phase runs again from its start.
   *
   * @param options - `wait: false` resolves once the plan is running again, for callers that must
   *   not wait for the whole plan (a web request); see {@link ExecuteOptions}
   * @returns the plan once it is `paused` or `stopped` again; with `wait: false`, once it is running
   * @throws FlowlineError `INVALID_ARGUMENT` for bad options, `PLAN_NOT_FOUND`,
   *   `INVALID_PLAN_STATE` when the plan is not paused
   */
  async resume(id: string, options?: ExecuteOptions): Promise<ExecutionPlan> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.resume');
    const wait = waitOption(options, 'world.resume');
    if (planning !== undefined) await planning;
    const plan = await this.#adapter.loadPlan(id);
    if (plan === undefined) throw planNotFound(id);
    if (plan.plan.state !== 'paused') {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${id} is ${plan.plan.state}; only a paused plan can be resumed`,
        { planId: id },
      );
    }
    return this.#execute(id, wait);
  }

  /**
   * Rolls a plan back (a saga's compensation): runs the `compensate()` of every action whose run
   * step succeeded, in reverse completion order (latest first), each as a step of its own with
   * states, `static retry`, `static timeout` and a step log, durably (a world that recovers the
   * plan after a crash goes on with it). Suspended steps are cancelled first (`cancel(false)` of a
   * cancellable action), steps that never ran are cancelled. The plan then ends `stopped` with
   * result `cancelled`. A compensation that fails after its retries pauses the plan (result
   * `error`); `resume` (or `rollback` again) runs it again, `skipStep` skips it.
   *
   * @param id - a `paused` plan, or one `stopped` with result `error`
   * @returns the plan once it is `stopped` (rolled back) or `paused` (a compensation failed)
   * @throws FlowlineError `INVALID_ARGUMENT` (bad id), `PLAN_NOT_FOUND`, `INVALID_PLAN_STATE`
   *   (running, planned, scheduled, or stopped with result success, warning or cancelled; or
   *   executed by another world), `NOT_AN_EXECUTOR` (a client-only world), `INVALID_PLAN`
   */
  async rollback(id: string): Promise<ExecutionPlan> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.rollback');
    const executor = this.#needExecutor('roll back');
    if (planning !== undefined) await planning;
    return this.#parts.singletons.relocked(
      id,
      (name) => this.#registry.classOf(name),
      () => executor.rollback(id),
    );
  }

  /**
   * Pauses a plan this world is running: no new step starts, steps running now finish, and
   * suspended steps stay suspended (events sent to them are queued). `resume` continues it.
   * Resolves once the plan is `paused`.
   */
  async pause(id: string): Promise<void> {
    const planning = this.#known(id, 'world.pause');
    const executor = this.#needExecutor('pause');
    if (planning !== undefined) await planning;
    await executor.pause(id);
  }

  /**
   * Cancels a plan. Actions that define `cancel(force)` and whose step is running or suspended are
   * asked to stop their external work; with `force: true` their `this.signal` aborts as well. A
   * step that fails while being cancelled ends `cancelled`. Then, as with `halt`, every step that
   * has not run is cancelled and the plan ends `stopped` with result `cancelled`; so do the
   * sub-plans it started that have not stopped. Works on running, planned, paused and scheduled
   * (delayed or chained) plans. Resolves once the plan is stopped.
   *
   * @param options - `force`: also abort running steps' `signal` @default false
   */
  async cancel(id: string, options: { force?: boolean } = {}): Promise<void> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.cancel');
    const given = readFields(options, 'world.cancel', ['force']);
    const force = optionsObject(given, 'world.cancel').force ?? false;
    if (typeof force !== 'boolean') {
      throw new FlowlineError(ErrorCode.INVALID_ARGUMENT, 'cancel option force must be a boolean');
    }
    if (planning !== undefined) await planning;
    const stored = await this.#adapter.loadPlan(id);
    if (stored === undefined) throw planNotFound(id);
    if (stored.plan.state === 'scheduled') return this.#parts.scheduled.cancel(id);
    await this.#needExecutor('cancel').cancel(id, force);
    await this.#parts.subPlans.cancelChildren(id, force, (child, how) => this.cancel(child, how));
  }

  /**
   * Stops a plan without running anything more. Code already running is not interrupted, but its
   * `this.signal` aborts; its outcome is still recorded. Steps that have not run, and suspended
   * ones, are cancelled; the plan ends `stopped` (result `cancelled` when anything was cancelled).
   * Works on running, planned and paused plans. Resolves once the plan is stopped.
   */
  async halt(id: string): Promise<void> {
    const planning = this.#known(id, 'world.halt');
    const executor = this.#needExecutor('halt');
    if (planning !== undefined) await planning;
    await executor.halt(id);
  }

  /**
   * On a paused plan, marks a failed step to be skipped: a run step becomes `skipping` (then
   * `skipped` on resume) together with the steps that take its output by reference and its
   * action's finalize step; steps that merely follow it still run.
   */
  async skipStep(id: string, stepId: number): Promise<void> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.skipStep');
    checkStepId(stepId, 'world.skipStep');
    if (planning !== undefined) await planning;
    if (this.#executor !== undefined) return this.#executor.skipStep(id, stepId);
    // A client-only world changes the stored plan under its lock itself.
    const deps = {
      worldId: this.id,
      adapter: this.#adapter,
      clock: this.#options.clock,
      events: this.#parts.hub.buffer(),
      retakeOwnLock: false,
    };
    await skipStep(deps, id, stepId);
  }

  /**
   * Sends an event to a suspended step: its `run(payload)` is called again. Resolves once the event
   * is accepted; an event for a running step waits until it suspends.
   *
   * @param id - the plan
   * @param stepId - the run step
   * @param payload - plain data (concepts guide: values), else `UNSERIALIZABLE_VALUE`
   */
  async event(id: string, stepId: number, payload: JsonValue): Promise<void> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.event');
    checkStepId(stepId, 'world.event');
    const stored = toJson(payload, `event payload for step ${stepId} of plan ${id}`);
    if (planning !== undefined) await planning;
    const delivery = await deliverEvent(this.#adapter, this.#executor, {
      id: randomUUID(),
      planId: id,
      stepId,
      payload: stored,
      createdAt: isoNow(this.#options.clock),
    });
    if (!delivery.accepted) throw delivery.error;
  }

  /**
   * Sends a message by name to a plan: `run(payload)` of the step that waits for `name`
   * (`this.suspend({ waitFor: name })`) is called. When no step waits for it yet, the message is
   * kept (durably on a durable store) and delivered when one does: first in, first out per plan and
   * name, one message per wake-up. Resolves once the message is kept.
   *
   * @example
   * ```ts
   * app.post('/carrier/:planId', async (req, res) => {
   *   await world.send(req.params.planId, 'carrier.shipped', { tracking: req.body.tracking });
   *   res.sendStatus(204);
   * });
   * ```
   *
   * @param id - the plan
   * @param name - the message name: a non-empty string of at most 256 characters, without U+0000
   *   or lone surrogates
   * @param payload - plain data (concepts guide: values), else `UNSERIALIZABLE_VALUE`
   * @throws FlowlineError `INVALID_ARGUMENT` (bad id or name), `UNSERIALIZABLE_VALUE`,
   *   `PLAN_NOT_FOUND`, or `STEP_NOT_SUSPENDED` for a stopped plan; nothing is kept then
   */
  async send(id: string, name: string, payload: JsonValue): Promise<void> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.send');
    checkMessageName(name, 'world.send');
    const stored = toJson(payload, `message ${JSON.stringify(name)} for plan ${id}`);
    if (planning !== undefined) await planning;
    await sendMessage(this.#adapter, this.#executor, this.#options.clock, {
      planId: id,
      name,
      payload: stored,
    });
  }

  /**
   * The plan with this id, or `undefined`. A plan this world cannot execute (unregistered action,
   * newer schema) comes back with `invalid` set; an unreadable one rejects with `INVALID_PLAN`.
   */
  async executionPlan(id: string): Promise<ExecutionPlan | undefined> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.executionPlan');
    if (planning !== undefined) await planning;
    return this.#parts.reader.plan(id);
  }

  /** Plans matching `filter`, newest first. */
  async executionPlans(filter: PlanFilter = {}): Promise<ExecutionPlan[]> {
    this.#assertStarted();
    return this.#parts.reader.plans(planFilter(filter));
  }

  /**
   * The sub-plans a plan's `SubPlansAction` steps triggered (those of one step when `stepId` is
   * given), in the order they were stored. Each has `parent` set to the step that triggered it.
   */
  async subPlans(id: string, stepId?: number): Promise<ExecutionPlan[]> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.subPlans');
    if (stepId !== undefined) checkStepId(stepId, 'world.subPlans');
    if (planning !== undefined) await planning;
    return this.#parts.reader.subPlans(id, stepId);
  }

  /**
   * The plans chained to a plan with `world.chain`: those it waits for (`prerequisites`) and those
   * waiting for it (`dependents`), by id.
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` for an unknown plan
   */
  async chainedPlans(id: string): Promise<ChainedPlanIds> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.chainedPlans');
    if (planning !== undefined) await planning;
    return this.#parts.reader.chainedPlans(id);
  }

  /**
   * The worlds registered in the store, this one included, each with its last heartbeat: a world
   * whose heartbeat is older than `heartbeatTimeout` is about to be invalidated by the others.
   */
  async worlds(): Promise<WorldRecord[]> {
    this.#assertStarted();
    return this.#adapter.findWorlds();
  }

  /**
   * The lines a plan's steps wrote to `this.log`, in the order written: every step's, or one
   * step's when `stepId` is given. Lines of a step execution are stored right after its commit.
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` for an unknown plan, `STEP_NOT_FOUND` for an unknown step
   */
  async stepLog(id: string, stepId?: number): Promise<StepLogLine[]> {
    this.#assertStarted();
    const planning = this.#known(id, 'world.stepLog');
    if (stepId !== undefined) checkStepId(stepId, 'world.stepLog');
    if (planning !== undefined) await planning;
    return this.#parts.reader.stepLog(id, stepId);
  }

  /**
   * Listens to a world event. Listeners that throw are logged and ignored.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof WorldEventMap>(name: K, listener: WorldEventListener<K>): () => void {
    return this.#parts.hub.on(name, listener);
  }

  /** Waits for the plan phase of `id` when this world is planning it (else returns at once). */
  #planned(id: string): Promise<void> | undefined {
    return this.#parts.planner.planned(id);
  }

  /**
   * Checks a plan id given to `where`, then as {@link World.#planned}: a promise of this world's
   * planning write of that plan, or `undefined` (the call then stays synchronous).
   */
  #known(id: string, where: string): Promise<void> | undefined {
    checkPlanId(id, where);
    return this.#planned(id);
  }

  #needExecutor(what: string): Executor {
    this.#assertStarted();
    if (this.#executor === undefined) {
      throw new FlowlineError(
        ErrorCode.NOT_AN_EXECUTOR,
        `world ${this.id} was created with executor: false and cannot ${what} plans`,
      );
    }
    return this.#executor;
  }

  #assertStarted(): void {
    this.#lifecycle.assertStarted();
  }
}
