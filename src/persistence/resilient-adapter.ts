import pRetry from 'p-retry';
import { ErrorCode, FlowlineError, toError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { EventEnvelope, PersistenceAdapter } from './adapter.js';
import { skippingUnreadableEvents } from './unreadable-events.js';

/** How storage operations are retried when the store reports a transient failure. */
export interface StorageRetryPolicy {
  /** Attempts after the first. @default 5 */
  readonly retries?: number;
  /** Delay before the first retry, doubled each time. @default 50 */
  readonly minDelayMs?: number;
  /** Longest delay between attempts. @default 2000 */
  readonly maxDelayMs?: number;
}

/**
 * Operations that are safe to repeat when their outcome is unknown (the connection dropped after
 * the store may have applied them). Claims, event takes, lock takes and log appends are not: a
 * blind retry could report a step as lost to another caller, or duplicate a line.
 */
const REPEATABLE = new Set<string>([
  'write',
  // Repeated after an unknown outcome, it finds its own plan holding the id: the planner treats a
  // plan holding its id as the existing plan, which it is.
  'insertPlan',
  'loadPlan',
  'findPlans',
  'enqueueEvent',
  'dropEvents',
  'enqueueMessage',
  'loadDelayedPlan',
  'findDueDelayedPlans',
  'findDependencies',
  'findDependents',
  'loadLogs',
  'registerWorld',
  'heartbeat',
  'findWorlds',
  'unregisterWorld',
  'releaseLock',
  'findLocks',
  // Optional methods (flowline/flows): an upsert by (name, version) and a read.
  'saveFlowVersions',
  'findFlowVersions',
]);

/**
 * Wraps an adapter so that every failure surfaces as a `FlowlineError` (`STORAGE_ERROR` with the
 * cause, unless the adapter already threw a `FlowlineError`), and transient failures of repeatable
 * operations are retried with exponential backoff (p-retry; delays wait on the world's clock).
 * `takeEvent` never hands the engine an event the adapter could not read: it is dropped with an
 * error log and the next one is taken (see `skippingUnreadableEvents`).
 *
 * @internal
 */
export function withStorageRetries(
  adapter: PersistenceAdapter,
  clock: Clock,
  logger: Logger,
  policy: StorageRetryPolicy = {},
): PersistenceAdapter {
  const retries = policy.retries ?? 5;
  const minDelay = policy.minDelayMs ?? 50;
  const maxDelay = policy.maxDelayMs ?? 2000;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(adapter, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      const cached = wrapped.get(key);
      if (cached !== undefined) return cached;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      const once = (args: unknown[]): Promise<unknown> => {
        let result: Promise<unknown>;
        try {
          result = method.apply(target, args);
        } catch (error) {
          return Promise.reject(asStorageError(key, error));
        }
        return result.catch((error: unknown) => {
          throw asStorageError(key, error);
        });
      };
      const backoff = async (error: FlowlineError, attempt: number): Promise<void> => {
        const delay = Math.min(maxDelay, minDelay * 2 ** (attempt - 1));
        logger.warn(`storage ${key} failed (attempt ${attempt}); retrying in ${delay} ms`, {
          error: error.message,
        });
        await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      };
      const retry = async (error: unknown, args: unknown[]): Promise<unknown> => {
        if (!(error instanceof FlowlineError && error.retryable) || !REPEATABLE.has(key)) {
          throw error;
        }
        if (retries === 0) throw error;
        await backoff(error, 1);
        return pRetry(() => once(args), {
          retries: retries - 1,
          minTimeout: 0,
          maxTimeout: 0,
          shouldRetry: ({ error }) => error instanceof FlowlineError && error.retryable,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof FlowlineError && error.retryable) || retriesLeft === 0) return;
            await backoff(error, attemptNumber + 1);
          },
        });
      };
      // The first attempt runs directly, with no async layer of its own: the retry machinery costs
      // nothing until something fails.
      const call = (...args: unknown[]): Promise<unknown> => {
        let result: Promise<unknown>;
        try {
          result = method.apply(target, args);
        } catch (error) {
          return retry(asStorageError(key, error), args);
        }
        return result.then(undefined, (error: unknown) => retry(asStorageError(key, error), args));
      };
      const wrappedCall =
        key === 'takeEvent'
          ? skippingUnreadableEvents(
              call as (planId: string, stepId: number) => Promise<EventEnvelope | undefined>,
              logger,
            )
          : call;
      wrapped.set(key, wrappedCall);
      return wrappedCall;
    },
  });
}

function asStorageError(operation: string, error: unknown): FlowlineError {
  if (error instanceof FlowlineError) return error;
  const cause = toError(error);
  return new FlowlineError(
    ErrorCode.STORAGE_ERROR,
    `storage operation ${operation} failed: ${cause.message}`,
    { cause },
  );
}
