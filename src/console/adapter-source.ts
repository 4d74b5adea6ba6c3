import type {
  PersistenceAdapter,
  PlanFilter,
  StepLogLine,
  WorldRecord,
} from '../persistence/adapter.js';
import type { ExecutionPlan } from '../plan/records.js';
import { unreadablePlan } from '../plan/snapshot.js';
import { PlanReader, isInvalidPlan } from '../world/plan-reader.js';
import type { ChainedPlans, ConsoleSource, LinkedPlan, PlanLookup } from './source.js';
import { SEARCH_WINDOW } from './source.js';

/**
 * Reads straight from a started persistence adapter (read-only console). Plans are presented the
 * way `world.executionPlan` presents them, without the registry check (there is no registry).
 *
 * @internal
 */
export class AdapterSource implements ConsoleSource {
  readonly #adapter: PersistenceAdapter;
  readonly #reader: PlanReader;
  readonly worldId = undefined;

  constructor(adapter: PersistenceAdapter) {
    this.#adapter = adapter;
    this.#reader = new PlanReader(adapter);
  }

  plans(filter: PlanFilter): Promise<ExecutionPlan[]> {
    return this.#reader.plans(filter, 'findPlans');
  }

  async plan(id: string): Promise<PlanLookup> {
    try {
      const plan = await this.#reader.plan(id);
      return plan === undefined ? { kind: 'missing' } : { kind: 'found', plan };
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

  subPlans(planId: string): Promise<ExecutionPlan[]> {
    return this.#reader.subPlans(planId);
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
}
