import { randomUUID } from 'node:crypto';
import type { FlowlineContext } from '../action/flowline-context.js';
import type { Middleware } from '../action/middleware.js';
import { MiddlewareStack } from '../action/middleware.js';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError, storableText } from '../errors.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { StorageRetryPolicy } from '../persistence/resilient-adapter.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { consoleLogger } from '../shared/logger.js';
import { describeValue } from '../shared/describe-value.js';

/**
 * Options of `new World(…)`.
 *
 * @typeParam C - the type of `context`: by default {@link FlowlineContext}, which applications
 *   declare their services in (declaration merging)
 */
export interface WorldOptions<C extends object = FlowlineContext> {
  /**
   * The services actions use (the HTTP client, the database pool, the mailer): every phase reads
   * this object as `this.context`, and middleware as `context`. The same object for every action,
   * never stored. Without it, reading `this.context` throws `CONTEXT_MISSING`.
   */
  context?: C;
  /** Where plans are stored. @default new MemoryAdapter() */
  adapter?: PersistenceAdapter;
  /** Action classes to register. */
  actions?: readonly ActionClass[];
  /**
   * The most run and finalize step executions in progress at once in this world, across all its
   * plans; a suspended step does not count. @default 10
   */
  concurrency?: number;
  /** Time source for every timestamp and timer. @default the system clock */
  clock?: Clock;
  /** Where warnings and errors go. @default warnings and errors to the console */
  logger?: Logger;
  /**
   * Whether this world executes plans. `false` makes a client-only world that plans (and operates
   * on plans in the store) but runs nothing. @default true
   */
  executor?: boolean;
  /**
   * Middleware around every action's phases, outermost first; it wraps the actions' own
   * (`static middleware`).
   */
  middleware?: MiddlewareStack | readonly Middleware[];
  /** This world's id. @default a random UUID */
  id?: string;
  /** How often this world records in the store that it is alive. @default 5000 */
  heartbeatIntervalMs?: number;
  /**
   * After how long without a heartbeat another world is taken for dead, its running steps failed
   * (or re-run when idempotent) and its plans taken over. Worlds on the same host whose process is
   * gone are invalidated at once. @default 30000
   */
  heartbeatTimeoutMs?: number;
  /** How transient storage failures are retried. */
  storageRetry?: StorageRetryPolicy;
  /**
   * How often an executor world looks in the store for delayed and chained plans that are due
   * (plans delayed by other processes, prerequisites stopped elsewhere). Plans delayed in this
   * world start on time whatever the interval. Also how often any world looks at a plan another
   * process executes while a `triggerWith` that found it waits for it. @default 1000
   */
  schedulerPollIntervalMs?: number;
  /**
   * Whether this executor world takes over plans left `running` by worlds that are gone (when it
   * starts and whenever it invalidates a world), as Dynflow's `auto_execute`. Turn it off for a
   * short-lived world that should do one thing and leave other plans alone (the `flowline` CLI
   * does). @default true
   */
  autoExecute?: boolean;
  /**
   * Whether this executor world starts delayed and chained plans when they are due. Without it,
   * such plans wait for a world that does. @default true
   */
  scheduler?: boolean;
  /**
   * How long `close()` waits for the work in progress (plan phases, step executions, hooks) before
   * it abandons what is left as a crash would leave it (the next world on the store recovers those
   * plans) and resolves, with a warning. @default 30000
   */
  closeTimeoutMs?: number;
}

/** {@link WorldOptions} checked, with every default filled in. @internal */
export interface ResolvedWorldOptions {
  readonly id: string;
  /** The services actions read as `this.context`, when given. */
  readonly context: object | undefined;
  readonly adapter: PersistenceAdapter | undefined;
  readonly actions: readonly ActionClass[];
  readonly concurrency: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly executor: boolean;
  readonly middleware: MiddlewareStack;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly storageRetry: StorageRetryPolicy | undefined;
  readonly schedulerPollIntervalMs: number;
  readonly autoExecute: boolean;
  readonly scheduler: boolean;
  readonly closeTimeoutMs: number;
}

/**
 * Checks the options of `new World(…)` and fills in the defaults.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the first bad option
 * @internal
 */
export function resolveWorldOptions<C extends object>(
  options: WorldOptions<C>,
): ResolvedWorldOptions {
  const concurrency = options.concurrency === undefined ? 10 : options.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw invalid(`concurrency must be a positive integer, got ${String(concurrency)}`);
  }
  if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
    throw invalid('id must be a non-empty string');
  }
  if (options.id !== undefined && storableText(options.id) !== options.id) {
    throw invalid('id must not contain U+0000 or lone surrogates (no store can keep them)');
  }
  const middleware = options.middleware ?? [];
  const context: unknown = options.context;
  if (context !== undefined && (typeof context !== 'object' || context === null)) {
    throw invalid(`context must be an object of services, got ${describeValue(context)}`);
  }
  return {
    id: options.id ?? randomUUID(),
    context,
    adapter: options.adapter,
    actions: options.actions ?? [],
    concurrency,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? consoleLogger,
    heartbeatIntervalMs: positiveOption(options, 'heartbeatIntervalMs', 5000),
    heartbeatTimeoutMs: positiveOption(options, 'heartbeatTimeoutMs', 30_000),
    storageRetry: options.storageRetry,
    schedulerPollIntervalMs: positiveOption(options, 'schedulerPollIntervalMs', 1000),
    autoExecute: booleanOption(options, 'autoExecute'),
    scheduler: booleanOption(options, 'scheduler'),
    closeTimeoutMs: positiveOption(options, 'closeTimeoutMs', 30_000),
    executor: booleanOption(options, 'executor'),
    middleware:
      middleware instanceof MiddlewareStack ? middleware : new MiddlewareStack(middleware),
  };
}

function invalid(message: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_ARGUMENT, `World option ${message}`);
}

/** A boolean world option (default true), checked. */
function booleanOption(
  options: WorldOptions<object>,
  key: 'autoExecute' | 'scheduler' | 'executor',
): boolean {
  const value: unknown = options[key];
  if (value === undefined) return true;
  if (typeof value !== 'boolean') {
    throw invalid(`${key} must be true or false, got ${describeValue(value)}`);
  }
  return value;
}

function positiveOption(
  options: WorldOptions<object>,
  key: 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'schedulerPollIntervalMs' | 'closeTimeoutMs',
  fallback: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${key} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
