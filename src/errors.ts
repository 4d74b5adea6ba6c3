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
  /**
   * `world.triggerWith` named an idempotency key that a plan with another id holds (the key was
   * first used with an explicit `id`, or that id's plan was triggered with another key).
   */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /**
   * A package a feature needs cannot be loaded: an optional peer that is not installed
   * (`better-sqlite3` for `flowline/sqlite`, `pg` for `flowline/postgres`), or an ES-module-only
   * one required from CommonJS. The message says what to install or how to import.
   */
  MISSING_DEPENDENCY: 'MISSING_DEPENDENCY',
  /** An action's input does not match its `static input` schema (issues in `details.issues`). */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A run step's output does not match its action's `static output` schema (`details.issues`). */
  INVALID_OUTPUT: 'INVALID_OUTPUT',
  /** `this.context` was read in a world created without a `context` option. */
  CONTEXT_MISSING: 'CONTEXT_MISSING',
  /** No flow of that name has been saved. */
  FLOW_NOT_FOUND: 'FLOW_NOT_FOUND',
  /** A flow was triggered that has no production version. */
  FLOW_NOT_DEPLOYED: 'FLOW_NOT_DEPLOYED',
  /** A flow run, or a flow, has no stage of that name. */
  STAGE_NOT_FOUND: 'STAGE_NOT_FOUND',
  /** A flow stage failed (after its retries, with no fallback or a failing one). */
  STAGE_FAILED: 'STAGE_FAILED',
  /** A flow stage did not finish within its `$timeout`. */
  STAGE_TIMEOUT: 'STAGE_TIMEOUT',
  /** A `Map` stage got more items than its `maxItems`, or its input holds no list where it looks. */
  MAP_INPUT_INVALID: 'MAP_INPUT_INVALID',
  /** An expression in a stage's props (JSONata) failed to compile, failed, or ran too long. */
  EXPRESSION_FAILED: 'EXPRESSION_FAILED',
  /** An `HTTP Request` stage got an error status, a network error or a body it could not read. */
  HTTP_REQUEST_FAILED: 'HTTP_REQUEST_FAILED',
  /** A `Run Command` stage's child process could not start, timed out or exited non-zero. */
  COMMAND_FAILED: 'COMMAND_FAILED',
  /** The world's store cannot keep flow definitions (a custom adapter without those methods). */
  FLOWS_UNSUPPORTED: 'FLOWS_UNSUPPORTED',
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
  /** Structured facts about the error, kept with it on the step (the issues of a schema check). */
  readonly details?: ErrorData;
}

/** One problem a schema found in a value: where (keys from the root) and what. */
export interface ValidationIssue {
  /** The keys from the root of the value to the bad part; empty for the value itself. */
  readonly path: readonly (string | number)[];
  /** What is wrong, as the schema library says it. */
  readonly message: string;
}

/** Structured facts about an error, plain data kept with it when it is stored on a step. */
export interface ErrorData {
  /** The problems a schema check found (`INVALID_INPUT`, `INVALID_OUTPUT`). */
  readonly issues?: readonly ValidationIssue[];
  /** The flow concerned (`flowline/flows`). */
  readonly flow?: string;
  /** The flow stage concerned. */
  readonly stage?: string;
  /**
   * `false` when repeating the failed call cannot help (a flow stage is then not retried): a 4xx
   * answer, a command that does not exist, bad props.
   */
  readonly retryable?: boolean;
  /**
   * The problems of a flow definition (`INVALID_FLOW_DEFINITION`): each at a JSON pointer, with its
   * 1-based line and column when the flow was parsed from text.
   */
  readonly violations?: readonly {
    readonly path: string;
    readonly message: string;
    readonly line?: number;
    readonly column?: number;
  }[];
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
  /** Structured facts about the error (the issues of a schema check), when there are any. */
  readonly details: ErrorData | undefined;

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
    this.details = details.details;
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
  /** The {@link FlowlineError}'s structured facts, when it had any (the issues of a schema check). */
  details?: ErrorData;
}

/**
 * Text every store can keep: U+0000 and lone surrogates (which PostgreSQL refuses in `jsonb` and
 * `text`) become U+FFFD. Used for the strings the engine makes itself (error messages, stacks and
 * class names, log messages), never for user data, which is refused instead
 * (`UNSERIALIZABLE_VALUE`).
 *
 * @param text - any string
 */
export function storableText(text: string): string {
  if (!text.includes('\u0000') && !LONE_SURROGATE.test(text)) return text;
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATES, '\uFFFD');
}

const LONE_SURROGATE_SOURCE =
  '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const LONE_SURROGATES = new RegExp(LONE_SURROGATE_SOURCE, 'g');

/** The longest text {@link textOf} returns for a value that is not a string. */
const MAX_DESCRIPTION = 500;

/**
 * A short text for any value, for a message: a string as it is; anything else as JSON, else as
 * `String()` would write it (cut at 500 characters), else by its kind. Never throws, whatever the
 * value does when inspected (throwing `toString`/`toJSON`, revoked `Proxy`).
 *
 * @param value - anything
 */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  let text: string | undefined;
  try {
    // JSON.stringify returns undefined for undefined, functions and symbols.
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    try {
      text = String(value);
    } catch {
      text = `${kindOf(value)} that cannot be turned into text`;
    }
  }
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

function kindOf(value: unknown): string {
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** Reads a property that may be a throwing getter; `undefined` when reading it threw. */
function attempt<T>(read: () => T): { readonly value: T } | undefined {
  try {
    return { value: read() };
  } catch {
    return undefined;
  }
}

/** The class name of an error, from its constructor or its `name`, else `Error`. */
function classNameOf(error: Error): string {
  const fromConstructor = attempt(
    () => (error.constructor as { name?: unknown } | null | undefined)?.name,
  )?.value;
  if (typeof fromConstructor === 'string' && fromConstructor !== '') return fromConstructor;
  const name = attempt(() => error.name)?.value;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/**
 * Normalises any thrown value into an `Error`, so boundaries never deal with strings, `null` or
 * objects that cannot be read. An `Error` whose `message` and `stack` can be read comes back as it
 * is; anything else (a non-error, an error whose `message` or `stack` getter throws, a revoked
 * `Proxy`) becomes a new `Error` that says what was thrown. Never throws.
 *
 * @param value - whatever was thrown
 */
export function toError(value: unknown): Error {
  const isError = attempt(() => value instanceof Error)?.value === true;
  if (!isError) {
    if (typeof value === 'string') return new Error(value);
    return new Error(`non-error value thrown: ${textOf(value)}`);
  }
  const error = value as Error;
  const message = attempt(() => error.message);
  const stack = attempt(() => error.stack);
  const soundStack =
    stack !== undefined && (stack.value === undefined || typeof stack.value === 'string');
  if (message !== undefined && typeof message.value === 'string' && soundStack) return error;
  const className = classNameOf(error);
  const text =
    message === undefined
      ? `${className} thrown whose message cannot be read (its getter throws)`
      : typeof message.value === 'string'
        ? message.value
        : `${className} thrown with a message that is not a string: ${textOf(message.value)}`;
  // No `cause`: whoever looks into the new error (a logger) must not meet the one that throws.
  return new Error(text);
}

/**
 * Converts a thrown value into the {@link SerializedError} stored on a step. Never throws: every
 * value gets a readable record (see {@link toError}), and its texts are made storable on every
 * store ({@link storableText}).
 *
 * @param value - whatever was thrown
 */
export function serializeError(value: unknown): SerializedError {
  try {
    const error = toError(value);
    const message = attempt(() => error.message)?.value;
    // A normalised error keeps the class name of the error it stands for.
    const named = error !== value && attempt(() => value instanceof Error)?.value === true;
    const serialized: SerializedError = {
      className: storableText(classNameOf(named ? (value as Error) : error)),
      message: storableText(typeof message === 'string' ? message : textOf(message)),
    };
    if (error instanceof FlowlineError) {
      serialized.code = error.code;
      if (error.details !== undefined) serialized.details = storableData(error.details);
    }
    const stack = attempt(() => error.stack)?.value;
    if (typeof stack === 'string') serialized.stack = storableText(stack);
    return serialized;
  } catch {
    // Nothing above should throw; a value this hostile still gets a record.
    return { className: 'Error', message: 'a value was thrown that cannot be inspected' };
  }
}

/** {@link ErrorData} with every text storable (paths and messages come from user schemas). */
function storableData(data: ErrorData): ErrorData {
  if (data.issues === undefined) return {};
  return {
    issues: data.issues.map((issue) => ({
      path: issue.path.map((key) => (typeof key === 'number' ? key : storableText(key))),
      message: storableText(issue.message),
    })),
  };
}
