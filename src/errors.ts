/**
 * Every error Flowline throws is a {@link FlowlineError} with a stable string `code`, so callers can
 * branch on `err.code` instead of parsing messages. Structured fields (`planId`, `stepId`, …) say
 * where the problem is.
 */

/** The stable error codes. New codes may be added; existing ones never change meaning. */
export const ErrorCode = {
  PLAN_NOT_FOUND: 'PLAN_NOT_FOUND',
  STEP_NOT_FOUND: 'STEP_NOT_FOUND',
  STEP_NOT_SUSPENDED: 'STEP_NOT_SUSPENDED',
  STEP_NOT_FAILED: 'STEP_NOT_FAILED',
  INVALID_PLAN_STATE: 'INVALID_PLAN_STATE',
  ILLEGAL_STATE_TRANSITION: 'ILLEGAL_STATE_TRANSITION',
  ACTION_NOT_REGISTERED: 'ACTION_NOT_REGISTERED',
  DUPLICATE_ACTION_NAME: 'DUPLICATE_ACTION_NAME',
  INVALID_ACTION: 'INVALID_ACTION',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  INVALID_FLOW_DEFINITION: 'INVALID_FLOW_DEFINITION',
  UNSERIALIZABLE_VALUE: 'UNSERIALIZABLE_VALUE',
  OUTPUT_REFERENCE_UNRESOLVED: 'OUTPUT_REFERENCE_UNRESOLVED',
  PLANNING_ABORTED: 'PLANNING_ABORTED',
  PHASE_MISUSE: 'PHASE_MISUSE',
  SINGLETON_ACTIVE: 'SINGLETON_ACTIVE',
  STORAGE_ERROR: 'STORAGE_ERROR',
  INVALID_PLAN: 'INVALID_PLAN',
  ABNORMAL_TERMINATION: 'ABNORMAL_TERMINATION',
  WORLD_NOT_STARTED: 'WORLD_NOT_STARTED',
  WORLD_CLOSED: 'WORLD_CLOSED',
  NOT_AN_EXECUTOR: 'NOT_AN_EXECUTOR',
  /** A delayed plan was not started before its `startBefore`. */
  EXECUTION_WINDOW_MISSED: 'EXECUTION_WINDOW_MISSED',
  /** A chained plan did not run because a plan it waited for failed or was cancelled. */
  PREREQUISITE_FAILED: 'PREREQUISITE_FAILED',
  PLAN_HALTED: 'PLAN_HALTED',
  PLAN_CANCELLED: 'PLAN_CANCELLED',
  STEP_TIMEOUT: 'STEP_TIMEOUT',
  /** A `SubPlansAction` step failed because one of its sub-plans failed. */
  SUB_PLANS_FAILED: 'SUB_PLANS_FAILED',
} as const;

/** Union of every {@link ErrorCode} value. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where an error happened, when it concerns a plan, a step or an action. */
export interface ErrorDetails {
  /** The execution plan concerned. */
  readonly planId?: string;
  /** The step concerned. */
  readonly stepId?: number;
  /** The action concerned. */
  readonly actionId?: number;
  /** The underlying error, when this one wraps another. */
  readonly cause?: unknown;
  /** Whether trying the same operation again may succeed (a busy database, a dropped connection). */
  readonly retryable?: boolean;
}

/**
 * Base class of every error Flowline throws.
 *
 * @example
 * ```ts
 * try { await world.resume(id); }
 * catch (err) { if (err instanceof FlowlineError && err.code === 'PLAN_NOT_FOUND') { … } }
 * ```
 */
export class FlowlineError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** The execution plan concerned, when there is one. */
  readonly planId: string | undefined;
  /** The step concerned, when there is one. */
  readonly stepId: number | undefined;
  /** The action concerned, when there is one. */
  readonly actionId: number | undefined;
  /** Whether trying the same operation again may succeed. */
  readonly retryable: boolean;

  /**
   * @param code - the stable error code
   * @param message - a sentence naming what was wrong and where
   * @param details - structured location fields and an optional cause
   */
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FlowlineError';
    this.code = code;
    this.planId = details.planId;
    this.stepId = details.stepId;
    this.actionId = details.actionId;
    this.retryable = details.retryable ?? false;
  }
}

/** The serializable form of an error, as kept on a step. */
export interface SerializedError {
  /** Constructor name of the thrown value (`Error`, `TypeError`, `FlowlineError`, …). */
  className: string;
  /** The error message. */
  message: string;
  /** The {@link FlowlineError} code, when the error was one. */
  code?: string;
  /** The stack trace, when there was one. */
  stack?: string;
}

/**
 * Normalises any thrown value into an `Error`, so boundaries never deal with strings or `undefined`.
 *
 * @param value - whatever was thrown
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  let text: string;
  try {
    // JSON.stringify returns undefined for undefined and functions, whatever its type says.
    const json = JSON.stringify(value) as string | undefined;
    text = json ?? String(value);
  } catch {
    text = String(value);
  }
  return new Error(`non-error value thrown: ${text}`);
}

/**
 * Converts a thrown value into the {@link SerializedError} stored on a step.
 *
 * @param value - whatever was thrown
 */
export function serializeError(value: unknown): SerializedError {
  const error = toError(value);
  const serialized: SerializedError = {
    className: error.constructor.name || 'Error',
    message: error.message,
  };
  if (error instanceof FlowlineError) serialized.code = error.code;
  if (error.stack !== undefined) serialized.stack = error.stack;
  return serialized;
}
