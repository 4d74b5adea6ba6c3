import type { ActionClass } from '../action/types.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { Logger } from '../shared/logger.js';
import { World } from '../world/world.js';

/** Storage retries of a command's world: few and short, so that a dead store fails fast. */
const STORAGE_RETRY = { retries: 2, minDelayMs: 50, maxDelayMs: 500 } as const;

/**
 * The world a command executes plans in (`resume`, `cancel`, `halt`, `console --actions`), not yet
 * started. It does the command's work only: plans other worlds left running, and delayed or
 * chained plans coming due, are left to the application's worlds.
 *
 * @param adapter - the store, opened by the command
 * @param actions - the classes of the `--actions` module
 * @param logger - the command's logger
 */
export function commandWorld(
  adapter: PersistenceAdapter,
  actions: readonly ActionClass[],
  logger: Logger,
): World {
  return new World({
    adapter,
    actions,
    logger,
    storageRetry: STORAGE_RETRY,
    autoExecute: false,
    scheduler: false,
  });
}
