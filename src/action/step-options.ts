import { ErrorCode, FlowlineError } from '../errors.js';
import type { ActionClass } from './types.js';

/**
 * How a failed `run` or `finalize` call is retried within the same step execution, with the option
 * names and defaults of p-retry: attempt `n + 1` starts
 * `min(round(minTimeout × factor^(n - 1)), maxTimeout)` ms after attempt `n` failed, on the world's
 * clock.
 *
 * @example
 * ```ts
 * class Provision extends Action {
 *   static retry = { retries: 3, minTimeout: 1000, factor: 2 }; // waits 1 s, 2 s, 4 s
 *   async run() { … }
 * }
 * ```
 */
export interface RetryOptions {
  /** Attempts after the first one (a non-negative integer). */
  readonly retries: number;
  /** Multiplier of the delay from one retry to the next. @default 2 */
  readonly factor?: number;
  /** Delay before the first retry, in ms. @default 1000 */
  readonly minTimeout?: number;
  /** Longest delay between two attempts, in ms. @default Infinity */
  readonly maxTimeout?: number;
}

/** Validated execution options of an action class (`static timeout`, `static retry`). @internal */
export interface StepOptions {
  /** Milliseconds a `run` or `finalize` call may take, per attempt. */
  readonly timeout: number | undefined;
  /** Normalised retry options, with defaults filled in. */
  readonly retry: Required<RetryOptions> | undefined;
}

/** The statics read here, as an action class may declare them. */
interface OptionStatics {
  readonly timeout?: unknown;
  readonly retry?: unknown;
}

const RETRY_KEYS = new Set(['retries', 'factor', 'minTimeout', 'maxTimeout']);

/** Validated options per class, with the static values they were made from. */
const cache = new WeakMap<
  ActionClass,
  { readonly timeout: unknown; readonly retry: unknown; readonly options: StepOptions }
>();

/**
 * The validated `static timeout` / `static retry` of an action class, or `undefined` when it sets
 * neither (the common case, which costs two property reads). Results are cached per class.
 *
 * @param cls - the action class
 * @param name - its registered name, for error messages
 * @throws FlowlineError `INVALID_ACTION` naming the class and the bad option
 */
export function stepOptionsOf(cls: ActionClass, name: string): StepOptions | undefined {
  const { timeout, retry } = cls as ActionClass & OptionStatics;
  if (timeout === undefined && retry === undefined) return undefined;
  const cached = cache.get(cls);
  // Statics reassigned since the last look are validated again.
  if (cached !== undefined && cached.timeout === timeout && cached.retry === retry) {
    return cached.options;
  }
  const options: StepOptions = {
    timeout: timeout === undefined ? undefined : checkTimeout(timeout, name),
    retry: retry === undefined ? undefined : checkRetry(retry, name),
  };
  cache.set(cls, { timeout, retry, options });
  return options;
}

function checkTimeout(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(
      name,
      `static timeout must be a positive, finite number of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

function checkRetry(value: unknown, name: string): Required<RetryOptions> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      name,
      'static retry must be an object such as { retries: 3, minTimeout: 1000, factor: 2 }, ' +
        `got ${describe(value)}`,
    );
  }
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!RETRY_KEYS.has(key)) {
      throw invalid(
        name,
        `static retry has an unknown option "${key}"; the options are retries, factor, ` +
          'minTimeout and maxTimeout',
      );
    }
  }
  const { retries, factor = 2, minTimeout = 1000, maxTimeout = Number.POSITIVE_INFINITY } = options;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) {
    throw invalid(
      name,
      `static retry.retries must be a non-negative integer, got ${describe(retries)}`,
    );
  }
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
    throw invalid(name, `static retry.factor must be a positive number, got ${describe(factor)}`);
  }
  if (typeof minTimeout !== 'number' || !Number.isFinite(minTimeout) || minTimeout < 0) {
    throw invalid(
      name,
      `static retry.minTimeout must be a non-negative number of milliseconds, got ${describe(minTimeout)}`,
    );
  }
  if (typeof maxTimeout !== 'number' || Number.isNaN(maxTimeout) || maxTimeout < 0) {
    throw invalid(
      name,
      'static retry.maxTimeout must be a non-negative number of milliseconds (or Infinity), ' +
        `got ${describe(maxTimeout)}`,
    );
  }
  return { retries, factor, minTimeout, maxTimeout };
}

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed: p-retry's
 * formula without randomisation.
 *
 * @internal
 */
export function retryDelay(retry: Required<RetryOptions>, attempt: number): number {
  return Math.min(Math.round(retry.minTimeout * retry.factor ** (attempt - 1)), retry.maxTimeout);
}

function invalid(name: string, reason: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_ACTION, `action ${name}: ${reason}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return String(value);
}
