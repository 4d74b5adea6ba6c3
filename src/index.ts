/**
 * Flowline: an embeddable workflow engine in the Dynflow tradition.
 *
 * @packageDocumentation
 */
export { Action } from './action/action.js';
export { PollingAction } from './action/polling-action.js';
export type { PollAttempts, PollEvent, PollingOutput } from './action/polling-action.js';
export type { TimeoutEvent } from './action/timeouts.js';
export { SubPlansAction } from './action/sub-plans-action.js';
export type { SubPlan, SubPlansBatch, SubPlansOutput } from './action/sub-plans-action.js';
export { ExecutionPlanHooks } from './action/execution-plan-hooks.js';
export { MiddlewareStack } from './action/middleware.js';
export type { Middleware, MiddlewareContext, MiddlewarePlacement } from './action/middleware.js';
export type { HookEntry, HookEvent } from './action/execution-plan-hooks.js';
export type { OutputReference, ReferenceBrand } from './action/output-reference.js';
export type { StepLog, StepLogLevel } from './action/step-log.js';
export type { RetryOptions } from './action/step-options.js';
export type { SuspendedAction } from './action/suspend.js';
export type {
  ActionClass,
  AnyAction,
  InputOf,
  OutputOf,
  PlanArgs,
  Planned,
  RescueStrategy,
} from './action/types.js';
export { ErrorCode, FlowlineError } from './errors.js';
export type { ErrorDetails, SerializedError } from './errors.js';
export type { Clock, TimerHandle } from './shared/clock.js';
export { systemClock } from './shared/clock.js';
export type { Executor, ExecutorContext } from './executor/executor.js';
export { ParallelExecutor } from './executor/parallel-executor.js';
export type {
  DelayedPlanRecord,
  EventEnvelope,
  LockRecord,
  PersistenceAdapter,
  PlanDependency,
  PlanFilter,
  PlanScoped,
  StepClaim,
  StepLogLine,
  StoredPlan,
  WorldRecord,
  WriteBatch,
} from './persistence/adapter.js';
export type { StorageRetryPolicy } from './persistence/resilient-adapter.js';
export { MemoryAdapter } from './persistence/memory-adapter.js';
export type { AtomFlow, ComposedFlow, ConcurrenceFlow, Flow, SequenceFlow } from './plan/flow.js';
export type {
  ActionRecord,
  ExecutionPlan,
  HistoryEntry,
  JsonObject,
  JsonValue,
  PlanParent,
  PlanRecord,
  StepAttempt,
  StepRecord,
} from './plan/records.js';
export { SCHEMA_VERSION } from './plan/records.js';
export { PlanResult, PlanState, StepState } from './plan/states.js';
export type { Phase } from './plan/states.js';
export type {
  PlanStateEvent,
  StepStateEvent,
  WorldEventListener,
  WorldEventMap,
} from './world/events.js';
export type { DelayOptions, TimeInput } from './world/delay.js';
export type { LogMeta, Logger } from './shared/logger.js';
export { consoleLogger, silentLogger } from './shared/logger.js';
export type { WorldOptions } from './world/options.js';
export type { Triggered } from './world/world.js';
export { World } from './world/world.js';
