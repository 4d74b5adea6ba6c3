import { ErrorCode, FlowlineError } from '../errors.js';
import { presentStoredPlan, unreadablePlan } from '../plan/snapshot.js';
import type {
  PersistenceAdapter,
  PlanFilter,
  StepLogLine,
  WorldRecord,
} from '../persistence/adapter.js';
import type { ExecutionPlan, PlanRecord } from '../plan/records.js';
import type { ChainedPlans, ConsoleSource, LinkedPlan, PlanLookup, SubPlanList } from './source.js';
import { SEARCH_WINDOW } from './source.js';

/** Plan records read per query when searching the whole store for sub-plans. */
const SCAN_CHUNK = 500;
/** Plan records searched at most for sub-plans. */
const SCAN_LIMIT = 10_000;

/**
 * Reads straight from a started persistence adapter (read-only console). Plans are presented the
 * way `world.executionPlan` presents them, without the registry check (there is no registry).
 *
 * @internal
 */
export class AdapterSource implements ConsoleSource {
  readonly #adapter: PersistenceAdapter;
  readonly worldId = undefined;

  constructor(adapter: PersistenceAdapter) {
    this.#adapter = adapter;
  }

  async plans(filter: PlanFilter): Promise<ExecutionPlan[]> {
    const records = await this.#adapter.findPlans(filter);
    return this.#loadAll(records);
  }

  async plan(id: string): Promise<PlanLookup> {
    try {
      const stored = await this.#adapter.loadPlan(id);
      return stored === undefined
        ? { kind: 'missing' }
        : { kind: 'found', plan: presentStoredPlan(stored) };
    } catch (error) {
      if (!isInvalidPlan(error)) throw error;
      const records = await this.#adapter.findPlans({ limit: SEARCH_WINDOW });
      const record = records.find((candidate) => candidate.id === id);
      return {
        kind: 'unreadable',
        error: {
          code: error.code,
          message: error.message,
          summary: record === undefined ? undefined : unreadablePlan(record, error),
        },
      };
    }
  }

  stepLog(planId: string, stepId: number): Promise<StepLogLine[]> {
    return this.#adapter.loadLogs(planId, stepId);
  }

  async subPlans(planId: string): Promise<SubPlanList> {
    const children: PlanRecord[] = [];
    let searched = 0;
    let exhausted = false;
    while (searched < SCAN_LIMIT) {
      const records = await this.#adapter.findPlans({ offset: searched, limit: SCAN_CHUNK });
      searched += records.length;
      children.push(...records.filter((record) => record.parent?.planId === planId));
      if (records.length < SCAN_CHUNK) {
        exhausted = true;
        break;
      }
    }
    // findPlans lists newest first; sub-plans read best in the order they were started.
    const plans = await this.#loadAll(children.reverse());
    return { plans, searchedOnly: exhausted ? undefined : searched };
  }

  async chainedPlans(planId: string): Promise<ChainedPlans> {
    const [waitsFor, waitedForBy] = await Promise.all([
      this.#adapter.findDependencies(planId),
      this.#adapter.findDependents(planId),
    ]);
    return {
      waitsFor: await Promise.all(waitsFor.map((id) => this.#linked(id))),
      waitedForBy: await Promise.all(waitedForBy.map((id) => this.#linked(id))),
    };
  }

  worlds(): Promise<WorldRecord[]> {
    return this.#adapter.findWorlds();
  }

  async #linked(id: string): Promise<LinkedPlan> {
    const found = await this.plan(id);
    return { id, plan: found.kind === 'found' ? found.plan : undefined };
  }

  /** Loads the plans of records; an unreadable one is shown from its record, marked invalid. */
  async #loadAll(records: readonly PlanRecord[]): Promise<ExecutionPlan[]> {
    const plans = await Promise.all(
      records.map(async (record): Promise<ExecutionPlan[]> => {
        try {
          const stored = await this.#adapter.loadPlan(record.id);
          return stored === undefined ? [] : [presentStoredPlan(stored)];
        } catch (error) {
          if (!isInvalidPlan(error)) throw error;
          return [unreadablePlan(record, error)];
        }
      }),
    );
    return plans.flat();
  }
}

function isInvalidPlan(error: unknown): error is FlowlineError {
  return error instanceof FlowlineError && error.code === ErrorCode.INVALID_PLAN;
}
