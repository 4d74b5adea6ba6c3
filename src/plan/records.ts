import type { SerializedError } from '../errors.js';
import type { ComposedFlow } from './flow.js';
import type { Phase, PlanResult, PlanState, StepState } from './states.js';

/** A JSON value: what inputs, outputs and event payloads are made of. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Version of the stored record format; bumped on every incompatible change. */
export const SCHEMA_VERSION = 1;

/** One action of a plan, with its input and output. */
export interface ActionRecord {
  /** Action id, unique within its plan, starting at 1 (the root action). */
  id: number;
  /** The action's registered name (`static actionName`, default the class name). */
  className: string;
  /** Input set by `planSelf`; output references are kept as `{ $flowlineRef: { actionId, path } }`. */
  input: JsonObject;
  /** Output written by `run`. */
  output: JsonObject;
  /** The step that planned this action. */
  planStepId: number;
  /** The run step, when the action defines `run`. */
  runStepId?: number;
  /** The finalize step, when the action defines `finalize`. */
  finalizeStepId?: number;
  /** The action that planned this one; absent for the root action. */
  parentId?: number;
}

/**
 * One step of a plan: the plan, run or finalize phase of one action, or its compensation (added
 * when a rollback begins).
 */
export interface StepRecord {
  /** Step id, unique within its plan, starting at 1. */
  id: number;
  /** The action whose phase this step executes. */
  actionId: number;
  /** The action's registered name. */
  className: string;
  /** Which phase of the action this step executes. */
  phase: Phase;
  /** Current state. */
  state: StepState;
  /** The error of the last failed execution. */
  error?: SerializedError;
  /** ISO time the step first started. */
  startedAt?: string;
  /** ISO time the step last ended. */
  endedAt?: string;
  /** How far the step is, 0..1. */
  progress: number;
  /** Weight of this step in the plan's progress. @default 1 */
  progressWeight: number;
  /** Run steps this step waits for because its input references their output. */
  requires?: number[];
  /**
   * The attempts of the step's latest execution, for actions with `static retry`: one entry per
   * call of `run` / `finalize`, in order, with the error of each failed one.
   */
  attempts?: StepAttempt[];
  /**
   * What a suspended run step waits for, when its `run` called `suspend({ waitFor })`: kept with
   * the step so that a world recovering the plan delivers kept messages and re-arms the timeout.
   * Absent on a step that waits for nothing by name.
   */
  waitFor?: StepWait;
}

/** A named wait of a suspended run step (`this.suspend({ waitFor, timeoutMs })`). */
export interface StepWait {
  /** The message name the step waits for (`world.send(planId, name, payload)`). */
  name: string;
  /** The `timeoutMs` given to `suspend`, when there was one. */
  timeoutMs?: number;
  /** ISO time at which the wait times out (its suspension time plus `timeoutMs`). */
  deadline?: string;
}

/** One attempt of a step execution (see `static retry`). */
export interface StepAttempt {
  /** ISO time the attempt started. */
  startedAt: string;
  /** ISO time it ended (or was abandoned on a timeout). */
  endedAt: string;
  /** Why it failed; absent for the attempt that succeeded or suspended. */
  error?: SerializedError;
}

/** One line of an execution plan's history. */
export interface HistoryEntry {
  /** ISO time. */
  at: string;
  /** What happened (`start execution`, `pause execution`, `finish execution`, …). */
  event: string;
  /** The world that did it. */
  worldId: string;
}

/**
 * The run step a plan was triggered from as one of its sub-plans (`SubPlansAction.triggerChild`).
 */
export interface PlanParent {
  /** The parent plan. */
  planId: string;
  /** The parent's run step, which waits for this plan to stop. */
  stepId: number;
}

/** An execution plan as a plain, JSON-serializable snapshot. */
export interface ExecutionPlan {
  /** Plan id (a UUID). */
  id: string;
  /** Label, by default the root action's name. */
  label: string;
  /** Lifecycle state. */
  state: PlanState;
  /** Outcome. */
  result: PlanResult;
  /** ISO time planning started. */
  startedAt?: string;
  /** ISO time the plan stopped. */
  endedAt?: string;
  /** Weighted progress of run and finalize steps, 0..1. */
  progress: number;
  /** The action that was triggered. */
  rootActionId: number;
  /** Every action, ordered by id. */
  actions: ActionRecord[];
  /** Every step, ordered by id. */
  steps: StepRecord[];
  /** Order of run steps (always a concurrence at the root). */
  runFlow: ComposedFlow;
  /** Order of finalize steps (always a sequence). */
  finalizeFlow: ComposedFlow;
  /**
   * Set once a rollback began (`world.rollback`, rescue strategy `'rollback'`): the compensate
   * steps, a sequence in reverse completion order of the run steps they undo.
   */
  compensateFlow?: ComposedFlow;
  /** What happened to the plan, in order. */
  history: HistoryEntry[];
  /**
   * Set when this world cannot execute the plan as stored: it names an action class that is not
   * registered, was written by a newer Flowline, or a record of it is unreadable. The plan is shown
   * as far as it could be read; executing or resuming it fails with `INVALID_PLAN`.
   */
  invalid?: { code: string; message: string };
  /** Set on a sub-plan: the run step of the `SubPlansAction` that triggered it. */
  parent?: PlanParent;
  /** The idempotency key it was triggered with (`world.triggerWith`), unique in the store. */
  idempotencyKey?: string;
}

/** The plan-level part of an {@link ExecutionPlan}, as stored (actions and steps are separate). */
export interface PlanRecord {
  /** Stored record format version. */
  schemaVersion: number;
  id: string;
  label: string;
  state: PlanState;
  result: PlanResult;
  startedAt?: string;
  endedAt?: string;
  /** Progress at the last plan-level write (live progress is computed from the steps). */
  progress: number;
  rootActionId: number;
  runFlow: ComposedFlow;
  finalizeFlow: ComposedFlow;
  /**
   * Set in the batch that begins a rollback, so that a world recovering the plan goes on
   * compensating: the compensate steps, a sequence in reverse completion order.
   */
  compensateFlow?: ComposedFlow;
  history: HistoryEntry[];
  /** Set on a sub-plan: the run step of the `SubPlansAction` that triggered it. */
  parent?: PlanParent;
  /**
   * The idempotency key it was triggered with (`world.triggerWith`). No two stored plans have the
   * same key: adapters enforce it (see `PersistenceAdapter.insertPlan`).
   */
  idempotencyKey?: string;
  /**
   * Set by an adapter on a record it could not read (`findPlans` lists such a row instead of
   * failing): `code` `INVALID_PLAN` and a message naming the store, the plan, the record and the
   * field. Apart from the id, the fields that could not be read hold placeholders (label `''`,
   * state and result `pending`, progress 0, root action 1, empty flows and history). Such a record
   * is never written back: adapters refuse it in `write`.
   */
  invalid?: { code: string; message: string };
}

/** A plan with all of its actions and steps, as stored. */
export interface StoredPlan {
  readonly plan: PlanRecord;
  /** Ordered by id. */
  readonly actions: ActionRecord[];
  /** Ordered by id. */
  readonly steps: StepRecord[];
}

/** One log line written by a step (`this.log`). */
export interface StepLogLine {
  readonly planId: string;
  readonly stepId: number;
  /** ISO time. */
  readonly at: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly meta?: JsonValue;
}
