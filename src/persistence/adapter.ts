import type {
  ActionRecord,
  JsonObject,
  JsonValue,
  PlanRecord,
  StepLogLine,
  StepRecord,
  StoredPlan,
} from '../plan/records.js';
import type { PlanResult, PlanState, StepState } from '../plan/states.js';

export type { StepLogLine, StoredPlan } from '../plan/records.js';

/**
 * Marks a record an adapter returned for a row it could not read (a damaged or hand-edited row), in
 * a list or a queue that must not fail because of one row. The other fields hold what could be read
 * and documented placeholders; see `flowline/adapter`'s `read*` functions.
 */
export interface UnreadableRecord {
  /** `INVALID_PLAN` for a record of a plan (events, delayed plans), else `STORAGE_ERROR`. */
  readonly code: string;
  /** Names the store, the record and what is wrong with it. */
  readonly message: string;
}

/** A record that belongs to a plan. */
export interface PlanScoped<T> {
  readonly planId: string;
  readonly record: T;
}

/**
 * Writes applied together: either all of them are committed or none is. Each entry replaces the
 * stored record with the same key (plan id; plan id + action id; plan id + step id).
 */
export interface WriteBatch {
  readonly plans?: readonly PlanRecord[];
  readonly actions?: readonly PlanScoped<ActionRecord>[];
  readonly steps?: readonly PlanScoped<StepRecord>[];
  /** Delayed-plan records to insert or replace (key: plan id). */
  readonly delayedPlans?: readonly DelayedPlanRecord[];
  /** Plan ids whose delayed-plan record is removed. */
  readonly deleteDelayedPlans?: readonly string[];
  /** Plan dependencies to add (`planId` starts only after `dependsOn` stopped); duplicates are ignored. */
  readonly dependencies?: readonly PlanDependency[];
}

/**
 * A new plan to insert with {@link PersistenceAdapter.insertPlan}: a write batch holding exactly
 * one plan record (with its actions and steps, and anything else a batch may hold).
 */
export interface PlanInsert extends WriteBatch {
  readonly plans: readonly [PlanRecord];
}

/**
 * What {@link PersistenceAdapter.insertPlan} did: inserted the plan, or wrote nothing because a
 * stored plan already holds its id or its idempotency key.
 */
export type PlanInsertResult =
  | { readonly inserted: true }
  | {
      readonly inserted: false;
      /** The id of the stored plan that holds the id or the key. */
      readonly existingId: string;
      /** What that plan holds: the new plan's `id` (checked first), or its `idempotencyKey`. */
      readonly conflict: 'id' | 'idempotencyKey';
    };

/** A plan waiting to be started later (`world.delay`). */
export interface DelayedPlanRecord {
  readonly planId: string;
  /** ISO time the plan may start. */
  readonly startAt: string;
  /** ISO time after which the plan must not start any more. */
  readonly startBefore?: string;
  /** The arguments to plan it with. */
  readonly args: readonly JsonValue[];
  /** A frozen delayed plan is not started until it is thawed. */
  readonly frozen: boolean;
  /** Set on a record listed from a row that could not be read (see {@link UnreadableRecord}). */
  readonly invalid?: UnreadableRecord;
}

/** `planId` may start only once `dependsOn` is stopped (`world.chain`). */
export interface PlanDependency {
  readonly planId: string;
  readonly dependsOn: string;
}

/** A world registered in the store (the coordinator's view of a process). */
export interface WorldRecord {
  readonly id: string;
  /** Host name of the process. */
  readonly host: string;
  /** Process id on that host. */
  readonly pid: number;
  /** Whether the world executes plans (false for client-only worlds). */
  readonly executor: boolean;
  /** ISO time the world started. */
  readonly startedAt: string;
  /** ISO time of its last heartbeat. */
  readonly heartbeatAt: string;
  /** Set on a record listed from a row that could not be read (see {@link UnreadableRecord}). */
  readonly invalid?: UnreadableRecord;
}

/** A lock held by a world, e.g. `execution-plan:<id>` or `singleton:<action>`. */
export interface LockRecord {
  /** What is locked; unique. */
  readonly key: string;
  /** The world holding it. */
  readonly ownerId: string;
  /** The plan the lock is about, when there is one. */
  readonly planId?: string;
  /** ISO time it was taken. */
  readonly acquiredAt: string;
  /** Set on a record listed from a row that could not be read (see {@link UnreadableRecord}). */
  readonly invalid?: UnreadableRecord;
}

/**
 * Which plans to list. Absent fields do not filter; the others combine with AND. `limit` and
 * `offset` apply after filtering, to the newest-first order.
 */
export interface PlanFilter {
  readonly state?: PlanState | readonly PlanState[];
  readonly result?: PlanResult | readonly PlanResult[];
  readonly label?: string;
  /**
   * Only sub-plans of this plan (of this one run step when `stepId` is given): plans whose
   * `parent.planId` (and `parent.stepId`) are these. `planId` must be a non-empty string and
   * `stepId` a positive integer, or `findPlans` rejects with `INVALID_ARGUMENT`.
   */
  readonly parent?: { readonly planId: string; readonly stepId?: number };
  /**
   * Only the plan triggered with this idempotency key (`world.triggerWith`): at most one plan. A
   * non-empty string without U+0000 or lone surrogates, or `findPlans` rejects with
   * `INVALID_ARGUMENT`.
   */
  readonly idempotencyKey?: string;
  /** At most this many (a non-negative integer). */
  readonly limit?: number;
  /** Skip this many first (a non-negative integer). */
  readonly offset?: number;
}

/** An event waiting for a suspended step. */
export interface EventEnvelope {
  /** Unique id. */
  readonly id: string;
  readonly planId: string;
  readonly stepId: number;
  readonly payload: JsonValue;
  /** ISO time it was accepted. */
  readonly createdAt: string;
  /**
   * Set on an event taken or dropped from a row that could not be read (see
   * {@link UnreadableRecord}); its payload is then `null`. The world drops such an event with an
   * error log and takes the next one.
   */
  readonly invalid?: UnreadableRecord;
}

/**
 * A message sent to a plan by name (`world.send(planId, name, payload)`), kept until a run step of
 * the plan that waits for that name (`suspend({ waitFor: name })`) takes it.
 */
export interface MessageEnvelope {
  /** Unique id: enqueueing the same id again keeps one message. */
  readonly id: string;
  readonly planId: string;
  /** The message name (non-empty, at most 256 characters, no U+0000 or lone surrogates). */
  readonly name: string;
  readonly payload: JsonValue;
  /** ISO time it was accepted. */
  readonly createdAt: string;
  /**
   * Set on a message taken from a row that could not be read (see {@link UnreadableRecord}); its
   * payload is then `null`. The world drops such a message with an error log and takes the next one.
   */
  readonly invalid?: UnreadableRecord;
}

/** The conditional move that starts a step. */
export interface StepClaim {
  readonly planId: string;
  readonly stepId: number;
  /** The step moves only if its stored state is one of these. */
  readonly from: readonly StepState[];
  /** ISO time to record as the step's `startedAt` when it has none. */
  readonly at: string;
}

/**
 * One stored version of a declarative flow (`flowline/flows`). Versions of a flow are numbered from
 * 1; a version's definition never changes once another version follows it.
 */
export interface FlowVersionRecord {
  /** The flow's name (its definition's `name`). */
  readonly name: string;
  /** 1, 2, 3… per flow name. */
  readonly version: number;
  /** Which version this is: the editable one, the one triggers run, or an earlier one. */
  readonly stage: 'development' | 'production' | 'retired';
  /** The flow definition (`{ name, stages }`), as validated when it was saved. */
  readonly definition: JsonObject;
  /** ISO time the version was saved. */
  readonly createdAt: string;
  /** ISO time it last became the production version. */
  readonly deployedAt?: string;
  /** What changed from the version before (immer patches), when known. */
  readonly patches?: JsonValue;
  /** Set on a record listed from a row that could not be read (see {@link UnreadableRecord}). */
  readonly invalid?: UnreadableRecord;
}

/** Which flow versions {@link PersistenceAdapter.findFlowVersions} returns; absent fields do not filter. */
export interface FlowVersionFilter {
  /** Only versions of this flow. */
  readonly name?: string;
  /** Only versions at this stage. */
  readonly stage?: FlowVersionRecord['stage'];
}

/**
 * The only way the engine touches storage. Implement it to keep plans anywhere; every adapter must
 * pass the conformance suite. Records are plain JSON: store them as they are and return equal copies
 * (never the same objects).
 *
 * Records read back are checked (the `check*` and `read*` functions of `flowline/adapter`), so that
 * no stored record can crash or stop the engine: one plan that cannot be read rejects with
 * `INVALID_PLAN`; a list or a queue never rejects because of one unreadable row, it returns that row
 * as a record marked `invalid` (see {@link UnreadableRecord}).
 */
export interface PersistenceAdapter {
  /** Opens connections, creates or migrates the schema. */
  start(): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
  /**
   * Applies every write of the batch atomically. A plan record marked `invalid` is refused with
   * `INVALID_ARGUMENT` and nothing is written (see `refuseUnreadable`).
   */
  write(batch: WriteBatch): Promise<void>;
  /**
   * Inserts a new plan only if no stored plan has its id, nor its `idempotencyKey` when it has one;
   * otherwise writes nothing of the batch and tells which plan holds them. The check and the write
   * are one atomic step, also across processes sharing the store: of several callers inserting
   * plans with the same id or key at once, exactly one inserts. `world.triggerWith` relies on it.
   *
   * `write` stays an upsert by id; a `write` that would give a second plan a key already held is
   * refused with `STORAGE_ERROR` and writes nothing (the store keeps keys unique).
   *
   * @param insert - a batch with exactly one plan record; more or fewer is `INVALID_ARGUMENT`
   * @returns `{ inserted: true }`, or `{ inserted: false, existingId, conflict }`
   */
  insertPlan(insert: PlanInsert): Promise<PlanInsertResult>;
  /**
   * Moves a step to `running` only if its stored state is one of `claim.from`, atomically, so no
   * step runs twice at once even when several processes share the store.
   *
   * @returns whether this caller won the step
   */
  claimStep(claim: StepClaim): Promise<boolean>;
  /**
   * A plan with its actions and steps, or `undefined`. A plan whose records cannot be read (not
   * JSON, a field of the wrong type or value, records that do not fit together) rejects with
   * FlowlineError `INVALID_PLAN` naming the plan, the record and the field (see `checkStoredPlan`).
   */
  loadPlan(planId: string): Promise<StoredPlan | undefined>;
  /**
   * Plan records matching the filter, newest first. A malformed `limit`, `offset` or `parent`
   * rejects with FlowlineError `INVALID_ARGUMENT` (see `checkPlanFilter`). A row that cannot be read
   * does not fail the list: it is returned marked `invalid` (see `readPlanRecord`).
   */
  findPlans(filter?: PlanFilter): Promise<PlanRecord[]>;
  /** Queues an event for a step, durably on a durable store. */
  enqueueEvent(event: EventEnvelope): Promise<void>;
  /**
   * Removes and returns the oldest event queued for a step; one that cannot be read is removed and
   * returned marked `invalid` (see `readEventEnvelope`).
   */
  takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined>;
  /** Removes every event queued for a step and returns them (unreadable ones marked `invalid`). */
  dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]>;
  /**
   * Keeps a message sent to a plan by name, durably on a durable store, after the messages already
   * kept for that plan and name. Idempotent by `message.id`: a message with the id of one still
   * kept is ignored (so a retried call keeps one copy).
   */
  enqueueMessage(message: MessageEnvelope): Promise<void>;
  /**
   * Removes and returns the oldest message kept for a plan and name (first in, first out), or
   * `undefined`; atomically, so two callers never take the same message. One that cannot be read is
   * removed and returned marked `invalid` (see `readMessageEnvelope`).
   */
  takeMessage(planId: string, name: string): Promise<MessageEnvelope | undefined>;

  /**
   * The delayed-plan record of a plan, or `undefined`; one that cannot be read rejects with
   * `INVALID_PLAN` (see `checkDelayedPlanRecord`).
   */
  loadDelayedPlan(planId: string): Promise<DelayedPlanRecord | undefined>;
  /**
   * Unfrozen delayed plans whose `startAt` is at or before `dueBy` (ISO), oldest first; unreadable
   * ones marked `invalid` (see `readDelayedPlanRecord`).
   */
  findDueDelayedPlans(dueBy: string, limit?: number): Promise<DelayedPlanRecord[]>;
  /** The plans `planId` waits for (a stored id that is not a string is left out: `readPlanIds`). */
  findDependencies(planId: string): Promise<string[]>;
  /** The plans waiting for `planId` (as `findDependencies`, unreadable ids left out). */
  findDependents(planId: string): Promise<string[]>;

  /** Appends log lines, in order. */
  appendLogs(lines: readonly StepLogLine[]): Promise<void>;
  /**
   * The log lines of a plan (of one step when `stepId` is given), in the order written; a line that
   * cannot be read is replaced by an `error` line saying so (see `readStepLogLine`).
   */
  loadLogs(planId: string, stepId?: number): Promise<StepLogLine[]>;

  /** Inserts or replaces a world record. */
  registerWorld(world: WorldRecord): Promise<void>;
  /** Records a heartbeat; `false` when the world is no longer registered (it was invalidated). */
  heartbeat(worldId: string, at: string): Promise<boolean>;
  /** Every registered world; unreadable ones marked `invalid` (see `readWorldRecord`). */
  findWorlds(): Promise<WorldRecord[]>;
  /** Removes a world record and releases every lock it holds, atomically. */
  unregisterWorld(worldId: string): Promise<void>;

  /** Takes a lock if nobody holds its key; `true` if this caller now holds it. */
  acquireLock(lock: LockRecord): Promise<boolean>;
  /** Releases a lock if `ownerId` holds it. */
  releaseLock(key: string, ownerId: string): Promise<void>;
  /** Locks held by a world; unreadable ones marked `invalid` (see `readLockRecord`). */
  findLocks(ownerId: string): Promise<LockRecord[]>;
  /**
   * Writes flow versions atomically: each replaces the stored version with the same name and
   * number, or is added (the last of a batch naming one version twice wins). Optional: only
   * `flowline/flows` needs it (without it, `Flows` refuses to start with `FLOWS_UNSUPPORTED`);
   * implement both flow-version methods or neither. Safe to repeat.
   *
   * A batch holding a malformed record (see `checkFlowVersionRecords`: empty name, a version that
   * is not a positive integer, an unknown stage, a definition that is not a JSON object, a time that
   * is not ISO 8601, a value that is not JSON data, an unknown field, a record marked `invalid`)
   * rejects with `INVALID_ARGUMENT` naming the record and the field, and writes nothing. The store
   * keeps its own copies; `patches: null` is stored as no patches.
   */
  saveFlowVersions?(records: readonly FlowVersionRecord[]): Promise<void>;
  /**
   * Stored flow versions matching the filter, as copies, ordered by name (by Unicode code point),
   * then version. A row that cannot be read is returned marked `invalid` with code `STORAGE_ERROR`
   * (see `readFlowVersionRecord`), never rejecting the whole list. A malformed filter rejects with
   * `INVALID_ARGUMENT` (see `checkFlowVersionFilter`). Optional, as
   * {@link PersistenceAdapter.saveFlowVersions}; safe to repeat.
   */
  findFlowVersions?(filter?: FlowVersionFilter): Promise<FlowVersionRecord[]>;
}
