import { ErrorCode, FlowlineError } from '../errors.js';
import type { ExecutorContext } from '../executor/executor.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { WorldParts } from './assembly.js';

/**
 * A world's lifecycle: `new` → `starting` → `started` → `closed`, and back to `new` when a start
 * fails (it can be tried again). `close()` may come at any time: during a start it waits for the
 * start to notice and undo itself; on a started world it drains the work in progress, for at most
 * `closeTimeoutMs`, then unregisters the world and closes the store.
 *
 * @internal
 */
export class WorldLifecycle {
  #state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /**
   * @param executorContext - what the executor is started with
   */
  constructor(
    private readonly worldId: string,
    private readonly parts: WorldParts,
    private readonly executorContext: () => ExecutorContext,
    private readonly timing: {
      readonly clock: Clock;
      readonly logger: Logger;
      readonly closeTimeoutMs: number;
    },
  ) {}

  /** Throws `WORLD_CLOSED` or `WORLD_NOT_STARTED` unless the world is started. */
  assertStarted(): void {
    if (this.#state === 'closed') {
      throw new FlowlineError(ErrorCode.WORLD_CLOSED, `world ${this.worldId} is closed`);
    }
    if (this.#state !== 'started') {
      throw new FlowlineError(
        ErrorCode.WORLD_NOT_STARTED,
        `world ${this.worldId} is not started; await world.start() first`,
      );
    }
  }

  /** Opens the store, starts the executor, registers the world and starts its background work. */
  async start(): Promise<void> {
    if (this.#state === 'closed') {
      throw new FlowlineError(
        ErrorCode.WORLD_CLOSED,
        `world ${this.worldId} is closed; a closed world cannot start again (make a new World)`,
      );
    }
    if (this.#state !== 'new') {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `world ${this.worldId} was already started`,
      );
    }
    this.#state = 'starting';
    const starting = this.#start();
    this.#starting = starting;
    try {
      await starting;
    } finally {
      this.#starting = undefined;
    }
  }

  async #start(): Promise<void> {
    const { adapter, coordinator, executor, scheduler, subPlans } = this.parts;
    let opened = false;
    try {
      await adapter.start();
      opened = true;
      this.#stopIfClosed();
      subPlans.start();
      await executor?.start(this.executorContext());
      // Started before the coordinator runs: plans it recovers may already use the world's API.
      this.#state = 'started';
      await coordinator.start();
      this.#stopIfClosed();
      scheduler?.start();
    } catch (error) {
      const closed = this.#state === 'closed';
      if (!closed) this.#state = 'new';
      await this.#shutdown(opened, `world ${this.worldId} did not start`);
      throw closed && !(error instanceof FlowlineError && error.code === ErrorCode.WORLD_CLOSED)
        ? new FlowlineError(
            ErrorCode.WORLD_CLOSED,
            `world ${this.worldId} was closed while it started`,
            {
              cause: error,
            },
          )
        : error;
    }
  }

  /** A close() that came during start(): the start stops and undoes what it did. */
  #stopIfClosed(): void {
    if (this.#state === 'closed') {
      throw new FlowlineError(
        ErrorCode.WORLD_CLOSED,
        `world ${this.worldId} was closed while it started`,
      );
    }
  }

  /**
   * Stops taking work and drains the work in progress (plan phases, step executions, hooks,
   * notices to parent steps) for at most `closeTimeoutMs`, then unregisters the world and closes the
   * store. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const starting = this.#starting;
    const started = this.#state === 'started' && starting === undefined;
    this.#state = 'closed';
    // A start in progress sees the close and shuts down what it opened.
    if (starting !== undefined) {
      await starting.catch(() => undefined);
      return;
    }
    if (started) await this.#shutdown(true, `world ${this.worldId} closed`);
  }

  /** Drains and stops every part; the store is closed only when it was opened. */
  async #shutdown(opened: boolean, why: string): Promise<void> {
    const { adapter, coordinator } = this.parts;
    if (!opened) return;
    await this.#drain(why);
    try {
      await coordinator.stop();
    } catch (error) {
      this.timing.logger.error(`${why}: unregistering the world failed`, { error });
    } finally {
      await adapter.close();
    }
  }

  /** Waits for the work in progress, for at most `closeTimeoutMs` on the world clock. */
  async #drain(why: string): Promise<void> {
    const { clock, logger, closeTimeoutMs } = this.timing;
    const { executor, hooks, planner, scheduler, singletons, subPlans } = this.parts;
    subPlans.stop();
    const drained = (async () => {
      await scheduler?.stop();
      await planner.idle();
      await hooks.idle();
      await executor?.close();
      // Sub-plans that stopped while the executor drained tell their parents through the store.
      await subPlans.idle();
      // Plans that settled while the executor drained have hooks still to run.
      await hooks.idle();
      await singletons.idle();
    })();
    let timer: unknown;
    const expired = new Promise<'expired'>((resolve) => {
      timer = clock.setTimeout(() => {
        resolve('expired');
      }, closeTimeoutMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), expired]);
    clock.clearTimeout(timer);
    if (outcome === 'expired') {
      drained.catch(() => undefined);
      executor?.abandon();
      planner.abandon(this.worldId);
      logger.warn(
        `${why} without waiting any longer for the work in progress (closeTimeoutMs ` +
          `${closeTimeoutMs} ms): plan phases or step executions still running are abandoned as a ` +
          'crash would leave them; the next world to start on the store recovers their plans',
      );
    }
  }
}
