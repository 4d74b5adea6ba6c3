import type { ActionRegistry } from '../action/registry.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/**
 * What a library layer built on a world (flows, the tracker) needs of it beyond the public façade:
 * its store, clock, logger and action registry. Not part of the public API.
 *
 * @internal
 */
export interface WorldInternals {
  /** The world's store (the adapter given to it, wrapped for retries). */
  readonly adapter: PersistenceAdapter;
  /** The world's clock: timers and timestamps of layers above use it too. */
  readonly clock: Clock;
  /** The world's logger. */
  readonly logger: Logger;
  /** The actions registered in the world. */
  readonly registry: ActionRegistry;
}

const byWorld = new WeakMap<object, WorldInternals>();

/** Records a world's internals (called by its constructor). @internal */
export function setWorldInternals(world: object, internals: WorldInternals): void {
  byWorld.set(world, internals);
}

/**
 * The internals of a world.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` when `world` is not a `World`
 * @internal
 */
export function worldInternals(world: unknown, where: string): WorldInternals {
  const internals = typeof world === 'object' && world !== null ? byWorld.get(world) : undefined;
  if (internals === undefined) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: world must be a World created with new World(…)`,
    );
  }
  return internals;
}
