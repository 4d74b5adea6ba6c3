import { ErrorCode, FlowlineError } from '../errors.js';
import type { ActionRecord, JsonValue, PlanRecord, StepRecord } from '../plan/records.js';
import { cloneJson } from '../plan/serialization.js';
import type {
  EventEnvelope,
  PersistenceAdapter,
  PlanFilter,
  StepClaim,
  StoredPlan,
  WriteBatch,
} from './adapter.js';

interface PlanEntry {
  plan: PlanRecord;
  actions: Map<number, ActionRecord>;
  steps: Map<number, StepRecord>;
}

/**
 * Keeps plans in process memory: fast, not durable. The default store of a `World`.
 *
 * Records are deep-copied on the way in and on the way out, so the engine and the store never
 * share an object, as with a real database.
 */
export class MemoryAdapter implements PersistenceAdapter {
  readonly #plans = new Map<string, PlanEntry>();
  readonly #order: string[] = [];
  readonly #events = new Map<string, EventEnvelope[]>();

  /** Nothing to open. */
  async start(): Promise<void> {}

  /** Nothing to close; the data stays until the adapter is garbage-collected. */
  async close(): Promise<void> {}

  async write(batch: WriteBatch): Promise<void> {
    // Check and copy everything first, so a bad batch leaves nothing half-written.
    const plans = (batch.plans ?? []).map(copy);
    const known = new Set(plans.map((plan) => plan.id));
    const children = [...(batch.actions ?? []), ...(batch.steps ?? [])];
    for (const { planId } of children) {
      if (!known.has(planId) && !this.#plans.has(planId)) {
        throw new FlowlineError(
          ErrorCode.STORAGE_ERROR,
          `memory adapter: a record names plan ${planId}, which was never written`,
          { planId },
        );
      }
    }
    const actions = (batch.actions ?? []).map(
      ({ planId, record }) => [planId, copy(record)] as const,
    );
    const steps = (batch.steps ?? []).map(({ planId, record }) => [planId, copy(record)] as const);
    for (const plan of plans) {
      const entry = this.#plans.get(plan.id);
      if (entry === undefined) {
        this.#plans.set(plan.id, { plan, actions: new Map(), steps: new Map() });
        this.#order.push(plan.id);
      } else {
        entry.plan = plan;
      }
    }
    for (const [planId, record] of actions) this.#entry(planId).actions.set(record.id, record);
    for (const [planId, record] of steps) this.#entry(planId).steps.set(record.id, record);
  }

  async claimStep(claim: StepClaim): Promise<boolean> {
    const step = this.#plans.get(claim.planId)?.steps.get(claim.stepId);
    if (step === undefined || !claim.from.includes(step.state)) return false;
    step.state = 'running';
    step.startedAt ??= claim.at;
    delete step.endedAt;
    return true;
  }

  async loadPlan(planId: string): Promise<StoredPlan | undefined> {
    const entry = this.#plans.get(planId);
    if (entry === undefined) return undefined;
    return {
      plan: copy(entry.plan),
      actions: [...entry.actions.values()].sort((a, b) => a.id - b.id).map(copy),
      steps: [...entry.steps.values()].sort((a, b) => a.id - b.id).map(copy),
    };
  }

  async findPlans(filter: PlanFilter = {}): Promise<PlanRecord[]> {
    const states = toSet(filter.state);
    const results = toSet(filter.result);
    const matches: PlanRecord[] = [];
    for (let i = this.#order.length - 1; i >= 0; i--) {
      const plan = this.#plans.get(this.#order[i] as string)?.plan;
      if (plan === undefined) continue;
      if (states !== undefined && !states.has(plan.state)) continue;
      if (results !== undefined && !results.has(plan.result)) continue;
      if (filter.label !== undefined && plan.label !== filter.label) continue;
      matches.push(plan);
    }
    const offset = filter.offset ?? 0;
    const page = matches.slice(
      offset,
      filter.limit === undefined ? undefined : offset + filter.limit,
    );
    return page.map(copy);
  }

  async enqueueEvent(event: EventEnvelope): Promise<void> {
    const key = `${event.planId}#${event.stepId}`;
    const queue = this.#events.get(key) ?? [];
    queue.push(copy(event));
    this.#events.set(key, queue);
  }

  async takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined> {
    const key = `${planId}#${stepId}`;
    const queue = this.#events.get(key);
    const event = queue?.shift();
    if (queue?.length === 0) this.#events.delete(key);
    return event;
  }

  async dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]> {
    const key = `${planId}#${stepId}`;
    const queue = this.#events.get(key) ?? [];
    this.#events.delete(key);
    return queue;
  }

  #entry(planId: string): PlanEntry {
    return this.#plans.get(planId) as PlanEntry;
  }
}

function copy<T extends object>(record: T): T {
  return cloneJson(record as unknown as JsonValue) as unknown as T;
}

function toSet<T>(value: T | readonly T[] | undefined): Set<T> | undefined {
  if (value === undefined) return undefined;
  return new Set(Array.isArray(value) ? (value as readonly T[]) : [value as T]);
}
