import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlanFilter, StepLogLine, WorldRecord } from '../persistence/adapter.js';
import type { ExecutionPlan } from '../plan/records.js';
import type { World } from '../world/world.js';
import type { ChainedPlans, ConsoleSource, LinkedPlan, PlanLookup } from './source.js';
import { SEARCH_WINDOW } from './source.js';

/**
 * Reads through a world's public API.
 *
 * @internal
 */
export class WorldSource implements ConsoleSource {
  readonly #world: World;

  constructor(world: World) {
    this.#world = world;
  }

  get worldId(): string {
    return this.#world.id;
  }

  plans(filter: PlanFilter): Promise<ExecutionPlan[]> {
    return this.#world.executionPlans(filter);
  }

  async plan(id: string): Promise<PlanLookup> {
    try {
      const plan = await this.#world.executionPlan(id);
      return plan === undefined ? { kind: 'missing' } : { kind: 'found', plan };
    } catch (error) {
      if (!(error instanceof FlowlineError) || error.code !== ErrorCode.INVALID_PLAN) throw error;
      // The listing shows unreadable plans from their plan record: look for it there.
      const listed = await this.#world.executionPlans({ limit: SEARCH_WINDOW });
      const summary = listed.find((plan) => plan.id === id);
      return { kind: 'unreadable', error: { code: error.code, message: error.message, summary } };
    }
  }

  stepLog(planId: string, stepId: number): Promise<StepLogLine[]> {
    return this.#world.stepLog(planId, stepId);
  }

  subPlans(planId: string): Promise<ExecutionPlan[]> {
    return this.#world.subPlans(planId);
  }

  async chainedPlans(planId: string): Promise<ChainedPlans> {
    let chained: { prerequisites: string[]; dependents: string[] };
    try {
      chained = await this.#world.chainedPlans(planId);
    } catch (error) {
      if (error instanceof FlowlineError && error.code === ErrorCode.PLAN_NOT_FOUND) {
        return { waitsFor: [], waitedForBy: [] };
      }
      throw error;
    }
    return {
      waitsFor: await Promise.all(chained.prerequisites.map((id) => this.#linked(id))),
      waitedForBy: await Promise.all(chained.dependents.map((id) => this.#linked(id))),
    };
  }

  worlds(): Promise<WorldRecord[]> {
    return this.#world.worlds();
  }

  async #linked(id: string): Promise<LinkedPlan> {
    const found = await this.plan(id);
    return { id, plan: found.kind === 'found' ? found.plan : undefined };
  }
}
