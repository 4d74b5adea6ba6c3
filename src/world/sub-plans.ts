import { createHash, randomUUID } from 'node:crypto';
import type { SubPlan, SubPlanCounts, SubPlanScope } from '../action/context.js';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';
import type { Executor, SubPlanService } from '../executor/executor.js';
import { toExecutionPlan } from '../plan/snapshot.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { ExecutionPlan, JsonValue, PlanParent, PlanRecord } from '../plan/records.js';
import type { PlanResult, PlanState } from '../plan/states.js';
import { subPlanNotice, subPlanNoticeOf } from '../action/control-events.js';
import { deliverEvent } from './event-delivery.js';
import type { PlanStateEvent } from './events.js';
import type { Logger } from '../shared/logger.js';

/** What the sub-plan tracker needs from its world. @internal */
export interface SubPlanHost {
  readonly worldId: string;
  readonly adapter: PersistenceAdapter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The world's executor (notices to parents running here go straight to it). */
  readonly executor: Executor | undefined;
  /** Checks a sub-plan's class and arguments as `world.trigger` does; throws when they are bad. */
  check(cls: ActionClass, args: readonly unknown[]): void;
  /** Plans a sub-plan under `id` with its parent link and stores it. */
  plan(
    id: string,
    cls: ActionClass,
    args: readonly unknown[],
    parent: PlanParent,
  ): Promise<ExecutionPlan>;
  /** Executes a planned sub-plan; resolves once it pauses or stops. */
  execute(id: string): Promise<ExecutionPlan>;
}

/** Where a sub-plan is, as far as its parent's counts go. */
type Category = 'planning' | 'waiting' | 'running' | 'success' | 'failed';

/** The sub-plans of one run step, tracked in memory (a cache of the store). */
interface Group {
  readonly parent: PlanParent;
  /** At most this many running at once (`Infinity`: no limit). */
  limit: number;
  readonly children: Map<string, Category>;
  /** Planned sub-plans waiting for a free slot, in the order they were triggered. */
  queue: string[];
  head: number;
  running: number;
  success: number;
  failed: number;
  pending: number;
  /**
   * Whether a notice sent by this world is on its way to the parent step: further changes are only
   * applied here (the parent reads them all when that notice arrives), so a burst of sub-plans
   * stopping wakes the parent once, not once each.
   */
  noticePending: boolean;
  /** Set while the group is read from the store; state changes heard meanwhile wait in `heard`. */
  loading: Promise<void> | undefined;
  heard: PlanStateEvent[];
}

/**
 * Triggers and tracks the sub-plans of run steps (`SubPlansAction`); one per world.
 *
 * - A sub-plan is planned under an id derived from its parent step and its position, with the
 *   parent link (`PlanRecord.parent`) in its first write. Triggering the same position again (the
 *   parent step running again after a failure or a crash) finds it in the store and plans nothing:
 *   no sub-plan is ever triggered twice.
 * - Planned sub-plans start at once, or wait (state `planned`) until fewer than the parent's
 *   concurrency limit of its sub-plans run; a waiting one starts when a running one pauses or stops.
 * - When a sub-plan this world executes pauses or stops, the parent step gets a notice as an event
 *   (through the store, so it also reaches a parent executed elsewhere or after a restart); a
 *   parent step that no longer waits (failed, or its plan stopped) does not get it: it re-reads its
 *   sub-plans when it runs again.
 * - What is tracked in memory is rebuilt from the store (the sub-plans found by their parent link)
 *   when a parent step runs in a world that does not track it yet: after a restart, on another
 *   process, or on resume.
 *
 * @internal
 */
export class SubPlanTracker implements SubPlanService {
  readonly #groups = new Map<string, Group>();
  /** Notices under way, chained per parent step so they arrive in order. */
  readonly #notices = new Map<string, Promise<void>>();
  #stopped = false;

  constructor(private readonly host: SubPlanHost) {}

  forStep(planId: string, stepId: number): SubPlanScope {
    const parent: PlanParent = { planId, stepId };
    return {
      track: (limit, fresh) => this.#track(parent, limit, fresh),
      trigger: (cls, args, index) => this.#trigger(parent, cls, args, index),
      note: (event) => this.#note(parent, event),
      wake: async (payload) => {
        await this.#notify(parent, payload);
      },
      expecting: () => this.#groups.get(keyOf(parent))?.noticePending === true,
      counts: () => this.#counts(parent),
      failed: (limit) => this.#failed(parent, limit),
      release: () => {
        this.#groups.delete(keyOf(parent));
      },
    };
  }

  /** The stored plan records of a plan's sub-plans (of one step when given), oldest first. */
  async list(planId: string, stepId?: number): Promise<PlanRecord[]> {
    const parent = stepId === undefined ? { planId } : { planId, stepId };
    return (await this.host.adapter.findPlans({ parent })).reverse();
  }

  /**
   * As in Dynflow, cancelling a plan cancels the sub-plans it started that have not stopped.
   *
   * @param cancel - cancels one plan (`world.cancel`, which comes back here for its own sub-plans)
   */
  async cancelChildren(
    planId: string,
    force: boolean,
    cancel: (id: string, options: { force: boolean }) => Promise<void>,
  ): Promise<void> {
    const children = await this.host.adapter.findPlans({ parent: { planId } });
    await Promise.all(
      children
        .filter((child) => child.state !== 'stopped')
        .map((child) =>
          cancel(child.id, { force }).catch((error: unknown) => {
            // A sub-plan may stop on its own meanwhile; anything else is worth a log line.
            if (!(error instanceof FlowlineError && error.code === ErrorCode.INVALID_PLAN_STATE)) {
              this.host.logger.error(`cancelling sub-plan ${child.id} of plan ${planId} failed`, {
                error,
              });
            }
          }),
        ),
    );
  }

  /** Hears a committed plan state change of this world. */
  handle(event: PlanStateEvent): void {
    if (event.state === 'stopped' && this.#groups.size > 0) {
      // A parent plan stopped (halted, cancelled): its waiting sub-plans are not started any more.
      for (const [key, group] of this.#groups) {
        if (group.parent.planId === event.planId) this.#groups.delete(key);
      }
    }
    const parent = event.parent;
    if (parent === undefined) return;
    if (event.state !== 'running' && event.state !== 'paused' && event.state !== 'stopped') return;
    const group = this.#groups.get(keyOf(parent));
    if (group !== undefined) {
      if (group.loading !== undefined) group.heard.push(event);
      else this.#apply(group, event.planId, event.state, event.result);
    }
    if (event.state === 'running') return;
    if (group !== undefined) {
      if (group.noticePending) return;
      group.noticePending = true;
    }
    const notice = subPlanNotice({
      planId: event.planId,
      state: event.state,
      result: event.result,
      worldId: this.host.worldId,
    });
    this.#notify(parent, notice).then(
      (sent) => {
        if (!sent && group !== undefined) group.noticePending = false;
      },
      () => {
        if (group !== undefined) group.noticePending = false;
      },
    );
  }

  /** Sub-plans may be started (the world started). */
  start(): void {
    this.#stopped = false;
  }

  /** No more sub-plans are started (the world is closing). */
  stop(): void {
    this.#stopped = true;
  }

  /** Resolves once every notice under way has been sent. */
  async idle(): Promise<void> {
    while (this.#notices.size > 0) await Promise.allSettled([...this.#notices.values()]);
  }

  async #track(parent: PlanParent, limit: number, fresh: boolean): Promise<void> {
    const key = keyOf(parent);
    let group = this.#groups.get(key);
    if (group === undefined) {
      const created = newGroup(parent, limit);
      group = created;
      this.#groups.set(key, created);
      if (!fresh) {
        created.loading = this.#load(created);
        try {
          await created.loading;
        } catch (error) {
          this.#groups.delete(key);
          throw error;
        } finally {
          created.loading = undefined;
        }
        for (const event of created.heard.splice(0)) {
          this.#apply(created, event.planId, event.state, event.result);
        }
      }
    } else if (group.loading !== undefined) {
      await group.loading;
    }
    group.limit = limit;
    this.#fill(group);
  }

  /** Reads a parent step's sub-plans from the store. */
  async #load(group: Group): Promise<void> {
    for (const record of await this.list(group.parent.planId, group.parent.stepId)) {
      if (group.children.has(record.id)) continue;
      this.#set(group, record.id, categoryOf(record.state, record.result));
    }
  }

  #trigger(parent: PlanParent, cls: ActionClass, args: readonly unknown[], index: number): SubPlan {
    const key = keyOf(parent);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = newGroup(parent, Infinity);
      this.#groups.set(key, group);
    }
    this.host.check(cls, args);
    const id = subPlanId(parent, index);
    const known = group.children.has(id);
    if (!known) this.#set(group, id, 'planning');
    const tracked = group;
    const planned = this.host.adapter.loadPlan(id).then((existing) => {
      if (existing !== undefined) return toExecutionPlan(existing, false);
      if (known) {
        throw new FlowlineError(
          ErrorCode.INVALID_PLAN_STATE,
          `sub-plan ${index} of step ${parent.stepId} of plan ${parent.planId} was triggered ` +
            'twice in one run call',
          { planId: parent.planId, stepId: parent.stepId },
        );
      }
      return this.host.plan(id, cls, args, parent);
    });
    if (!known) {
      planned.then(
        (plan) => {
          if (tracked.children.get(id) !== 'planning') return;
          this.#set(tracked, id, categoryOf(plan.state, plan.result));
          this.#fill(tracked);
        },
        () => {
          // Not stored: it is not a sub-plan (the parent's run call fails with the error).
          if (tracked.children.get(id) === 'planning') this.#forget(tracked, id);
        },
      );
    }
    return { id, planned };
  }

  async #note(parent: PlanParent, event: JsonValue | undefined): Promise<boolean> {
    const group = this.#groups.get(keyOf(parent));
    const notice = subPlanNoticeOf(event);
    if (notice === undefined) {
      // A first run or a run after a failure: notices sent before were dropped with the old run.
      if (event === undefined && group !== undefined) group.noticePending = false;
      return false;
    }
    if (group !== undefined) group.noticePending = false;
    // A change heard by another world: read the sub-plan's current state.
    if (
      group !== undefined &&
      (notice.worldId !== this.host.worldId || !group.children.has(notice.planId))
    ) {
      const stored = await this.host.adapter.loadPlan(notice.planId);
      if (stored !== undefined)
        this.#apply(group, notice.planId, stored.plan.state, stored.plan.result);
    }
    return true;
  }

  #apply(group: Group, id: string, state: PlanState, result: PlanResult): void {
    this.#set(group, id, categoryOf(state, result));
    this.#fill(group);
  }

  /** Starts waiting sub-plans while the limit allows. */
  #fill(group: Group): void {
    if (this.#stopped) return;
    while (group.running < group.limit && group.head < group.queue.length) {
      const id = group.queue[group.head++] as string;
      if (group.children.get(id) !== 'waiting') continue;
      this.#set(group, id, 'running');
      this.host.execute(id).catch((error: unknown) => {
        this.host.logger.debug(`sub-plan ${id} did not run to its end here`, { planId: id, error });
      });
    }
    if (group.head > 64 && group.head * 2 > group.queue.length) {
      group.queue = group.queue.slice(group.head);
      group.head = 0;
    }
  }

  #set(group: Group, id: string, to: Category): void {
    const from = group.children.get(id);
    if (from === to) return;
    if (from !== undefined) count(group, from, -1);
    group.children.set(id, to);
    count(group, to, 1);
    if (to === 'waiting') group.queue.push(id);
  }

  #forget(group: Group, id: string): void {
    const from = group.children.get(id);
    if (from === undefined) return;
    count(group, from, -1);
    group.children.delete(id);
  }

  #counts(parent: PlanParent): SubPlanCounts {
    const group = this.#groups.get(keyOf(parent));
    if (group === undefined) return { total: 0, success: 0, failed: 0, pending: 0 };
    return {
      total: group.children.size,
      success: group.success,
      failed: group.failed,
      pending: group.pending,
    };
  }

  #failed(parent: PlanParent, limit: number): string[] {
    const ids: string[] = [];
    for (const [id, category] of this.#groups.get(keyOf(parent))?.children ?? []) {
      if (ids.length >= limit) break;
      if (category === 'failed') ids.push(id);
    }
    return ids;
  }

  /**
   * Sends a parent step an event, after the ones sent to it before.
   *
   * @returns whether it was delivered or queued (not when the step no longer waits)
   */
  #notify(parent: PlanParent, payload: JsonValue): Promise<boolean> {
    const key = keyOf(parent);
    const previous = this.#notices.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.#send(parent, payload));
    const logged = next.then(
      () => undefined,
      (error: unknown) => {
        this.host.logger.error(
          `could not send step ${parent.stepId} of plan ${parent.planId} news of its sub-plans`,
          { planId: parent.planId, stepId: parent.stepId, error },
        );
      },
    );
    this.#notices.set(key, logged);
    void logged.finally(() => {
      if (this.#notices.get(key) === logged) this.#notices.delete(key);
    });
    return next;
  }

  /**
   * Delivers an event to a parent step: to the executor when it runs the parent here, else into the
   * store for whoever executes it (also after the world closed, until the store is closed). A step
   * that no longer waits does not get it.
   */
  async #send(parent: PlanParent, payload: JsonValue): Promise<boolean> {
    const host = this.host;
    const delivery = await deliverEvent(host.adapter, host.executor, {
      id: randomUUID(),
      planId: parent.planId,
      stepId: parent.stepId,
      payload,
      createdAt: isoNow(host.clock),
    });
    // Halted or cancelled: its waiting sub-plans are not started any more.
    if (!delivery.accepted && delivery.planStopped) this.#groups.delete(keyOf(parent));
    return delivery.accepted;
  }
}

function newGroup(parent: PlanParent, limit: number): Group {
  return {
    parent,
    limit,
    children: new Map(),
    queue: [],
    head: 0,
    running: 0,
    success: 0,
    failed: 0,
    pending: 0,
    noticePending: false,
    loading: undefined,
    heard: [],
  };
}

function count(group: Group, category: Category, by: 1 | -1): void {
  if (category === 'success') group.success += by;
  else if (category === 'failed') group.failed += by;
  else group.pending += by;
  if (category === 'running') group.running += by;
}

/**
 * A sub-plan paused (by a failure or by hand) counts as failed; stopped with result `warning`
 * counts as success, as in Dynflow.
 */
function categoryOf(state: PlanState, result: PlanResult): Category {
  switch (state) {
    case 'planned':
      return 'waiting';
    case 'running':
      return 'running';
    case 'paused':
      return 'failed';
    case 'stopped':
      return result === 'success' || result === 'warning' ? 'success' : 'failed';
    default:
      return 'planning';
  }
}

function keyOf(parent: PlanParent): string {
  return `${parent.planId}#${parent.stepId}`;
}

/**
 * The id of a step's `index`-th sub-plan: a name-based (version 5 style) UUID of the parent step
 * and the position, so triggering the same position again finds the plan already stored.
 *
 * @internal
 */
export function subPlanId(parent: PlanParent, index: number): string {
  const hash = createHash('sha1')
    .update(`flowline:sub-plan:${parent.planId}:${parent.stepId}:${index}`)
    .digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
