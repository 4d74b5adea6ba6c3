import { randomUUID } from 'node:crypto';
import type { ActionClass, PlanArgs } from '../action/types.js';
import { MiddlewareStack } from '../action/middleware.js';
import { SubPlansAction } from '../action/sub-plans-action.js';
import { ActionRegistry } from '../action/registry.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { isoNow, systemClock } from '../shared/clock.js';
import type { Executor } from '../executor/executor.js';
import { ParallelExecutor } from '../executor/parallel-executor.js';
import { planNotFound, stepNotFound, stepNotSuspended } from '../plan/plan-errors.js';
import { presentStoredPlan, toExecutionPlan, unreadablePlan } from '../plan/snapshot.js';
import { newPlanId } from '../plan/plan-id.js';
import { dependentsIndex, stepsToSkip } from '../plan/skip.js';
import type {
  DelayedPlanRecord,
  PersistenceAdapter,
  PlanDependency,
  PlanFilter,
  PlanScoped,
  StepLogLine,
  StoredPlan,
  WorldRecord,
} from '../persistence/adapter.js';
import { MemoryAdapter } from '../persistence/memory-adapter.js';
import { checkPlanFilter } from '../persistence/plan-filter.js';
import { withStorageRetries } from '../persistence/resilient-adapter.js';
import type { BuiltPlan } from '../planning/plan-builder.js';
import { PlanBuilder } from '../planning/plan-builder.js';
import { scheduledPlan } from '../planning/plan-record.js';
import type { ExecutionPlan, JsonValue, PlanParent, StepRecord } from '../plan/records.js';
import { computeResult } from '../plan/result.js';
import { toJson } from '../plan/serialization.js';
import { acceptsEvents } from '../plan/states.js';
import { changePlanState, changeStepState } from '../plan/transitions.js';
import { Coordinator, processIdentity } from './coordinator.js';
import type { DelayOptions } from './delay.js';
import { delayWindow, storedArguments } from './delay.js';
import { PlanHookRunner } from './plan-hooks.js';
import type { WorldEventListener, WorldEventMap } from './events.js';
import { EventHub } from './events.js';
import type { Logger } from '../shared/logger.js';
import { consoleLogger } from '../shared/logger.js';
import type { WorldOptions } from './options.js';
import { Scheduler } from './scheduler.js';
import { SingletonLocks, isSingleton } from './singleton.js';
import { SubPlanTracker } from './sub-plans.js';

/** What `world.trigger` returns: the plan id at once, and promises for its two milestones. */
export interface Triggered {
  /** The new plan's id. */
  readonly id: string;
  /** The plan after the plan phase (`planned`, or `stopped`/`error` when planning failed). */
  readonly planned: Promise<ExecutionPlan>;
  /** The plan once it is `paused` or `stopped`. */
  readonly finished: Promise<ExecutionPlan>;
}

/**
 * The universe Flowline runs in: it holds the registered actions, the store, the executor and the
 * event hub, and is the entry point for everything a user does with plans.
 *
 * @example
 * ```ts
 * const world = new World({ actions: [CreateMachine, CreateInfrastructure] });
 * await world.start();
 * const plan = await world.trigger(CreateInfrastructure).finished;
 * await world.close();
 * ```
 */
export class World {
  /** This world's id. */
  readonly id: string;
  readonly #adapter: PersistenceAdapter;
  readonly #registry = new ActionRegistry();
  readonly #executor: Executor | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #hub: EventHub;
  readonly #concurrency: number;
  readonly #coordinator: Coordinator;
  readonly #hooks: PlanHookRunner;
  readonly #singletons: SingletonLocks;
  /** Starts delayed and chained plans; executor worlds only. */
  readonly #scheduler: Scheduler | undefined;
  /** Sub-plans of `SubPlansAction` steps: triggering, concurrency limits, notices to parents. */
  readonly #subPlans: SubPlanTracker;
  /** Plan phases in progress: close() lets them finish and store their plan. */
  readonly #planning = new Set<Promise<unknown>>();
  #state: 'new' | 'starting' | 'started' | 'closed' = 'new';

  /**
   * @param options - store, actions, concurrency and the rest; every field is optional
   */
  constructor(options: WorldOptions = {}) {
    const concurrency = options.concurrency === undefined ? 10 : options.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `World option concurrency must be a positive integer, got ${String(concurrency)}`,
      );
    }
    if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'World option id must be a non-empty string',
      );
    }
    this.id = options.id ?? randomUUID();
    this.#concurrency = concurrency;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? consoleLogger;
    this.#adapter = withStorageRetries(
      options.adapter ?? new MemoryAdapter(),
      this.#clock,
      this.#logger,
      options.storageRetry,
    );
    const heartbeatIntervalMs = positiveOption(options, 'heartbeatIntervalMs', 5000);
    const heartbeatTimeoutMs = positiveOption(options, 'heartbeatTimeoutMs', 30_000);
    this.#hub = new EventHub(this.#logger);
    this.#hooks = new PlanHookRunner(this.#registry, this.#adapter, this.#logger);
    this.#hub.on('plan:state', (event) => {
      this.#hooks.handle(event);
    });
    this.#executor =
      options.executor === false ? undefined : (options.executor ?? new ParallelExecutor());
    const schedulerPollIntervalMs = positiveOption(options, 'schedulerPollIntervalMs', 1000);
    const autoExecute = booleanOption(options, 'autoExecute');
    const scheduler = booleanOption(options, 'scheduler');
    this.#singletons = new SingletonLocks(this.#adapter, this.#clock, this.#logger);
    this.#scheduler =
      this.#executor === undefined || !scheduler
        ? undefined
        : new Scheduler({
            worldId: this.id,
            adapter: this.#adapter,
            clock: this.#clock,
            logger: this.#logger,
            pollIntervalMs: schedulerPollIntervalMs,
            events: () => this.#hub.buffer(),
            canPlan: (className) => this.#registry.classOf(className) !== undefined,
            startPlan: (stored, record) => this.#startScheduled(stored, record),
          });
    this.#hub.on('plan:state', (event) => {
      this.#singletons.handle(event);
      this.#scheduler?.handle(event);
    });
    this.#subPlans = new SubPlanTracker({
      worldId: this.id,
      adapter: this.#adapter,
      clock: this.#clock,
      logger: this.#logger,
      executor: this.#executor,
      check: (action, args) => {
        const label = this.#registry.nameOf(action);
        args.forEach((arg, index) => {
          if (arg !== undefined) toJson(arg, `argument ${index + 1} of sub-plan ${label}`);
        });
      },
      plan: (id, action, args, parent) =>
        this.#track(
          this.#planAndStore(id, this.#registry.nameOf(action), action, args, undefined, parent),
        ),
      execute: (id) => this.#needExecutor('execute').execute(id),
    });
    this.#hub.on('plan:state', (event) => {
      this.#subPlans.handle(event);
    });
    this.#coordinator = new Coordinator(
      { id: this.id, ...processIdentity(), executor: this.#executor !== undefined },
      this.#adapter,
      // The executor the coordinator hands orphaned plans to: none when they are left alone.
      autoExecute ? this.#executor : undefined,
      this.#clock,
      this.#logger,
      { heartbeatIntervalMs, heartbeatTimeoutMs },
    );
    const middleware = options.middleware ?? [];
    this.#registry.useWorldMiddleware(
      middleware instanceof MiddlewareStack ? middleware : new MiddlewareStack(middleware),
    );
    this.register(...(options.actions ?? []));
  }

  /** Opens the store and starts the executor. */
  async start(): Promise<void> {
    if (this.#state !== 'new') {
      throw new FlowlineError(ErrorCode.INVALID_ARGUMENT, `world ${this.id} was already started`);
    }
    this.#state = 'starting';
    await this.#adapter.start();
    await this.#executor?.start({
      worldId: this.id,
      adapter: this.#adapter,
      registry: this.#registry,
      stateChanges: () => this.#hub.buffer(),
      clock: this.#clock,
      logger: this.#logger,
      concurrency: this.#concurrency,
      sendEvent: (planId, stepId, payload) => this.event(planId, stepId, payload),
      subPlans: this.#subPlans,
    });
    this.#state = 'started';
    await this.#coordinator.start();
    this.#scheduler?.start();
  }

  /**
   * Stops taking work, waits for planning and step executions in progress to be stored, and closes
   * the store. Plans still running stay `running` in the store.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasStarted = this.#state === 'started';
    this.#state = 'closed';
    this.#subPlans.stop();
    await this.#scheduler?.stop();
    await Promise.allSettled([...this.#planning]);
    await this.#hooks.idle();
    await this.#executor?.close();
    // Sub-plans that stopped while the executor drained tell their parents through the store.
    await this.#subPlans.idle();
    // Plans that settled while the executor drained have hooks still to run.
    await this.#hooks.idle();
    await this.#singletons.idle();
    if (wasStarted) {
      try {
        await this.#coordinator.stop();
      } finally {
        await this.#adapter.close();
      }
    }
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
    this.#singletons.noteRegistered(actions);
  }

  /**
   * Plans `action` with `args` and executes the plan. Returns at once with the plan id; bad
   * arguments (an unregistered class, input that is not JSON) throw here and store nothing.
   *
   * @param action - a registered action class
   * @param args - the arguments its `plan` receives
   */
  trigger<C extends ActionClass>(action: C, ...args: PlanArgs<C>): Triggered {
    const { id, planned } = this.#startPlanning(action, args);
    // Straight to the executor: the plan's own singleton lock is held since planning.
    const finished = planned.then((plan) =>
      plan.state === 'planned' && this.#executor !== undefined
        ? this.#needExecutor('execute').execute(plan.id)
        : plan,
    );
    finished.catch(() => {});
    return { id, planned, finished };
  }

  /**
   * Runs only the plan phase.
   *
   * @returns the plan, `planned` (or `stopped`/`error` when planning failed)
   */
  plan<C extends ActionClass>(action: C, ...args: PlanArgs<C>): Promise<ExecutionPlan> {
    return this.#startPlanning(action, args).planned;
  }

  /**
   * Executes a `planned` plan (a `paused` one is resumed).
   *
   * @returns the plan once it is `paused` or `stopped`
   */
  async execute(id: string): Promise<ExecutionPlan> {
    const executor = this.#needExecutor('execute');
    const relocked = await this.#relockSingleton(id);
    if (relocked === undefined) return executor.execute(id);
    try {
      return await executor.execute(id);
    } catch (error) {
      await this.#singletons.release(relocked, id);
      throw error;
    }
  }

  /**
   * Stores a plan to be planned and executed later: it waits in state `scheduled` until the world
   * clock reaches `startAt`, then an executor world plans it with `args` and executes it. If no
   * executor world could start it before `startBefore`, it ends `stopped`/`error` with
   * `EXECUTION_WINDOW_MISSED` instead. The arguments are stored as JSON (a `Date` becomes its ISO
   * text). Bad arguments reject and store nothing.
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
    const name = this.#registry.nameOf(action);
    const window = delayWindow(options);
    const stored = storedArguments(args, name);
    const plan = await this.#schedule(name, { ...window, args: stored }, []);
    this.#scheduler?.wake();
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
   * @param args - the arguments its `plan` receives (stored as JSON)
   * @returns the plan, `scheduled`
   * @throws FlowlineError `PLAN_NOT_FOUND` naming a prerequisite that does not exist
   */
  async chain<C extends ActionClass>(
    prerequisiteIds: string | readonly string[],
    action: C,
    ...args: PlanArgs<C>
  ): Promise<ExecutionPlan> {
    this.#assertStarted();
    const ids: readonly unknown[] =
      typeof prerequisiteIds === 'string' ? [prerequisiteIds] : prerequisiteIds;
    if (!Array.isArray(ids)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'world.chain: prerequisiteIds must be a plan id or an array of plan ids',
      );
    }
    const name = this.#registry.nameOf(action);
    const stored = storedArguments(args, name);
    const prerequisites = [...new Set(ids)].map((id, index) => {
      if (typeof id !== 'string' || id === '') {
        throw new FlowlineError(
          ErrorCode.INVALID_ARGUMENT,
          `world.chain: prerequisite ${index + 1} must be a plan id (a non-empty string), got ` +
            String(id),
        );
      }
      return id;
    });
    for (const id of prerequisites) {
      if ((await this.#adapter.loadPlan(id)) === undefined) {
        throw new FlowlineError(
          ErrorCode.PLAN_NOT_FOUND,
          `world.chain: prerequisite plan ${id} does not exist`,
          { planId: id },
        );
      }
    }
    const plan = await this.#schedule(name, { startAt: isoNow(this.#clock), args: stored }, [
      ...prerequisites,
    ]);
    this.#scheduler?.noteChain();
    this.#scheduler?.wake();
    return plan;
  }

  /**
   * Continues a `paused` plan: failed steps run again, skipping steps become skipped, and a failed
   * finalize phase runs again from its start.
   *
   * @returns the plan once it is `paused` or `stopped` again
   */
  async resume(id: string): Promise<ExecutionPlan> {
    this.#assertStarted();
    const plan = await this.#adapter.loadPlan(id);
    if (plan === undefined) throw planNotFound(id);
    if (plan.plan.state !== 'paused') {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${id} is ${plan.plan.state}; only a paused plan can be resumed`,
        { planId: id },
      );
    }
    return this.execute(id);
  }

  /**
   * Pauses a plan this world is running: no new step starts, steps running now finish, and
   * suspended steps stay suspended (events sent to them are queued). `resume` continues it.
   * Resolves once the plan is `paused`.
   */
  async pause(id: string): Promise<void> {
    await this.#needExecutor('pause').pause(id);
  }

  /**
   * Cancels a plan. Actions that define `cancel(force)` and whose step is running or suspended are
   * asked to stop their external work; with `force: true` their `this.signal` aborts as well. A
   * step that fails while being cancelled ends `cancelled`. Then, as with `halt`, every step that
   * has not run is cancelled and the plan ends `stopped` with result `cancelled`. Works on running,
   * planned, paused and scheduled (delayed or chained) plans. Resolves once the plan is stopped.
   *
   * @param options - `force`: also abort running steps' `signal` @default false
   */
  async cancel(id: string, options: { force?: boolean } = {}): Promise<void> {
    this.#assertStarted();
    const force = options.force ?? false;
    if (typeof force !== 'boolean') {
      throw new FlowlineError(ErrorCode.INVALID_ARGUMENT, 'cancel option force must be a boolean');
    }
    const stored = await this.#adapter.loadPlan(id);
    if (stored === undefined) throw planNotFound(id);
    if (stored.plan.state === 'scheduled') return this.#cancelScheduled(id);
    await this.#needExecutor('cancel').cancel(id, force);
    // As in Dynflow, cancelling a parent cancels the sub-plans it started that are still going.
    const hasSubPlans = stored.actions.some(
      (action) => this.#registry.classOf(action.className)?.prototype instanceof SubPlansAction,
    );
    if (!hasSubPlans) return;
    const children = await this.subPlans(id);
    await Promise.all(
      children
        .filter((child) => child.state !== 'stopped')
        .map((child) =>
          this.cancel(child.id, { force }).catch((error: unknown) => {
            // A sub-plan may stop on its own meanwhile; anything else is worth a log line.
            if (!(error instanceof FlowlineError && error.code === ErrorCode.INVALID_PLAN_STATE)) {
              this.#logger.error(`cancelling sub-plan ${child.id} of plan ${id} failed`, { error });
            }
          }),
        ),
    );
  }

  /** A delayed or chained plan that has not started: it stops cancelled and will never start. */
  async #cancelScheduled(id: string): Promise<void> {
    const key = `delayed:${id}`;
    const claimed = await this.#adapter.acquireLock({
      key,
      ownerId: this.id,
      planId: id,
      acquiredAt: isoNow(this.#clock),
    });
    if (!claimed) {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${id} is being started right now; cancel it once it runs`,
        { planId: id },
      );
    }
    try {
      const stored = await this.#adapter.loadPlan(id);
      if (stored?.plan.state !== 'scheduled') {
        throw new FlowlineError(
          ErrorCode.INVALID_PLAN_STATE,
          `plan ${id} is ${stored?.plan.state ?? 'gone'}; it is no longer scheduled`,
          { planId: id },
        );
      }
      const events = this.#hub.buffer();
      const at = isoNow(this.#clock);
      const steps = stored.steps.filter((step) => step.state === 'scheduling');
      for (const step of steps) changeStepState(id, step, 'cancelled', at, events);
      stored.plan.result = computeResult(stored.steps);
      changePlanState(stored.plan, 'stopped', at, events);
      stored.plan.history.push({ at, event: 'cancel execution', worldId: this.id });
      await this.#adapter.write({
        plans: [stored.plan],
        steps: steps.map((record): PlanScoped<StepRecord> => ({ planId: id, record })),
        deleteDelayedPlans: [id],
      });
      events.flush();
    } finally {
      await this.#adapter.releaseLock(key, this.id);
    }
  }

  /**
   * Stops a plan without running anything more. Code already running is not interrupted, but its
   * `this.signal` aborts; its outcome is still recorded. Steps that have not run, and suspended
   * ones, are cancelled; the plan ends `stopped` (result `cancelled` when anything was cancelled).
   * Works on running, planned and paused plans. Resolves once the plan is stopped.
   */
  async halt(id: string): Promise<void> {
    await this.#needExecutor('halt').halt(id);
  }

  /**
   * On a paused plan, marks a failed step to be skipped: a run step becomes `skipping` (then
   * `skipped` on resume) together with the steps that take its output by reference and its
   * action's finalize step; steps that merely follow it still run.
   */
  async skipStep(id: string, stepId: number): Promise<void> {
    this.#assertStarted();
    const stored = await this.#adapter.loadPlan(id);
    if (stored === undefined) throw planNotFound(id);
    const step = stored.steps[stepId - 1];
    if (step === undefined) {
      throw stepNotFound(id, stepId);
    }
    if (stored.plan.state !== 'paused') {
      throw new FlowlineError(
        ErrorCode.INVALID_PLAN_STATE,
        `plan ${id} is ${stored.plan.state}; steps can only be skipped in a paused plan`,
        { planId: id, stepId },
      );
    }
    if (step.state !== 'error' || step.phase === 'plan') {
      throw new FlowlineError(
        ErrorCode.STEP_NOT_FAILED,
        `step ${stepId} of plan ${id} is a ${step.phase} step in state ${step.state}; ` +
          'only failed run or finalize steps can be skipped',
        { planId: id, stepId },
      );
    }
    const dependents = dependentsIndex(stored.steps);
    const skipped = stepsToSkip(
      step,
      stored.steps,
      (actionId) => stored.actions[actionId - 1]?.finalizeStepId,
      (required) => dependents.get(required) ?? [],
    );
    const events = this.#hub.buffer();
    const at = isoNow(this.#clock);
    changeStepState(id, step, step.phase === 'run' ? 'skipping' : 'skipped', at, events);
    for (const dependent of skipped) changeStepState(id, dependent, 'skipped', at, events);
    const changed: StepRecord[] = [step, ...skipped];
    stored.plan.result = computeResult(stored.steps);
    await this.#adapter.write({
      plans: [stored.plan],
      steps: changed.map((record): PlanScoped<StepRecord> => ({ planId: id, record })),
    });
    events.flush();
  }

  /**
   * Sends an event to a suspended step: its `run(payload)` is called again. Resolves once the event
   * is accepted; an event for a running step waits until it suspends.
   *
   * @param id - the plan
   * @param stepId - the run step
   * @param payload - JSON data
   */
  async event(id: string, stepId: number, payload: JsonValue): Promise<void> {
    this.#assertStarted();
    const stored = toJson(payload, `event payload for step ${stepId} of plan ${id}`);
    const envelope = {
      id: randomUUID(),
      planId: id,
      stepId,
      payload: stored,
      createdAt: isoNow(this.#clock),
    };
    if (this.#executor !== undefined && (await this.#executor.deliver(envelope))) return;
    const plan = await this.#adapter.loadPlan(id);
    if (plan === undefined) throw planNotFound(id);
    const step = plan.steps[stepId - 1];
    if (step === undefined) {
      throw stepNotFound(id, stepId);
    }
    if (plan.plan.state === 'stopped' || !acceptsEvents(step)) {
      throw stepNotSuspended(id, step);
    }
    // Not executing here (a client-only world): queued for the world that executes the plan.
    await this.#adapter.enqueueEvent(envelope);
  }

  /**
   * The plan with this id, or `undefined`. A plan this world cannot execute (unregistered action,
   * newer schema) comes back with `invalid` set; an unreadable one rejects with `INVALID_PLAN`.
   */
  async executionPlan(id: string): Promise<ExecutionPlan | undefined> {
    this.#assertStarted();
    const stored = await this.#adapter.loadPlan(id);
    return stored === undefined ? undefined : this.#present(stored);
  }

  /** Plans matching `filter`, newest first. */
  async executionPlans(filter: PlanFilter = {}): Promise<ExecutionPlan[]> {
    this.#assertStarted();
    // Checked here too, so that an adapter of one's own that does not check gets no bad filter.
    checkPlanFilter(filter, 'executionPlans');
    const records = await this.#adapter.findPlans(filter);
    const plans = await Promise.all(
      records.map(async (record) => {
        try {
          const stored = await this.#adapter.loadPlan(record.id);
          return stored === undefined ? [] : [this.#present(stored)];
        } catch (error) {
          if (!(error instanceof FlowlineError) || error.code !== ErrorCode.INVALID_PLAN)
            throw error;
          return [unreadablePlan(record, error)];
        }
      }),
    );
    return plans.flat();
  }

  /**
   * The sub-plans a plan's `SubPlansAction` steps triggered (those of one step when `stepId` is
   * given), in the order they were stored. Each has `parent` set to the step that triggered it.
   * Lists every plan in the store to find them.
   */
  async subPlans(id: string, stepId?: number): Promise<ExecutionPlan[]> {
    this.#assertStarted();
    const records = await this.#subPlans.list(id, stepId);
    const plans = await Promise.all(records.map((record) => this.#adapter.loadPlan(record.id)));
    return plans.flatMap((stored) => (stored === undefined ? [] : [this.#present(stored)]));
  }

  /**
   * The plans chained to a plan with `world.chain`: those it waits for (`prerequisites`) and those
   * waiting for it (`dependents`), by id.
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` for an unknown plan
   */
  async chainedPlans(id: string): Promise<{ prerequisites: string[]; dependents: string[] }> {
    this.#assertStarted();
    const [prerequisites, dependents, stored] = await Promise.all([
      this.#adapter.findDependencies(id),
      this.#adapter.findDependents(id),
      isStored(id, this.#adapter),
    ]);
    if (!stored) throw planNotFound(id);
    return { prerequisites, dependents };
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
    const lines = await this.#adapter.loadLogs(id, stepId);
    if (lines.length > 0) return lines;
    const stored = await this.#adapter.loadPlan(id);
    if (stored === undefined) throw planNotFound(id);
    if (stepId !== undefined && stored.steps[stepId - 1] === undefined) {
      throw stepNotFound(id, stepId);
    }
    return lines;
  }

  /** The public snapshot of a stored plan, marked invalid when this world cannot execute it. */
  #present(stored: StoredPlan): ExecutionPlan {
    const plan = presentStoredPlan(stored);
    if (plan.invalid !== undefined) return plan;
    const unknown = stored.actions.find(
      (action) => this.#registry.classOf(action.className) === undefined,
    );
    if (unknown !== undefined) {
      plan.invalid = {
        code: ErrorCode.ACTION_NOT_REGISTERED,
        message:
          `plan ${plan.id} uses action "${unknown.className}" (action ${unknown.id}), ` +
          'which is not registered in this world',
      };
    }
    return plan;
  }

  /**
   * Listens to a world event. Listeners that throw are logged and ignored.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof WorldEventMap>(name: K, listener: WorldEventListener<K>): () => void {
    return this.#hub.on(name, listener);
  }

  #startPlanning(
    action: ActionClass,
    args: readonly unknown[],
  ): { id: string; planned: Promise<ExecutionPlan> } {
    this.#assertStarted();
    const label = this.#registry.nameOf(action);
    // Arguments must be data (they may be stored for delayed plans); an omitted optional one is fine.
    args.forEach((arg, index) => {
      if (arg !== undefined) toJson(arg, `argument ${index + 1} of ${label}`);
    });
    const id = newPlanId(this.#clock.now());
    const planned = this.#track(this.#planAndStore(id, label, action, args, undefined));
    planned.catch(() => {});
    return { id, planned };
  }

  /**
   * The plan phase of one plan and its write. A plan whose root action is a singleton takes the
   * singleton lock first, or is refused (`SINGLETON_ACTIVE` on its root plan step). A `scheduled`
   * plan is planned from its stored record, and its delayed record is deleted in the same write.
   */
  async #planAndStore(
    id: string,
    label: string,
    action: ActionClass,
    args: readonly unknown[],
    scheduled: BuiltPlan | undefined,
    parent?: PlanParent,
  ): Promise<ExecutionPlan> {
    const events = this.#hub.buffer();
    const name = this.#registry.nameOf(action);
    // Only a singleton waits here: any other plan's plan() still runs within trigger().
    const singleton = isSingleton(action)
      ? await this.#singletons.acquire(action, name, id)
      : { held: false, refusal: undefined };
    let built: BuiltPlan;
    try {
      const builder = new PlanBuilder(
        id,
        label,
        { registry: this.#registry, now: () => isoNow(this.#clock), listener: events },
        scheduled,
      );
      built = await builder.build(action, args, { refuse: singleton.refusal });
      if (parent !== undefined) built.plan.parent = parent;
      await this.#adapter.write({
        plans: [built.plan],
        actions: built.actions.map((record) => ({ planId: id, record })),
        steps: built.steps.map((record) => ({ planId: id, record })),
        ...(scheduled === undefined ? {} : { deleteDelayedPlans: [id] }),
      });
    } catch (error) {
      if (singleton.held) await this.#singletons.release(name, id);
      throw error;
    }
    if (singleton.held && built.plan.state !== 'planned') {
      await this.#singletons.release(name, id);
    }
    // Lines the actions wrote to this.log in plan(), kept with their plan steps.
    if (built.logs !== undefined) {
      await this.#adapter.appendLogs(built.logs).catch((error: unknown) => {
        this.#logger.error(`could not store the plan-phase log of plan ${id}`, {
          planId: id,
          error,
        });
      });
    }
    events.flush();
    // The builder's records are not used again (the executor loads the plan from the store).
    return toExecutionPlan(built, false);
  }

  /** Stores a plan in state `scheduled` with its delayed record and prerequisites, in one write. */
  async #schedule(
    name: string,
    window: Omit<DelayedPlanRecord, 'planId' | 'frozen'>,
    prerequisites: readonly string[],
  ): Promise<ExecutionPlan> {
    const id = newPlanId(this.#clock.now());
    const events = this.#hub.buffer();
    const built = scheduledPlan(id, name, name, {
      now: () => isoNow(this.#clock),
      listener: events,
    });
    const delayed: DelayedPlanRecord = { planId: id, ...window, frozen: false };
    await this.#adapter.write({
      plans: [built.plan],
      actions: built.actions.map((record) => ({ planId: id, record })),
      steps: built.steps.map((record) => ({ planId: id, record })),
      delayedPlans: [delayed],
      dependencies: prerequisites.map((dependsOn): PlanDependency => ({ planId: id, dependsOn })),
    });
    events.flush();
    return toExecutionPlan(built, false);
  }

  /** The scheduler's hand-off: plans a due scheduled plan and starts executing it. */
  async #startScheduled(stored: StoredPlan, record: DelayedPlanRecord): Promise<void> {
    const className = stored.actions[0]?.className ?? '';
    const action = this.#registry.classOf(className);
    if (action === undefined || this.#executor === undefined) return;
    const plan = await this.#track(
      this.#planAndStore(stored.plan.id, stored.plan.label, action, record.args, stored),
    );
    if (plan.state !== 'planned') return;
    // Also while the world closes: a plan left running is recovered by the next world, while a
    // planned one would wait for someone to execute it.
    this.#executor.execute(plan.id).catch((error: unknown) => {
      this.#logger.error(`executing delayed plan ${plan.id} failed`, { error });
    });
  }

  /**
   * Before a paused plan whose root action is a singleton runs again, it takes its lock again.
   *
   * @returns the action name when the lock was taken now (to release if execution fails)
   */
  async #relockSingleton(id: string): Promise<string | undefined> {
    if (!this.#singletons.active) return undefined;
    const stored = await this.#adapter.loadPlan(id);
    const root = stored?.actions[0];
    if (stored === undefined || root === undefined) return undefined;
    const taken = await this.#singletons.reacquire(
      id,
      stored.plan.state,
      root.className,
      this.#registry.classOf(root.className),
    );
    return taken ? root.className : undefined;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#planning.add(promise);
    void promise.then(
      () => this.#planning.delete(promise),
      () => this.#planning.delete(promise),
    );
    return promise;
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
    if (this.#state === 'closed') {
      throw new FlowlineError(ErrorCode.WORLD_CLOSED, `world ${this.id} is closed`);
    }
    if (this.#state !== 'started') {
      throw new FlowlineError(
        ErrorCode.WORLD_NOT_STARTED,
        `world ${this.id} is not started; await world.start() first`,
      );
    }
  }
}

/** A boolean world option (default true), checked. */
function booleanOption(options: WorldOptions, key: 'autoExecute' | 'scheduler'): boolean {
  const value = options[key];
  if (value === undefined) return true;
  if (typeof value !== 'boolean') {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `World option ${key} must be true or false, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    );
  }
  return value;
}

function positiveOption(
  options: WorldOptions,
  key: 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'schedulerPollIntervalMs',
  fallback: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `World option ${key} must be a positive number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

/** Whether a plan is stored (checked alongside the chain lookups, which cannot tell). */
async function isStored(id: string, adapter: PersistenceAdapter): Promise<boolean> {
  return (await adapter.loadPlan(id)) !== undefined;
}
