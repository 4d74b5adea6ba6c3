/**
 * Flowline: an embeddable workflow engine in the Dynflow tradition.
 *
 * @packageDocumentation
 */
import type {
  DelayedPlanRecord as AdapterDelayedPlanRecord,
  EventEnvelope as AdapterEventEnvelope,
  LockRecord as AdapterLockRecord,
  PlanDependency as AdapterPlanDependency,
  PlanScoped as AdapterPlanScoped,
  StepClaim as AdapterStepClaim,
  StoredPlan as AdapterStoredPlan,
  WriteBatch as AdapterWriteBatch,
} from './persistence/index.js';

export {
  Action,
  ExecutionPlanHooks,
  MiddlewareStack,
  PollingAction,
  SubPlansAction,
  isSuspension,
  withSchemas,
} from './action/index.js';
export type {
  ActionClass,
  ActionSchemas,
  ActionWithSchemas,
  FlowlineContext,
  AnyAction,
  HookEntry,
  HookEvent,
  InputOf,
  Middleware,
  MiddlewareContext,
  MiddlewarePlacement,
  OutputOf,
  OutputReference,
  PlanArgs,
  Planned,
  PollAttempts,
  PollEvent,
  PollingOutput,
  ReferenceBrand,
  RescueStrategy,
  RetryOptions,
  StepLog,
  StepLogLevel,
  SubPlan,
  SubPlansBatch,
  StandardSchemaV1,
  SubPlansOutput,
  SuspendedAction,
  SuspendOptions,
  TimeoutEvent,
} from './action/index.js';
export { ErrorCode, FlowlineError } from './errors.js';
export type { ErrorData, ErrorDetails, SerializedError, ValidationIssue } from './errors.js';
export type { Clock, LogMeta, Logger, TimerHandle, TimerKind, TimerLabel } from './shared/index.js';
export { consoleLogger, silentLogger, systemClock } from './shared/index.js';
export type {
  PersistenceAdapter,
  PlanFilter,
  StepLogLine,
  StorageRetryPolicy,
  WorldRecord,
} from './persistence/index.js';
export { MemoryAdapter } from './persistence/index.js';
export type {
  ActionRecord,
  AtomFlow,
  ComposedFlow,
  ConcurrenceFlow,
  ExecutionPlan,
  Flow,
  HistoryEntry,
  JsonObject,
  JsonValue,
  Phase,
  PlanParent,
  PlanRecord,
  SequenceFlow,
  StepAttempt,
  StepRecord,
  StepWait,
} from './plan/index.js';
export { MAX_JSON_DEPTH, PlanResult, PlanState, SCHEMA_VERSION, StepState } from './plan/index.js';
export type {
  DelayOptions,
  ExecuteOptions,
  PlanStateEvent,
  StepStateEvent,
  TimeInput,
  Triggered,
  TriggerOptions,
  WorldEventListener,
  WorldEventMap,
  WorldOptions,
} from './world/index.js';
export { World } from './world/index.js';

// Adapter-author types: they moved to `flowline/adapter`, and stay here for one minor version.

/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type DelayedPlanRecord = AdapterDelayedPlanRecord;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type EventEnvelope = AdapterEventEnvelope;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type LockRecord = AdapterLockRecord;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type PlanDependency = AdapterPlanDependency;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type PlanScoped<T> = AdapterPlanScoped<T>;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type StepClaim = AdapterStepClaim;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type StoredPlan = AdapterStoredPlan;
/** @deprecated Import it from `flowline/adapter`; this re-export goes in the next minor version. */
export type WriteBatch = AdapterWriteBatch;
