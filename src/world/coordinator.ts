import os from 'node:os';
import type { Clock, TimerHandle } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { Executor } from '../executor/executor.js';
import type { PersistenceAdapter, WorldRecord } from '../persistence/adapter.js';
import type { Logger } from '../shared/logger.js';

/** Timing of the world registry. */
export interface CoordinatorTiming {
  /** How often a world records that it is alive. @default 5000 */
  readonly heartbeatIntervalMs: number;
  /** A world silent for longer is taken for dead and invalidated. @default 30000 */
  readonly heartbeatTimeoutMs: number;
}

/**
 * Keeps this world registered in the store, and notices worlds that are gone.
 *
 * A world is gone when it runs on this host and its process no longer exists (invalidated at
 * once, so a restart after `kill -9` recovers without waiting), or when its heartbeat is older than
 * the timeout. Invalidating removes its record and its locks; the plans it left `running` are then
 * recovered by this world's executor, which takes each one's execution lock first, so two live
 * worlds never recover the same plan. A world closed cleanly unregisters itself the same way, and
 * its running plans (only suspended steps by then) are picked up by the next executor world.
 *
 * @internal
 */
export class Coordinator {
  #timer: TimerHandle = undefined;
  #stopped = false;
  #ticking: Promise<void> | undefined;

  constructor(
    private readonly record: Omit<WorldRecord, 'startedAt' | 'heartbeatAt'>,
    private readonly adapter: PersistenceAdapter,
    private readonly executor: Executor | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly timing: CoordinatorTiming,
  ) {}

  /** Registers this world, invalidates dead ones and recovers orphaned plans. */
  async start(): Promise<void> {
    this.#stopped = false;
    const now = isoNow(this.clock);
    await this.adapter.registerWorld({ ...this.record, startedAt: now, heartbeatAt: now });
    await this.#checkWorlds();
    await this.#recoverOrphans();
    this.#schedule();
  }

  /** Stops heartbeating and unregisters this world (releasing its locks). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    await this.#ticking;
    await this.adapter.unregisterWorld(this.record.id);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.clock.setTimeout(() => {
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = undefined;
        this.#schedule();
      });
    }, this.timing.heartbeatIntervalMs);
  }

  async #tick(): Promise<void> {
    try {
      const alive = await this.adapter.heartbeat(this.record.id, isoNow(this.clock));
      if (!alive) {
        this.logger.error(
          `world ${this.record.id} was invalidated by another world (its heartbeat was late); ` +
            'its plans may have been taken over. Registering again.',
        );
        const now = isoNow(this.clock);
        await this.adapter.registerWorld({ ...this.record, startedAt: now, heartbeatAt: now });
      }
      if ((await this.#checkWorlds()) > 0) await this.#recoverOrphans();
    } catch (error) {
      this.logger.error('world heartbeat failed', { error });
    }
  }

  /** Invalidates every world that is gone; returns how many. */
  async #checkWorlds(): Promise<number> {
    const now = this.clock.now();
    let invalidated = 0;
    for (const world of await this.adapter.findWorlds()) {
      if (world.id === this.record.id || !this.#isGone(world, now)) continue;
      if (world.invalid === undefined) {
        this.logger.warn(
          `invalidating world ${world.id} (${world.host} pid ${world.pid}): it is gone`,
        );
      } else {
        this.logger.error(
          `invalidating world ${world.id}: its record cannot be read and its heartbeat is late ` +
            `or unknown (${world.invalid.message})`,
        );
      }
      await this.adapter.unregisterWorld(world.id);
      invalidated++;
    }
    return invalidated;
  }

  #isGone(world: WorldRecord, now: number): boolean {
    if (world.host === this.record.host && !processExists(world.pid)) return true;
    // A heartbeat that cannot be read (NaN) counts as late: an unreadable record must not keep a
    // dead world's locks and plans forever.
    return !(now - Date.parse(world.heartbeatAt) <= this.timing.heartbeatTimeoutMs);
  }

  /**
   * Plans left `running` or `planned` with nobody holding their execution lock: a world that
   * planned or ran them is gone (a world about to execute a plan reserves it before storing it).
   * As Dynflow's auto-execute, a plan only planned (`world.plan`) and not yet executed is taken
   * too.
   */
  async #recoverOrphans(): Promise<void> {
    if (this.executor === undefined) return;
    for (const plan of await this.adapter.findPlans({ state: ['running', 'planned'] })) {
      if (this.#stopped) return;
      if (await this.executor.recover(plan.id)) {
        this.logger.info(`recovered plan ${plan.id} (${plan.label})`);
      }
    }
  }
}

/** Whether a process with this id exists on this host. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's identity in the world registry. @internal */
export function processIdentity(): { host: string; pid: number } {
  return { host: os.hostname(), pid: process.pid };
}
