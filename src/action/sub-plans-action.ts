import { ErrorCode, FlowlineError } from '../errors.js';
import type { JsonObject, JsonValue } from '../plan/records.js';
import { Action } from './action.js';
import { ControlEvent, controlEvent, isControlEvent } from './control-events.js';
import type { ExecutionScope, SubPlan, SubPlanScope } from './context.js';
import { receiveScope } from './context.js';
import type { ActionClass, PlanArgs } from './types.js';

export type { SubPlan } from './context.js';

/** What a {@link SubPlansAction} keeps in its output, kept up to date while it waits. */
export interface SubPlansOutput {
  /**
   * How many sub-plans there are: those triggered so far, or with {@link SubPlansAction.totalCount}
   * the expected number (also counting those whose batch has not been asked for yet).
   */
  total: number;
  /** Sub-plans stopped with result `success` or `warning`. */
  success: number;
  /** Sub-plans paused (a failed step paused them) or stopped with result `error` or `cancelled`. */
  failed: number;
  /** Sub-plans triggered and not yet paused or stopped: being planned, waiting or running. */
  pending: number;
}

/** Which sub-plans {@link SubPlansAction.createSubPlans} is asked for. */
export interface SubPlansBatch {
  /** Position of the first one (0-based). */
  readonly from: number;
  /** How many; `Infinity` when the action does not work in batches (no `totalCount`). */
  readonly size: number;
}

const NEXT_BATCH: JsonObject = controlEvent(ControlEvent.subPlansNextBatch);
const RECOUNT: JsonObject = controlEvent(ControlEvent.subPlansRecount);

/**
 * An action whose run step starts other execution plans, its **sub-plans**, and waits for them
 * (Dynflow's `WithSubPlans`, `WithBulkSubPlans` and their concurrency control).
 *
 * - The first `run` calls {@link SubPlansAction.createSubPlans}, which calls
 *   {@link SubPlansAction.triggerChild} once per sub-plan. Each sub-plan is a plan of its own,
 *   linked to this step (`plan.parent`, `world.subPlans(planId)`).
 * - The step then suspends, holding no worker. Each time a sub-plan pauses or stops, the world
 *   sends the step an event and the output's `{ total, success, failed, pending }` is brought up
 *   to date. A sub-plan stopped with `success` or `warning` counts as a success; one stopped with
 *   `error` or `cancelled`, or paused (its failed step paused it), counts as failed.
 * - Once none is pending: if any failed, the step fails with `SUB_PLANS_FAILED` (so the plan
 *   pauses, by the default rescue strategy); otherwise {@link SubPlansAction.onFinish} runs and the
 *   step succeeds. Resume the failed sub-plans (`world.resume`), then this plan: the step reads its
 *   sub-plans' states again and finishes; it never triggers a sub-plan twice.
 * - {@link SubPlansAction.concurrencyLimit}: at most that many sub-plans run at once; the others
 *   are planned and wait (state `planned`) until a running one pauses or stops.
 * - {@link SubPlansAction.totalCount} switches to batches: `createSubPlans({ from, size })` is
 *   called for {@link SubPlansAction.batchSize} sub-plans at a time, each batch in a run call of
 *   its own, so a step with many sub-plans stores its progress as it goes.
 *
 * `run` is the state machine: implement the hooks, do not override `run`.
 *
 * @example
 * ```ts
 * class ProvisionHosts extends SubPlansAction<{ hosts: string[] }> {
 *   override concurrencyLimit = 5;
 *   createSubPlans() {
 *     return this.input.hosts.map((host) => this.triggerChild(ProvisionHost, host));
 *   }
 * }
 * ```
 */
export abstract class SubPlansAction<
  I extends object = Record<string, unknown>,
  // O appears once in the signature but is what users read and write as `this.output`.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  O extends object = SubPlansOutput,
> extends Action<I, O & SubPlansOutput> {
  /**
   * Sent to the waiting step when a world recovers its plan after the world executing it died: the
   * step reads its sub-plans' states from the store again, so news of a sub-plan that stopped while
   * no world could hear it is not lost.
   */
  static readonly recoveryEvent: JsonValue = RECOUNT;

  /**
   * With {@link SubPlansAction.totalCount}: how many sub-plans each `createSubPlans` call is asked
   * for. A positive integer.
   * @default 100
   */
  batchSize = 100;

  /**
   * At most this many sub-plans of the step run at once (a positive integer); the others wait,
   * planned, and start as running ones pause or stop. `undefined`: no limit.
   * @default undefined
   */
  concurrencyLimit: number | undefined = undefined;

  #scope: ExecutionScope | undefined;
  #batch: { subPlans: SubPlanScope; next: number; triggered: SubPlan[] } | undefined;

  /**
   * Triggers the sub-plans, with {@link SubPlansAction.triggerChild}. Called once; with
   * {@link SubPlansAction.totalCount}, once per batch, for the sub-plans at positions
   * `from` … `from + size - 1`. It may be async, and may return the {@link SubPlan} handles (as
   * Dynflow's `create_sub_plans` does), but need not: every `triggerChild` call counts.
   *
   * Sub-plans are identified by the order of the `triggerChild` calls: when the step runs again
   * after `createSubPlans` (or a batch) failed or its process died, the call is repeated and the
   * sub-plans already stored are kept instead of triggered again. So trigger them in a
   * deterministic order.
   *
   * @param batch - which sub-plans to trigger (without `totalCount`: `{ from: 0, size: Infinity }`)
   */
  abstract createSubPlans(batch: SubPlansBatch): unknown;

  /**
   * Define it to trigger the sub-plans in batches (Dynflow's bulk sub-plans): it returns how many
   * there are (a non-negative integer), and `createSubPlans` is then asked for
   * {@link SubPlansAction.batchSize} at a time. Called once, on the first run (until that run
   * succeeds); the output's `total` keeps the number. Without it, one `createSubPlans` call
   * triggers them all.
   */
  totalCount?(): number;

  /**
   * Called when every sub-plan has stopped and none failed, before the step succeeds: write more
   * output here, or throw to fail the step. Does nothing by default.
   */
  onFinish(): void | Promise<void> {
    return undefined;
  }

  /**
   * Plans a sub-plan, linked to this step, and starts it (or leaves it waiting, planned, when
   * {@link SubPlansAction.concurrencyLimit} sub-plans already run). Only in
   * {@link SubPlansAction.createSubPlans}. An unregistered class or arguments that are not JSON
   * throw here.
   *
   * @param action - a registered action class
   * @param args - the arguments its `plan` receives
   * @returns the sub-plan's id at once, and its plan once planned
   */
  protected triggerChild<C extends ActionClass>(action: C, ...args: PlanArgs<C>): SubPlan {
    const batch = this.#batch;
    if (batch === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.constructor.name}.triggerChild can only be called in createSubPlans()`,
        { actionId: this.id, planId: this.executionPlanId },
      );
    }
    const subPlan = batch.subPlans.trigger(action, args, batch.next);
    batch.next++;
    batch.triggered.push(subPlan);
    return subPlan;
  }

  /** The share of sub-plans that paused or stopped. */
  override progressDone(): number {
    const { total, success, failed } = this.output;
    return total > 0 ? (success + failed) / total : 0;
  }

  /** @internal */
  [receiveScope](scope: ExecutionScope): void {
    this.#scope = scope;
  }

  /**
   * Triggers the sub-plans (or the next batch), then keeps count of them on each event until none
   * is pending. Do not override it.
   */
  async run(event?: JsonValue): Promise<void> {
    const subPlans = this.#subPlans();
    const limit = this.#limit();
    const output = this.output as Partial<SubPlansOutput>;
    const started = typeof output.total === 'number';
    await subPlans.track(limit, !started);
    const noticed = await subPlans.note(event);
    const bulk = typeof this.totalCount === 'function';
    let total = started ? (output.total as number) : 0;
    let spawned = false;
    if (!started) {
      // The first run (or a run after createSubPlans failed): sub-plans stored by an earlier
      // attempt are found again, not triggered twice.
      const expected = bulk ? this.#expectedTotal() : Infinity;
      const asked = Math.min(bulk ? this.#batchSize() : Infinity, expected);
      if (asked > 0) {
        const triggered = await this.#spawn(subPlans, 0, asked);
        // A batch that comes up empty ends the batching.
        if (bulk) total = triggered === 0 ? 0 : expected + triggered - asked;
        spawned = bulk;
      }
    } else if (!noticed) {
      if (event !== undefined && !isControlEvent(event, ControlEvent.subPlansNextBatch)) {
        // Any other event: read the sub-plans' states from the store again.
        subPlans.release();
        await subPlans.track(limit, false);
      } else if (bulk) {
        // Resumed, or asked for the next batch: the counts stored last say how far it got.
        const cursor = (output.success ?? 0) + (output.failed ?? 0) + (output.pending ?? 0);
        const asked = Math.min(this.#batchSize(), total - cursor);
        if (asked > 0) {
          const triggered = await this.#spawn(subPlans, cursor, asked);
          total = triggered === 0 ? cursor : total + triggered - asked;
          spawned = true;
        }
      }
    }
    const counts = subPlans.counts();
    output.total = bulk ? Math.max(total, counts.total) : counts.total;
    output.success = counts.success;
    output.failed = counts.failed;
    output.pending = counts.pending;
    const remaining = output.total - counts.total;
    // A notice on its way must find the step suspended (it would be dropped, with a warning).
    if (remaining > 0 || counts.pending > 0 || subPlans.expecting()) {
      if (spawned && remaining > 0) await subPlans.wake(NEXT_BATCH);
      this.suspend();
    }
    const ids = counts.failed > 0 ? subPlans.failed(5) : [];
    subPlans.release();
    if (counts.failed > 0) {
      throw new FlowlineError(
        ErrorCode.SUB_PLANS_FAILED,
        `${counts.failed} of ${counts.total} sub-plans of ${this.constructor.name} ` +
          `(action ${this.id}) failed (${ids.join(', ')}${counts.failed > ids.length ? ', …' : ''}); ` +
          'fix what failed and resume them (world.resume), then resume this plan',
        { planId: this.executionPlanId, actionId: this.id },
      );
    }
    await this.onFinish();
  }

  /**
   * Calls `createSubPlans` for one batch and waits until what it triggered is stored.
   *
   * @returns how many sub-plans it triggered
   */
  async #spawn(subPlans: SubPlanScope, from: number, size: number): Promise<number> {
    const batch = { subPlans, next: from, triggered: [] as SubPlan[] };
    this.#batch = batch;
    try {
      await this.createSubPlans({ from, size });
    } catch (error) {
      await Promise.allSettled(batch.triggered.map((subPlan) => subPlan.planned));
      throw error;
    } finally {
      this.#batch = undefined;
    }
    await Promise.all(batch.triggered.map((subPlan) => subPlan.planned));
    return batch.next - from;
  }

  #subPlans(): SubPlanScope {
    const subPlans = this.#scope?.subPlans;
    if (subPlans === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.constructor.name}: sub-plans are only available in run(), in a world whose ` +
          'executor offers them',
        { actionId: this.id, planId: this.executionPlanId },
      );
    }
    return subPlans;
  }

  #limit(): number {
    const limit: unknown = this.concurrencyLimit;
    if (limit === undefined) return Infinity;
    return this.#positiveInteger('concurrencyLimit', limit);
  }

  #batchSize(): number {
    return this.#positiveInteger('batchSize', this.batchSize);
  }

  #expectedTotal(): number {
    const total: unknown = this.totalCount?.();
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
      throw this.#invalid(`totalCount() must return a non-negative integer, got ${String(total)}`);
    }
    return total;
  }

  #positiveInteger(name: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw this.#invalid(`${name} must be a positive integer, got ${String(value)}`);
    }
    return value;
  }

  #invalid(problem: string): FlowlineError {
    return new FlowlineError(
      ErrorCode.INVALID_ACTION,
      `${this.constructor.name} (action ${this.id}): ${problem}`,
      { actionId: this.id, planId: this.executionPlanId },
    );
  }
}
