import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { PlanStateEvent } from './events.js';
import type { Logger } from '../shared/logger.js';

const PREFIX = 'singleton:';

/** Whether an action class declares `static singleton = true`. @internal */
export function isSingleton(cls: ActionClass): boolean {
  return (cls as { readonly singleton?: unknown }).singleton === true;
}

/** The coordinator lock a singleton action's active plan holds. @internal */
export function singletonLockKey(actionName: string): string {
  return `${PREFIX}${actionName}`;
}

/** What {@link SingletonLocks.acquire} decided for a plan about to be planned. @internal */
export interface SingletonDecision {
  /** Whether the plan now holds a singleton lock (to release if planning fails). */
  readonly held: boolean;
  /** Set when the plan must be refused: another plan of the same singleton action is active. */
  readonly refusal?: FlowlineError;
}

/**
 * Singleton actions (`static singleton = true` on the root action of a plan): at most one plan of
 * such a class is active at a time. The plan holds the adapter lock `singleton:<actionName>`,
 * owned by the plan's id rather than by a world, so any world can release it and it survives the
 * death of the world that took it while the plan is recovered elsewhere.
 *
 * - Taken when the plan is planned; a plan that cannot take it is refused (its root plan step
 *   fails with `SINGLETON_ACTIVE`, its `plan` is never called, it ends `stopped`/`error`).
 * - Released when the holder pauses or stops (the world that executes it hears its `plan:state`),
 *   or when its planning fails.
 * - Taken again when a paused holder is resumed; resuming fails with `SINGLETON_ACTIVE` while
 *   another plan of the class is active.
 *
 * Costs nothing while no registered class is a singleton.
 *
 * @internal
 */
export class SingletonLocks {
  #any = false;
  readonly #releasing = new Set<Promise<void>>();

  constructor(
    private readonly adapter: PersistenceAdapter,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Notes newly registered classes. */
  noteRegistered(classes: readonly ActionClass[]): void {
    if (classes.some(isSingleton)) this.#any = true;
  }

  /**
   * Takes the lock for a plan about to be planned with `root` at its root.
   *
   * @param root - the root action class
   * @param name - its registered name
   * @param planId - the plan being planned
   */
  async acquire(root: ActionClass, name: string, planId: string): Promise<SingletonDecision> {
    if (!isSingleton(root)) return { held: false };
    // A holder that just stopped in this world may still be letting go.
    await this.idle();
    if (await this.#take(name, planId)) return { held: true };
    return {
      held: false,
      refusal: new FlowlineError(
        ErrorCode.SINGLETON_ACTIVE,
        `${name} is a singleton action and another plan of it is active (not yet paused or ` +
          `stopped); plan ${planId} was not planned`,
        { planId, actionId: 1 },
      ),
    };
  }

  /**
   * Executes a plan with `execute`; before that, a paused plan whose root action is a singleton
   * takes its lock again (released if the execution does not start).
   *
   * @param classOf - the registered class of an action name
   * @throws FlowlineError `SINGLETON_ACTIVE` when another plan of the class is active
   */
  async relocked<T>(
    planId: string,
    classOf: (className: string) => ActionClass | undefined,
    execute: () => Promise<T>,
  ): Promise<T> {
    const taken = this.#any ? await this.#relock(planId, classOf) : undefined;
    if (taken === undefined) return execute();
    try {
      return await execute();
    } catch (error) {
      await this.release(taken, planId);
      throw error;
    }
  }

  /** @returns the root action's name when its lock was taken now */
  async #relock(
    planId: string,
    classOf: (className: string) => ActionClass | undefined,
  ): Promise<string | undefined> {
    const stored = await this.adapter.loadPlan(planId);
    const root = stored?.actions[0];
    if (stored === undefined || root === undefined) return undefined;
    const rootClass = classOf(root.className);
    if (stored.plan.state !== 'paused' || rootClass === undefined || !isSingleton(rootClass)) {
      return undefined;
    }
    await this.idle();
    if (await this.#take(root.className, planId)) return root.className;
    const own = await this.adapter.findLocks(planId);
    if (own.some((lock) => lock.key === singletonLockKey(root.className))) return undefined;
    throw new FlowlineError(
      ErrorCode.SINGLETON_ACTIVE,
      `${root.className} is a singleton action and another plan of it is active (not yet paused ` +
        `or stopped); plan ${planId} stays paused`,
      { planId },
    );
  }

  /** Releases the lock `planId` holds for `name`. */
  release(name: string, planId: string): Promise<void> {
    return this.#track(this.adapter.releaseLock(singletonLockKey(name), planId));
  }

  /** Hears a committed plan state change: a plan that paused or stopped lets its locks go. */
  handle(event: PlanStateEvent): void {
    if (!this.#any || (event.state !== 'paused' && event.state !== 'stopped')) return;
    void this.#track(
      (async () => {
        for (const lock of await this.adapter.findLocks(event.planId)) {
          if (lock.key.startsWith(PREFIX)) await this.adapter.releaseLock(lock.key, event.planId);
        }
      })(),
    );
  }

  /** Resolves once every release under way is done. */
  async idle(): Promise<void> {
    while (this.#releasing.size > 0) await Promise.allSettled([...this.#releasing]);
  }

  #take(name: string, planId: string): Promise<boolean> {
    return this.adapter.acquireLock({
      key: singletonLockKey(name),
      ownerId: planId,
      planId,
      acquiredAt: isoNow(this.clock),
    });
  }

  #track(promise: Promise<void>): Promise<void> {
    const tracked = promise.catch((error: unknown) => {
      this.logger.error('releasing a singleton lock failed; it stays held', { error });
    });
    this.#releasing.add(tracked);
    void tracked.finally(() => this.#releasing.delete(tracked));
    return tracked;
  }
}
