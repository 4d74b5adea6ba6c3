import { freeze } from 'immer';
import type {
  ActionContext,
  ExecutionScope,
  ScopeReceiver,
  SubPlanScope,
} from '../action/context.js';
import { receiveScope } from '../action/context.js';
import type { PhaseMethods } from '../action/action.js';
import { Action, instantiate } from '../action/action.js';
import { StepLogBuffer } from '../action/step-log.js';
import type { RetryOptions, StepOptions } from '../action/step-options.js';
import { retryDelay } from '../action/step-options.js';
import type { MiddlewareContext, MiddlewareStack } from '../action/middleware.js';
import { compose, middlewareContext, usesHook } from '../action/middleware.js';
import { schemaOf } from '../action/schema-check.js';
import { checkOutput } from './schema-checks.js';
import type { SuspendedAction } from '../action/suspend.js';
import { SuspendSignal, isSuspension } from '../action/suspend.js';
import type { SuspendOptions } from '../action/wait-for.js';
import { checkSuspendOptions } from '../action/wait-for.js';
import type { ActionClass, AnyAction } from '../action/types.js';
import { ErrorCode, FlowlineError, serializeError, textOf, toError } from '../errors.js';
import type { StepLogLine } from '../plan/records.js';
import type { JsonObject, JsonValue, StepAttempt, StepWait } from '../plan/records.js';
import { cloneJson, toJson, toJsonObject } from '../plan/serialization.js';
import type { Clock, TimerHandle, TimerLabel } from '../shared/clock.js';
import type { SubPlanService } from './executor.js';
import { isoNow } from '../shared/clock.js';
import type { PlannedEvent } from './planned-events.js';
import { armPlannedEvents, disarmPlannedEvents } from './planned-events.js';
import { isThenable } from '../shared/is-thenable.js';

/** What every outcome may carry besides its kind, when the features that produce it are used. */
interface OutcomeExtras {
  /** Lines the call wrote to `this.log` (absent when it wrote none). */
  readonly logs?: StepLogLine[];
  /** The attempts, for actions with `static retry`. */
  readonly attempts?: StepAttempt[];
  /** `progressDone()` of a suspended run step, when the class overrides it. */
  readonly progress?: number;
}

/** How one execution of a phase ended. @internal */
export type Outcome = (
  | { readonly kind: 'success'; readonly output: JsonObject }
  | {
      readonly kind: 'suspended';
      readonly output: JsonObject;
      /** What the step waits for by name (`suspend({ waitFor })`); absent otherwise. */
      readonly waitFor?: StepWait;
    }
  | { readonly kind: 'error'; readonly error: unknown; readonly output: JsonObject }
) &
  OutcomeExtras;

/** One execution of `run`, `finalize` or `compensate`. @internal */
export interface PhaseCall {
  readonly cls: ActionClass;
  /** Middleware around the call (world's, then the class's). */
  readonly middleware?: MiddlewareStack;
  readonly planId: string;
  readonly actionId: number;
  readonly stepId: number;
  readonly className: string;
  readonly phase: 'run' | 'finalize' | 'compensate';
  /** Input with references resolved; frozen here. */
  readonly input: JsonObject;
  /** The last committed output; the action works on a copy. */
  readonly output: JsonObject;
  readonly event: JsonValue | undefined;
  readonly sendEvent: (payload: JsonValue) => Promise<void>;
  /** The world's clock: timeouts and retry delays are measured on it. */
  readonly clock: Clock;
  /** The class's `static timeout` / `static retry`; `undefined` when it sets neither. */
  readonly options: StepOptions | undefined;
  /** Aborted when the world closes: a retry stops waiting and the step keeps its last error. */
  readonly closing: AbortSignal;
  /** Aborted when the plan is halted: `this.signal` follows it. */
  readonly halted?: AbortSignal;
  /** The world's sub-plans service (`SubPlansAction`), when it has one. */
  readonly subPlans?: SubPlanService;
  /** The world's `context` option (`this.context`). */
  readonly userContext?: unknown;
}

/** An {@link Outcome} while it is being put together. */
interface Result {
  kind: Outcome['kind'];
  output: JsonObject;
  waitFor?: StepWait;
  error?: unknown;
  logs?: StepLogLine[];
  attempts?: StepAttempt[];
  progress?: number;
  /** Whether another attempt may help (the call threw or timed out, as opposed to bad output). */
  retryable?: boolean;
}

/** Log lines of one step execution, shared by its attempts (created on first use). */
interface LogLines {
  lines: StepLogLine[] | undefined;
}

/**
 * Calls an action's `run` or `finalize` and classifies how it ended. Never throws: a thrown error
 * becomes an `error` outcome, `suspend()` a `suspended` one. The output is validated as JSON; a
 * value that cannot be stored fails the step and keeps the last committed output.
 *
 * With `static timeout`, a call still going `timeout` ms after it started (on the world's clock) is
 * abandoned: the outcome is a `STEP_TIMEOUT` error, `this.signal` aborts with it, and whatever the
 * call does later (its result, output, log lines, `suspend`) is ignored. With `static retry`, a call
 * that throws or times out is made again after the backoff delay, up to `retries` times; every
 * attempt is recorded. Neither costs anything for actions that do not set them.
 *
 * @internal
 */
export function invokePhase(call: PhaseCall): Promise<Outcome> {
  // No extra async layer on the common path: an action without options is one attempt.
  const options = call.options;
  if (options === undefined) return attempt(call, undefined, undefined) as Promise<Outcome>;
  if (options.retry === undefined) {
    return attempt(call, undefined, options.timeout) as Promise<Outcome>;
  }
  return withRetries(call, options.timeout, options.retry) as Promise<Outcome>;
}

/** Makes attempts until one succeeds or suspends, the retries are used up, or the world closes. */
async function withRetries(
  call: PhaseCall,
  timeout: number | undefined,
  retry: Required<RetryOptions>,
): Promise<Result> {
  const attempts: StepAttempt[] = [];
  // The attempts write to one list of log lines.
  const log: LogLines = { lines: undefined };
  for (let number = 1; ; number++) {
    const startedAt = isoNow(call.clock);
    const result = await attempt(call, log, timeout);
    const record: StepAttempt = { startedAt, endedAt: isoNow(call.clock) };
    if (result.kind === 'error') record.error = serializeError(result.error);
    attempts.push(record);
    result.attempts = attempts;
    if (
      result.kind !== 'error' ||
      result.retryable !== true ||
      number > retry.retries ||
      !(await wait(call.clock, retryDelay(retry, number), call.closing, stepTimer('retry', call)))
    ) {
      if (log.lines !== undefined && log.lines.length > 0) result.logs = log.lines;
      if (result.kind !== 'suspended') disarmPlannedEvents(call.planId, call.stepId);
      return result;
    }
  }
}

/**
 * Waits `ms` on the clock.
 *
 * @returns `false` when `closing` aborted first (at once if it already had)
 */
function wait(clock: Clock, ms: number, closing: AbortSignal, label: TimerLabel): Promise<boolean> {
  if (closing.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = keepAlive(
      clock.setTimeout(
        () => {
          closing.removeEventListener('abort', onClose);
          resolve(true);
        },
        ms,
        label,
      ),
    );
    closing.addEventListener('abort', onClose, { once: true });
  });
}

/**
 * What one call's action sees as `this.suspend`, `this.planEvent`, `this.signal` and `this.log`. A
 * class, not an object literal with closures: a call that uses none of them costs one small
 * allocation. Once the call is over (ended, or abandoned on a timeout) it can no longer suspend the
 * step, plan events or write to its log.
 */
class CallScope implements ExecutionScope {
  suspended = false;
  over = false;
  #controller: AbortController | undefined;
  #onHalt: (() => void) | undefined;
  #abandoned: FlowlineError | undefined;
  #buffer: StepLogBuffer | undefined;
  #subPlans: SubPlanScope | undefined;
  /** Events planned with `planEvent`, armed only if the call suspends. */
  #planned: PlannedEvent[] | undefined;

  constructor(
    private readonly call: PhaseCall,
    private readonly shared: LogLines | undefined,
  ) {}

  /** What the call waits for by name, when it suspended with `{ waitFor }`. */
  waitFor: StepWait | undefined;

  get stepId(): number {
    return this.call.stepId;
  }

  suspend(how?: ((handle: SuspendedAction) => void) | SuspendOptions): never {
    const call = this.call;
    if (call.phase !== 'run') {
      throw new FlowlineError(ErrorCode.PHASE_MISUSE, 'suspend() is only available in run()', {
        planId: call.planId,
        stepId: call.stepId,
      });
    }
    const callback = typeof how === 'function' || how === undefined ? how : undefined;
    const wait = callback === how ? undefined : stepWait(call, how);
    if (!this.over) {
      this.suspended = true;
      this.waitFor = wait;
      callback?.({
        executionPlanId: call.planId,
        stepId: call.stepId,
        event: (payload) => call.sendEvent(payload),
      });
    }
    throw new SuspendSignal();
  }

  planEvent(payload: JsonValue, delayMs: number): void {
    const call = this.call;
    const where = `step ${call.stepId} of plan ${call.planId}`;
    if (call.phase !== 'run') {
      throw new FlowlineError(ErrorCode.PHASE_MISUSE, 'planEvent() is only available in run()', {
        planId: call.planId,
        stepId: call.stepId,
      });
    }
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `planEvent() in ${where}: the delay must be a finite number of ms >= 0, got ${String(delayMs)}`,
        { planId: call.planId, stepId: call.stepId },
      );
    }
    const stored = toJson(payload, `event planned by ${call.className} in ${where}`);
    if (this.over) return;
    (this.#planned ??= []).push({ payload: stored, due: call.clock.now() + delayMs });
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      const halted = this.call.halted;
      if (this.#abandoned !== undefined) controller.abort(this.#abandoned);
      else if (halted?.aborted === true) controller.abort(halted.reason);
      else if (halted !== undefined) {
        const onHalt = (): void => {
          controller.abort(halted.reason);
        };
        this.#onHalt = onHalt;
        halted.addEventListener('abort', onHalt, { once: true });
      }
    }
    return this.#controller.signal;
  }

  /** The sub-plans of the step, for run calls in a world that offers them. */
  get subPlans(): SubPlanScope | undefined {
    const call = this.call;
    if (call.phase !== 'run' || call.subPlans === undefined) return undefined;
    return (this.#subPlans ??= call.subPlans.forStep(call.planId, call.stepId));
  }

  get log(): StepLogBuffer {
    if (this.#buffer === undefined) {
      const call = this.call;
      this.#buffer = new StepLogBuffer(
        call.planId,
        call.stepId,
        () => isoNow(call.clock),
        this.shared === undefined ? [] : (this.shared.lines ??= []),
      );
      if (this.over) this.#buffer.close();
    }
    return this.#buffer;
  }

  /**
   * Ends the call: later log lines and suspensions are ignored, and a halt of the plan no longer
   * reaches its signal (the listener goes, so a plan of many steps does not pile them up).
   */
  end(): void {
    this.over = true;
    this.#buffer?.close();
    if (this.#onHalt !== undefined) {
      this.call.halted?.removeEventListener('abort', this.#onHalt);
      this.#onHalt = undefined;
    }
  }

  /** Ends the call on a timeout and aborts its signal with `error`. */
  abandon(error: FlowlineError): void {
    this.#abandoned = error;
    this.end();
    this.#controller?.abort(error);
  }

  /** Attaches the call's own log lines (when not shared with other attempts) to its result. */
  finish(result: Result): Result {
    // Planned events are sent only to a step that suspended; a step that ended drops its timers
    // (with retries, the last attempt decides: see withRetries).
    if (result.kind === 'suspended') {
      if (this.#planned !== undefined) armPlannedEvents(this.call, this.#planned);
    } else if (this.shared === undefined) {
      disarmPlannedEvents(this.call.planId, this.call.stepId);
    }
    const buffer = this.#buffer;
    if (this.shared === undefined && buffer !== undefined && buffer.lines.length > 0) {
      result.logs = buffer.lines;
    }
    return result;
  }
}

/**
 * One call of `run` / `finalize` on a fresh instance and a fresh copy of the committed output. Its
 * log lines go to `shared` when given (retries), else they are attached to the result.
 */
async function attempt(
  call: PhaseCall,
  shared: LogLines | undefined,
  timeout: number | undefined,
): Promise<Result> {
  const scope = new CallScope(call, shared);
  const output = cloneJson(call.output);
  const context: ActionContext = {
    planId: call.planId,
    actionId: call.actionId,
    phase: call.phase,
    input: freeze(call.input, true),
    // `compensate` reads the output its run step committed; it must not change it.
    output: call.phase === 'compensate' ? freeze(output, true) : output,
    execution: scope,
    userContext: call.userContext,
  };
  const action = instantiate(call.cls, context);
  (action as Partial<ScopeReceiver>)[receiveScope]?.(scope);
  const methods = action as unknown as PhaseMethods;
  const method =
    call.phase === 'run'
      ? methods.run
      : call.phase === 'compensate'
        ? methods.compensate
        : methods.finalize;
  let thrown: unknown;
  let failed = false;
  try {
    const started = timeout === undefined ? 0 : call.clock.now();
    const stack = call.middleware;
    // Made only when a hook wraps the call.
    const context = (): MiddlewareContext =>
      middlewareContext(
        { actionClass: call.cls, action, executionPlanId: call.planId },
        call.userContext,
      );
    const result: unknown =
      // No middleware hook wraps `compensate` (see the compensation guide).
      stack === undefined ||
      method === undefined ||
      call.phase === 'compensate' ||
      !usesHook(stack, call.phase)
        ? method?.call(action, call.event)
        : call.phase === 'run'
          ? compose(
              stack,
              'run',
              async (event: JsonValue | undefined) => {
                await method.call(action, event);
              },
              context(),
            )(call.event)
          : compose(
              stack,
              'finalize',
              async () => {
                await method.call(action);
              },
              context(),
            )();
    if (isThenable(result)) {
      if (timeout === undefined) {
        await result;
      } else if (
        await outlives(
          result,
          timeout - (call.clock.now() - started),
          call.clock,
          stepTimer('timeout', call),
        )
      ) {
        const error = timeoutError(call, timeout);
        scope.abandon(error);
        const timedOut: Result = { kind: 'error', error, output: call.output };
        timedOut.retryable = true;
        return scope.finish(timedOut);
      }
    }
  } catch (error) {
    if (!isSuspension(error)) {
      // Whatever was thrown (null, a symbol, a revoked Proxy, an Error whose getters throw)
      // becomes a readable Error here, so nothing past this boundary can trip over it.
      thrown = toError(error);
      failed = true;
    }
  }
  let progress: number | undefined;
  if (scope.suspended && !failed && action.progressDone !== Action.prototype.progressDone) {
    progress = progressOf(action, scope);
  }
  scope.end();
  let result: Result;
  try {
    const stored = toJsonObject(output, `output of ${call.className} (action ${call.actionId})`);
    if (failed) {
      result = { kind: 'error', error: thrown, output: stored };
      result.retryable = true;
    } else if (!scope.suspended && call.phase === 'run') {
      // The output a run ends with must match `static output` (a suspension is not an end).
      const schema = schemaOf(call.cls, 'output');
      const checked = schema === undefined ? stored : await checkOutput(call, schema, stored);
      result = { kind: 'success', output: checked };
    } else {
      result = { kind: scope.suspended ? 'suspended' : 'success', output: stored };
      if (progress !== undefined) result.progress = progress;
      if (scope.suspended && scope.waitFor !== undefined) result.waitFor = scope.waitFor;
    }
  } catch (error) {
    result = { kind: 'error', error, output: call.output };
  }
  return scope.finish(result);
}

/**
 * The wait `suspend(options)` asks for, its deadline measured from now on the world's clock.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` for bad options (the run call then fails)
 */
function stepWait(call: PhaseCall, options: unknown): StepWait {
  const where = `${call.className} in step ${call.stepId} of plan ${call.planId}`;
  const { waitFor, timeoutMs } = checkSuspendOptions(options, where);
  if (timeoutMs === undefined) return { name: waitFor };
  const deadline = new Date(call.clock.now() + timeoutMs).toISOString();
  return { name: waitFor, timeoutMs, deadline };
}

/**
 * Whether `result` is still unsettled `ms` from now on the clock. A rejection propagates; the timer
 * is cleared as soon as the result settles.
 */
async function outlives(
  result: PromiseLike<unknown>,
  ms: number,
  clock: Clock,
  label: TimerLabel,
): Promise<boolean> {
  let timer: TimerHandle;
  const expired = new Promise<boolean>((resolve) => {
    timer = keepAlive(
      clock.setTimeout(
        () => {
          resolve(true);
        },
        Math.max(0, ms),
        label,
      ),
    );
  });
  try {
    return await Promise.race([Promise.resolve(result).then(() => false), expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}

/**
 * The system clock's timers do not keep the process alive (right for heartbeats), but a step that
 * waits for its timeout or for a retry is work in progress: a program awaiting its plan must not exit
 * under it. Timers that can be ref'd (Node's) are; other clocks' handles are left alone.
 */
function keepAlive(timer: TimerHandle): TimerHandle {
  (timer as { ref?: () => unknown } | null | undefined)?.ref?.();
  return timer;
}

/** The label of a timer of `call`'s step. */
function stepTimer(kind: 'retry' | 'timeout', call: PhaseCall): TimerLabel {
  return { kind, planId: call.planId, stepId: call.stepId };
}

function timeoutError(call: PhaseCall, timeout: number): FlowlineError {
  return new FlowlineError(
    ErrorCode.STEP_TIMEOUT,
    `${call.className} (action ${call.actionId}): ${call.phase} of step ${call.stepId} of plan ` +
      `${call.planId} did not end within its static timeout of ${timeout} ms`,
    { planId: call.planId, stepId: call.stepId, actionId: call.actionId },
  );
}

/**
 * `progressDone()` of a suspended run step, clamped to 0..1. A value that is not a finite number
 * counts as 0 and one that throws keeps the previous progress; both leave a warning in the step log.
 */
function progressOf(action: AnyAction, execution: ExecutionScope): number | undefined {
  let value: unknown;
  try {
    value = action.progressDone();
  } catch (error) {
    execution.log.warn(
      `progressDone() threw; the step keeps its previous progress: ${serializeError(error).message}`,
    );
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    execution.log.warn(`progressDone() returned ${textOf(value)}, not a finite number; using 0`);
    return 0;
  }
  return Math.min(1, Math.max(0, value));
}
