import type { ActionRecord, JsonValue, PlanRecord, StepRecord } from '../plan/records.js';
import type { PlanResult, PlanState, StepState } from '../plan/states.js';

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
}

/** A plan with all of its actions and steps, as stored. */
export interface StoredPlan {
  readonly plan: PlanRecord;
  /** Ordered by id. */
  readonly actions: ActionRecord[];
  /** Ordered by id. */
  readonly steps: StepRecord[];
}

/** Which plans to list. Absent fields do not filter. */
export interface PlanFilter {
  readonly state?: PlanState | readonly PlanState[];
  readonly result?: PlanResult | readonly PlanResult[];
  readonly label?: string;
  /** At most this many. */
  readonly limit?: number;
  /** Skip this many first. */
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
 * The only way the engine touches storage. Implement it to keep plans anywhere; every adapter must
 * pass the conformance suite. Records are plain JSON: store them as they are and return equal copies
 * (never the same objects).
 */
export interface PersistenceAdapter {
  /** Opens connections, creates or migrates the schema. */
  start(): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
  /** Applies every write of the batch atomically. */
  write(batch: WriteBatch): Promise<void>;
  /**
   * Moves a step to `running` only if its stored state is one of `claim.from`, atomically, so no
   * step runs twice at once even when several processes share the store.
   *
   * @returns whether this caller won the step
   */
  claimStep(claim: StepClaim): Promise<boolean>;
  /** A plan with its actions and steps, or `undefined`. */
  loadPlan(planId: string): Promise<StoredPlan | undefined>;
  /** Plan records matching the filter, newest first. */
  findPlans(filter?: PlanFilter): Promise<PlanRecord[]>;
  /** Queues an event for a step, durably on a durable store. */
  enqueueEvent(event: EventEnvelope): Promise<void>;
  /** Removes and returns the oldest event queued for a step. */
  takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined>;
  /** Removes every event queued for a step and returns them. */
  dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]>;
}
