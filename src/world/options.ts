import type { ActionClass } from '../action/types.js';
import type { Clock } from '../executor/clock.js';
import type { Executor } from '../executor/executor.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { Logger } from './logger.js';

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
  /** This world's id. @default a random UUID */
  id?: string;
}
