import { ErrorCode, FlowlineError } from '../../errors.js';
import type { StepLog } from '../../action/step-log.js';
import type { Clock } from '../../shared/clock.js';
import type { StageRetry } from './stage-settings.js';
import { stageRetryDelay } from './stage-settings.js';

/** The message of a thrown value. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What one attempt of a stage's `process` is given. @internal */
export interface AttemptContext {
  /**
   * Aborted when this attempt times out or the step is stopped; `undefined` without `$timeout`
   * (the step's own signal serves then, created only if `process` reads it).
   */
  readonly signal: AbortSignal | undefined;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** How a stage's attempts are made. @internal */
export interface AttemptOptions {
  readonly clock: Clock;
  /** The step's log (made on first use: read only to write). */
  readonly log: () => StepLog;
  /** The step's own signal (halt, forced cancel, `static timeout`), read only when needed. */
  readonly signal: () => AbortSignal;
  readonly retry: StageRetry | undefined;
  readonly timeoutMs: number | undefined;
  /** Names the stage in errors: `stage "Enrich" of flow "Publish"`. */
  readonly where: string;
  readonly planId: string;
  readonly stepId: number;
}

/**
 * Whether an error may be retried: not when it says so (`details.retryable === false`, or a
 * `retryable: false` field), nor when the step was stopped.
 */
function retryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { retryable: own, details } = error as { retryable?: unknown; details?: unknown };
  if (own === false) return false;
  if (typeof details === 'object' && details !== null) {
    return (details as { retryable?: unknown }).retryable !== false;
  }
  return true;
}

/** Waits `ms` on the clock; `false` when `signal` aborted first. */
function wait(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
  label: { planId: string; stepId: number },
): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    const handle = clock.setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      ms,
      { kind: 'retry', ...label },
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs one attempt, failing it with `STAGE_TIMEOUT` after `timeoutMs` on the clock. */
async function attemptOnce<T>(
  fn: (context: AttemptContext) => Promise<T>,
  options: AttemptOptions,
  attempt: number,
): Promise<T> {
  // The common case costs no controller: the step's own signal serves.
  if (options.timeoutMs === undefined) return fn({ signal: undefined, attempt });
  const { timeoutMs } = options;
  const controller = new AbortController();
  const signal = AbortSignal.any([options.signal(), controller.signal]);
  let handle: unknown;
  const timedOut = new Promise<never>((_resolve, reject) => {
    handle = options.clock.setTimeout(
      () => {
        const error = new FlowlineError(
          ErrorCode.STAGE_TIMEOUT,
          `${options.where} did not finish within its $timeout of ${timeoutMs} ms (attempt ${attempt})`,
          { planId: options.planId, stepId: options.stepId },
        );
        controller.abort(error);
        reject(error);
      },
      timeoutMs,
      { kind: 'timeout', planId: options.planId, stepId: options.stepId },
    );
  });
  try {
    return await Promise.race([fn({ signal, attempt }), timedOut]);
  } finally {
    options.clock.clearTimeout(handle);
  }
}

/**
 * Calls `fn` until it succeeds, retrying failures with exponential backoff on the world's clock
 * (p-retry's semantics), each attempt bounded by `timeoutMs`.
 *
 * @returns the value and the number of attempts made
 * @throws the last attempt's error (unchanged) once retries are exhausted, an error says it may not
 *   be retried, or the step was stopped
 * @internal
 */
export async function withAttempts<T>(
  fn: (context: AttemptContext) => Promise<T>,
  options: AttemptOptions,
  stop: (error: unknown) => boolean = () => false,
): Promise<{ value: T; attempts: number }> {
  const retries = options.retry?.retries ?? 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await attemptOnce(fn, options, attempt), attempts: attempt };
    } catch (error) {
      if (stop(error) || attempt > retries || !retryable(error) || options.signal().aborted) {
        throw error;
      }
      const delay = stageRetryDelay(options.retry as StageRetry, attempt);
      options
        .log()
        .warn(
          `attempt ${attempt} of ${retries + 1} failed: ${errorText(error)}; ` +
            `retrying in ${delay} ms`,
        );
      const waited = await wait(options.clock, delay, options.signal(), options);
      if (!waited) throw error;
    }
  }
}
