import { randomUUID } from 'node:crypto';
import type { ActionClass, PlanArgs } from '../action/types.js';
import { ActionRegistry } from '../action/registry.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Clock } from '../executor/clock.js';
import { isoNow, systemClock } from '../executor/clock.js';
import type { Executor } from '../executor/executor.js';
import { ParallelExecutor, notSuspended } from '../executor/parallel-executor.js';
import { toExecutionPlan } from '../executor/plan-runtime.js';
import { planSkip } from '../executor/rescue.js';
import type {
  PersistenceAdapter,
  PlanFilter,
  PlanScoped,
  StoredPlan,
} from '../persistence/adapter.js';
import { MemoryAdapter } from '../persistence/memory-adapter.js';
import { withStorageRetries } from '../persistence/resilient-adapter.js';
import { PlanBuilder } from '../plan/plan-builder.js';
import type { ExecutionPlan, JsonValue, PlanRecord, StepRecord } from '../plan/records.js';
import { SCHEMA_VERSION } from '../plan/records.js';
import { computeResult } from '../plan/result.js';
import { toJson } from '../plan/serialization.js';
import { changeStepState } from '../plan/transitions.js';
import { Coordinator, processIdentity } from './coordinator.js';
import { PlanHookRunner } from './plan-hooks.js';
import type { WorldEventListener, WorldEventMap } from './events.js';
import { EventHub } from './events.js';
import type { Logger } from './logger.js';
import { consoleLogger } from './logger.js';
import type { WorldOptions } from './options.js';

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
    this.#coordinator = new Coordinator(
      { id: this.id, ...processIdentity(), executor: this.#executor !== undefined },
      this.#adapter,
      this.#executor,
      this.#clock,
      this.#logger,
      { heartbeatIntervalMs, heartbeatTimeoutMs },
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
      hub: this.#hub,
      clock: this.#clock,
      logger: this.#logger,
      concurrency: this.#concurrency,
      sendEvent: (planId, stepId, payload) => this.event(planId, stepId, payload),
    });
    this.#state = 'started';
    await this.#coordinator.start();
  }

  /**
   * Stops taking work, waits for planning and step executions in progress to be stored, and closes
   * the store. Plans still running stay `running` in the store.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasStarted = this.#state === 'started';
    this.#state = 'closed';
    await Promise.allSettled([...this.#planning]);
    await this.#hooks.idle();
    await this.#executor?.close();
    // Plans that settled while the executor drained have hooks still to run.
    await this.#hooks.idle();
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
    const finished = planned.then((plan) =>
      plan.state === 'planned' && this.#executor !== undefined ? this.execute(plan.id) : plan,
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
    return this.#needExecutor('execute').execute(id);
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
      throw new FlowlineError(ErrorCode.STEP_NOT_FOUND, `plan ${id} has no step ${stepId}`, {
        planId: id,
        stepId,
      });
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
    const dependents = new Map<number, number[]>();
    for (const s of stored.steps) {
      for (const required of s.requires ?? []) {
        dependents.set(required, [...(dependents.get(required) ?? []), s.id]);
      }
    }
    const skip = planSkip(
      step,
      stored.steps,
      (actionId) => stored.actions[actionId - 1]?.finalizeStepId,
      (required) => dependents.get(required) ?? [],
    );
    const events = this.#hub.buffer();
    const at = isoNow(this.#clock);
    changeStepState(id, step, step.phase === 'run' ? 'skipping' : 'skipped', at, events);
    for (const dependent of skip.dependents) changeStepState(id, dependent, 'skipped', at, events);
    const changed: StepRecord[] = [step, ...skip.dependents];
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
      throw new FlowlineError(ErrorCode.STEP_NOT_FOUND, `plan ${id} has no step ${stepId}`, {
        planId: id,
        stepId,
      });
    }
    if (
      plan.plan.state === 'stopped' ||
      step.phase !== 'run' ||
      (step.state !== 'suspended' && step.state !== 'running')
    ) {
      throw notSuspended(id, step);
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
    for (const key of ['limit', 'offset'] as const) {
      const value = filter[key];
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        throw new FlowlineError(
          ErrorCode.INVALID_ARGUMENT,
          `executionPlans filter ${key} must be a non-negative integer, got ${String(value)}`,
        );
      }
    }
    const records = await this.#adapter.findPlans(filter);
    const plans = await Promise.all(
      records.map(async (record) => {
        try {
          const stored = await this.#adapter.loadPlan(record.id);
          return stored === undefined ? [] : [this.#present(stored)];
        } catch (error) {
          if (!(error instanceof FlowlineError) || error.code !== ErrorCode.INVALID_PLAN)
            throw error;
          return [unreadable(record, error)];
        }
      }),
    );
    return plans.flat();
  }

  /** The public snapshot of a stored plan, marked invalid when this world cannot execute it. */
  #present(stored: StoredPlan): ExecutionPlan {
    const plan = toExecutionPlan(stored, false);
    if (stored.plan.schemaVersion > SCHEMA_VERSION) {
      plan.invalid = {
        code: ErrorCode.INVALID_PLAN,
        message:
          `plan ${plan.id} was stored by a newer Flowline (schema version ` +
          `${stored.plan.schemaVersion}; this one knows ${SCHEMA_VERSION})`,
      };
      return plan;
    }
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
    const id = randomUUID();
    const events = this.#hub.buffer();
    const planned = this.#track(
      (async () => {
        const built = await new PlanBuilder(id, label, {
          registry: this.#registry,
          now: () => isoNow(this.#clock),
          listener: events,
        }).build(action, args);
        await this.#adapter.write({
          plans: [built.plan],
          actions: built.actions.map((record) => ({ planId: id, record })),
          steps: built.steps.map((record) => ({ planId: id, record })),
        });
        events.flush();
        return toExecutionPlan(built, true);
      })(),
    );
    planned.catch(() => {});
    return { id, planned };
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

function planNotFound(id: string): FlowlineError {
  return new FlowlineError(ErrorCode.PLAN_NOT_FOUND, `no execution plan ${id}`, { planId: id });
}

function positiveOption(
  options: WorldOptions,
  key: 'heartbeatIntervalMs' | 'heartbeatTimeoutMs',
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

/** A listed plan whose actions or steps cannot be read: shown from its plan record alone. */
function unreadable(record: PlanRecord, error: FlowlineError): ExecutionPlan {
  return {
    ...toExecutionPlan({ plan: record, actions: [], steps: [] }, false),
    invalid: { code: error.code, message: error.message },
  };
}
