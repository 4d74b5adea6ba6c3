import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { PersistenceAdapter, PlanFilter } from '../persistence/adapter.js';
import { checkPlanFilter } from '../persistence/plan-filter.js';
import { actionNotRegistered, planNotFound, stepNotFound } from '../plan/plan-errors.js';
import type { ExecutionPlan, PlanRecord, StepLogLine, StoredPlan } from '../plan/records.js';
import { presentStoredPlan, unreadablePlan } from '../plan/snapshot.js';

/** The plans a plan is chained to (`world.chain`), by id. */
export interface ChainedPlanIds {
  /** Plans it waits for. */
  readonly prerequisites: string[];
  /** Plans waiting for it. */
  readonly dependents: string[];
}

/**
 * Reads plans from a store the way users see them: as public {@link ExecutionPlan} snapshots, a
 * plan this world cannot execute marked `invalid` rather than refused. Used by the world and by the
 * console's store mode (which has no registry, so it does not check action classes).
 *
 * @internal
 */
export class PlanReader {
  /**
   * @param classOf - the registered class of an action name; omitted, plans are not checked for
   *   unregistered actions
   */
  constructor(
    private readonly adapter: PersistenceAdapter,
    private readonly classOf?: (className: string) => ActionClass | undefined,
  ) {}

  /**
   * The plan with this id, or `undefined`. A plan this world cannot execute (unregistered action,
   * newer schema) comes back with `invalid` set; an unreadable one rejects with `INVALID_PLAN`.
   */
  async plan(id: string): Promise<ExecutionPlan | undefined> {
    const stored = await this.adapter.loadPlan(id);
    return stored === undefined ? undefined : this.present(stored);
  }

  /** Plans matching `filter`, newest first; an unreadable one is shown from its record. */
  async plans(filter: PlanFilter, where = 'executionPlans'): Promise<ExecutionPlan[]> {
    checkPlanFilter(filter, where);
    return this.load(await this.adapter.findPlans(filter));
  }

  /** The sub-plans of a plan (of one of its steps when `stepId` is given), oldest first. */
  async subPlans(planId: string, stepId?: number): Promise<ExecutionPlan[]> {
    const parent = stepId === undefined ? { planId } : { planId, stepId };
    const records = await this.adapter.findPlans({ parent });
    return this.load(records.reverse());
  }

  /**
   * The plans chained to a plan.
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` for an unknown plan
   */
  async chainedPlans(id: string): Promise<ChainedPlanIds> {
    const [prerequisites, dependents, stored] = await Promise.all([
      this.adapter.findDependencies(id),
      this.adapter.findDependents(id),
      this.adapter.loadPlan(id),
    ]);
    if (stored === undefined) throw planNotFound(id);
    return { prerequisites, dependents };
  }

  /**
   * The lines a plan's steps wrote to `this.log`, in the order written (one step's when given).
   *
   * @throws FlowlineError `PLAN_NOT_FOUND` for an unknown plan, `STEP_NOT_FOUND` for an unknown step
   */
  async stepLog(id: string, stepId?: number): Promise<StepLogLine[]> {
    const lines = await this.adapter.loadLogs(id, stepId);
    if (lines.length > 0) return lines;
    const stored = await this.adapter.loadPlan(id);
    if (stored === undefined) throw planNotFound(id);
    if (stepId !== undefined && stored.steps[stepId - 1] === undefined) {
      throw stepNotFound(id, stepId);
    }
    return lines;
  }

  /**
   * Loads the plans of records, in their order. An unreadable one is shown from its record, marked
   * `invalid`: a record the adapter could not read itself (listed with `invalid` set) as it is, one
   * whose actions or steps cannot be read with the error `loadPlan` gave.
   */
  async load(records: readonly PlanRecord[]): Promise<ExecutionPlan[]> {
    const plans = await Promise.all(
      records.map(async (record): Promise<ExecutionPlan[]> => {
        if (record.invalid !== undefined) {
          const { code, message } = record.invalid;
          return [
            {
              ...unreadablePlan(record, invalidPlan(record.id, message)),
              invalid: { code, message },
            },
          ];
        }
        try {
          const stored = await this.adapter.loadPlan(record.id);
          return stored === undefined ? [] : [this.present(stored)];
        } catch (error) {
          if (!isInvalidPlan(error)) throw error;
          return [unreadablePlan(record, error)];
        }
      }),
    );
    return plans.flat();
  }

  /** The public snapshot of a stored plan, marked invalid when it cannot be executed here. */
  present(stored: StoredPlan): ExecutionPlan {
    const plan = presentStoredPlan(stored);
    const classOf = this.classOf;
    if (plan.invalid !== undefined || classOf === undefined) return plan;
    const unknown = stored.actions.find((action) => classOf(action.className) === undefined);
    if (unknown !== undefined) {
      const error = actionNotRegistered(plan.id, unknown);
      plan.invalid = { code: error.code, message: error.message };
    }
    return plan;
  }
}

function invalidPlan(planId: string, message: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_PLAN, message, { planId });
}

/** Whether `error` is the adapter's `INVALID_PLAN` for a record it cannot read. */
export function isInvalidPlan(error: unknown): error is FlowlineError {
  return error instanceof FlowlineError && error.code === ErrorCode.INVALID_PLAN;
}
