/**
 * `flowline/adapter`: what an adapter author needs. The {@link PersistenceAdapter} contract with
 * every record type it stores and returns, the filter check every adapter applies to `findPlans`,
 * the checks every adapter applies to the records it reads back (`checkStoredPlan`, `read*`, one per
 * record kind), and the in-memory adapter (a small, complete example of the contract). The SQLite and PostgreSQL
 * adapters have their own entries (`flowline/sqlite`, `flowline/postgres`); the conformance suite
 * every adapter runs is in `flowline/testing`.
 *
 * @packageDocumentation
 */
export type {
  DelayedPlanRecord,
  EventEnvelope,
  FlowVersionFilter,
  FlowVersionRecord,
  LockRecord,
  MessageEnvelope,
  PersistenceAdapter,
  PlanDependency,
  PlanFilter,
  PlanInsert,
  PlanInsertResult,
  PlanScoped,
  StepClaim,
  StepLogLine,
  StoredPlan,
  UnreadableRecord,
  WorldRecord,
  WriteBatch,
} from './adapter.js';
export type {
  ActionRecord,
  HistoryEntry,
  JsonObject,
  JsonValue,
  PlanParent,
  PlanRecord,
  StepAttempt,
  StepRecord,
  StepWait,
} from '../plan/records.js';
export { SCHEMA_VERSION } from '../plan/records.js';
export type { PlanResult, PlanState, StepState, Phase } from '../plan/states.js';
export { MemoryAdapter } from './memory-adapter.js';
export {
  checkFlowVersionFilter,
  compareFlowVersions,
  matchesFlowVersionFilter,
} from './flow-version-filter.js';
export {
  FLOW_VERSION_STAGES,
  checkFlowVersionRecords,
  readFlowVersionRecord,
} from './flow-version-records.js';
export type { FlowVersionRow } from './flow-version-records.js';
export { checkPlanFilter } from './plan-filter.js';
export { checkPlanInsert } from './plan-insert.js';
export {
  UnparsableRecord,
  checkDelayedPlanRecord,
  checkStoredPlan,
  parseStoredJson,
  readDelayedPlanRecord,
  readEventEnvelope,
  readLockRecord,
  readMessageEnvelope,
  readPlanIds,
  readPlanRecord,
  readStepLogLine,
  readWorldRecord,
  refuseUnreadable,
} from './record-decoding.js';
export type { PlanColumns } from './record-decoding.js';
export {
  actionRecordProblem,
  delayedPlanRecordProblem,
  eventEnvelopeProblem,
  lockRecordProblem,
  messageEnvelopeProblem,
  planRecordProblem,
  stepLogLineProblem,
  stepRecordProblem,
  worldRecordProblem,
} from './record-checks.js';
export { storedPlanProblem } from './stored-plan-check.js';
export type { StoredPlanParts } from './stored-plan-check.js';
export type { StorageRetryPolicy } from './resilient-adapter.js';
