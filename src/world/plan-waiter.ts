import { ErrorCode, FlowlineError } from '../errors.js';
import { planNotFound } from '../plan/plan-errors.js';
import type { ExecutionPlan } from '../plan/records.js';
import type { PlanState } from '../plan/states.js';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { EventHub } from './events.js';
import type { PlanReader } from './plan-reader.js';

/** What a {@link PlanWaiter} needs from its world. @internal */
export interface PlanWaiterHost {
  readonly worldId: string;
  readonly hub: EventHub;
  readonly reader: PlanReader;
  readonly clock: Clock;
  /** How often a plan is looked at in the store while no event of this world tells of it. */
  readonly pollIntervalMs: number;
}

/** A plan is past its plan phase (`planned`, or beyond). */
export const isPlanned = (state: PlanState): boolean =>
  state !== 'pending' && state !== 'planning' && state !== 'scheduled';

/** A plan is `paused` or `stopped`: what `finished` waits for. */
export const isFinished = (state: PlanState): boolean => state === 'paused' || state === 'stopped';

/**
 * Waits for a plan to reach a state, whichever world executes it: a `plan:state` event of this
 * world (for a plan it runs) makes it look at once; otherwise it looks at the stored plan every
 * `pollIntervalMs` on the world's clock (a plan another process executes: there are no
 * cross-process notifications yet). Used for the plans `world.triggerWith` finds already stored.
 * Each wait holds the plan id only, and nothing once it has settled.
 *
 * @internal
 */
export class PlanWaiter {
  readonly #waits = new Set<(error: FlowlineError) => void>();
  /**
   * Keeps the process alive while a wait is in progress. The polls run on the world's clock, whose
   * system timers do not hold the process open (`unref`): a script awaiting a plan another process
   * runs would otherwise exit mid-wait. This handle measures no time; it only holds the process.
   */
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly host: PlanWaiterHost) {}

  /**
   * Resolves with the plan once its state satisfies `reached` (at once when it already does).
   * Rejects with `PLAN_NOT_FOUND` when the plan is not stored, `INVALID_PLAN` when it cannot be
   * read, `WORLD_CLOSED` when the world closes first. A store that fails is asked again at the
   * next poll.
   */
  until(planId: string, reached: (state: PlanState) => boolean): Promise<ExecutionPlan> {
    const { clock, hub, reader, pollIntervalMs } = this.host;
    return new Promise<ExecutionPlan>((resolve, reject) => {
      // `again`: an event came while the store was being read; read it once more.
      const wait = {
        timer: undefined as TimerHandle,
        settled: false,
        looking: false,
        again: false,
      };
      const settle = (): void => {
        wait.settled = true;
        off();
        clock.clearTimeout(wait.timer);
        this.#waits.delete(abandon);
        if (this.#waits.size === 0) {
          clearInterval(this.#keepAlive);
          this.#keepAlive = undefined;
        }
      };
      const abandon = (error: FlowlineError): void => {
        settle();
        reject(error);
      };
      const once = async (): Promise<void> => {
        let plan: ExecutionPlan | undefined;
        try {
          plan = await reader.plan(planId);
        } catch (error) {
          // A store that fails is asked again at the next poll; an unreadable plan never reads.
          if (error instanceof FlowlineError && error.code !== ErrorCode.STORAGE_ERROR) {
            abandon(error);
          }
          return;
        }
        if (wait.settled) return;
        if (plan === undefined) {
          abandon(planNotFound(planId));
        } else if (reached(plan.state)) {
          settle();
          resolve(plan);
        }
      };
      const readAgain = (): boolean => wait.again && !wait.settled;
      const look = async (): Promise<void> => {
        if (wait.looking) {
          wait.again = true;
          return;
        }
        wait.looking = true;
        clock.clearTimeout(wait.timer);
        do {
          wait.again = false;
          await once();
        } while (readAgain());
        wait.looking = false;
        if (!wait.settled) wait.timer = clock.setTimeout(() => void look(), pollIntervalMs);
      };
      const off = hub.on('plan:state', (event) => {
        if (event.planId === planId && reached(event.state)) void look();
      });
      this.#waits.add(abandon);
      this.#keepAlive ??= setInterval(noop, KEEP_ALIVE_MS);
      void look();
    });
  }

  /** The world closes: every wait rejects with `WORLD_CLOSED`. */
  close(): void {
    const error = new FlowlineError(
      ErrorCode.WORLD_CLOSED,
      `world ${this.host.worldId} closed while waiting for a plan another world executes`,
    );
    for (const abandon of [...this.#waits]) abandon(error);
  }
}

/** The longest interval Node accepts: the keep-alive never fires in practice. */
const KEEP_ALIVE_MS = 2 ** 31 - 1;

function noop(): void {}
