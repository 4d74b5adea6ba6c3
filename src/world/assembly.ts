import type { ActionRegistry } from '../action/registry.js';
import type { Executor, ExecutorContext } from '../executor/executor.js';
import { ParallelExecutor } from '../executor/parallel-executor.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import { MemoryAdapter } from '../persistence/memory-adapter.js';
import { withStorageRetries } from '../persistence/resilient-adapter.js';
import type { ExecutionPlan, JsonValue } from '../plan/records.js';
import { Coordinator, processIdentity } from './coordinator.js';
import { EventHub } from './events.js';
import type { ResolvedWorldOptions } from './options.js';
import { IdempotentTriggers } from './idempotent-triggers.js';
import { PlanHookRunner } from './plan-hooks.js';
import { PlanWaiter } from './plan-waiter.js';
import { PlanReader } from './plan-reader.js';
import { Planner } from './planner.js';
import { ScheduledPlans } from './scheduled-plans.js';
import { Scheduler } from './scheduler.js';
import { SingletonLocks } from './singleton.js';
import { SubPlanTracker } from './sub-plans.js';

/** The parts a world is made of; the `World` façade hands each call to one of them. @internal */
export interface WorldParts {
  /** The store, every failure a `FlowlineError` and transient ones retried. */
  readonly adapter: PersistenceAdapter;
  /** Absent in a client-only world (`executor: false`). */
  readonly executor: Executor | undefined;
  readonly hub: EventHub;
  readonly reader: PlanReader;
  readonly planner: Planner;
  readonly scheduled: ScheduledPlans;
  /** Starts delayed and chained plans; executor worlds with the scheduler on only. */
  readonly scheduler: Scheduler | undefined;
  readonly singletons: SingletonLocks;
  readonly hooks: PlanHookRunner;
  /** Sub-plans of `SubPlansAction` steps: triggering, concurrency limits, notices to parents. */
  readonly subPlans: SubPlanTracker;
  readonly coordinator: Coordinator;
  /** Waits for plans other worlds execute (by events of this world, else by polling the store). */
  readonly waiter: PlanWaiter;
  /** `world.triggerWith`: caller-chosen ids and idempotency keys. */
  readonly triggers: IdempotentTriggers;
}

/**
 * Makes a world's parts from its resolved options and wires them together.
 *
 * The parts hear committed plan state changes (`plan:state`) before any user listener, in this
 * order: execution-plan hooks, singleton locks (released when a holder pauses or stops), the
 * scheduler (a stopped prerequisite wakes its chain), the sub-plan tracker (news for parent steps).
 *
 * @param execute - executes a planned plan in this world (sub-plans are started through it)
 * @internal
 */
export function assembleWorld(
  options: ResolvedWorldOptions,
  registry: ActionRegistry,
  execute: (planId: string) => Promise<ExecutionPlan>,
): WorldParts {
  const { clock, logger } = options;
  const adapter = withStorageRetries(
    options.adapter ?? new MemoryAdapter(),
    clock,
    logger,
    options.storageRetry,
  );
  const executor = options.executor ? new ParallelExecutor() : undefined;
  const hub = new EventHub(logger);
  const host = { worldId: options.id, adapter, clock, logger, events: () => hub.buffer() };
  const userContext = options.context;
  const singletons = new SingletonLocks(adapter, clock, logger);
  const planner = new Planner({ ...host, registry, singletons, executor, userContext });
  const scheduled = new ScheduledPlans(host);
  const scheduler =
    executor === undefined || !options.scheduler
      ? undefined
      : new Scheduler({
          ...host,
          pollIntervalMs: options.schedulerPollIntervalMs,
          scheduled,
          canPlan: (className) => registry.classOf(className) !== undefined,
          startPlan: (stored, record) => planner.startScheduled(stored, record),
        });
  const hooks = new PlanHookRunner(registry, adapter, logger, userContext);
  const subPlans = new SubPlanTracker({
    ...host,
    executor,
    check: (action, args) => {
      planner.checkArguments(args, `sub-plan ${registry.nameOf(action)}`);
    },
    plan: (id, action, args, parent) =>
      planner.plan(id, registry.nameOf(action), action, args, undefined, parent),
    execute,
  });
  hub.on('plan:state', (event) => {
    hooks.handle(event);
    singletons.handle(event);
    scheduler?.handle(event);
    subPlans.handle(event);
  });
  const coordinator = new Coordinator(
    { id: options.id, ...processIdentity(), executor: executor !== undefined },
    adapter,
    // The executor the coordinator hands orphaned plans to: none when they are left alone.
    options.autoExecute ? executor : undefined,
    clock,
    logger,
    options,
  );
  const reader = new PlanReader(adapter, (name) => registry.classOf(name));
  const waiter = new PlanWaiter({
    worldId: options.id,
    hub,
    reader,
    clock,
    pollIntervalMs: options.schedulerPollIntervalMs,
  });
  const triggers = new IdempotentTriggers({
    registry,
    adapter,
    reader,
    planner,
    waiter,
    clock,
    logger,
    executor,
  });
  return {
    adapter,
    executor,
    hub,
    reader,
    planner,
    scheduled,
    scheduler,
    singletons,
    hooks,
    subPlans,
    coordinator,
    waiter,
    triggers,
  };
}

/**
 * What a world hands its executor when it starts.
 *
 * @param sendEvent - `world.event` (used by `SuspendedAction.event`)
 * @internal
 */
export function executorContext(
  parts: WorldParts,
  options: ResolvedWorldOptions,
  registry: ActionRegistry,
  sendEvent: (planId: string, stepId: number, payload: JsonValue) => Promise<void>,
): ExecutorContext {
  return {
    worldId: options.id,
    adapter: parts.adapter,
    registry,
    stateChanges: () => parts.hub.buffer(),
    clock: options.clock,
    logger: options.logger,
    concurrency: options.concurrency,
    sendEvent,
    subPlans: parts.subPlans,
    userContext: options.context,
  };
}
