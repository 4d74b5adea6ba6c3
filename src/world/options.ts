import type { Middleware, MiddlewareStack } from '../action/middleware.js';
import type { ActionClass } from '../action/types.js';
import type { Clock } from '../shared/clock.js';
import type { Executor } from '../executor/executor.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { StorageRetryPolicy } from '../persistence/resilient-adapter.js';
import type { Logger } from '../shared/logger.js';

/** Options of `new World(…)`. */
export interface WorldOptions {
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
  /** The executor, or `false` for a client-only world that plans but does not run. @default a ParallelExecutor */
  executor?: Executor | false;
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
   * world start on time whatever the interval. @default 1000
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
}
