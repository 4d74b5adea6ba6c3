import type { ActionRecord, PlanRecord, StepRecord } from '../plan/records.js';
import type {
  EventEnvelope,
  PersistenceAdapter,
  PlanFilter,
  StepClaim,
  StoredPlan,
  WriteBatch,
} from './adapter.js';

interface PlanEntry {
  plan: string;
  actions: Map<number, string>;
  steps: Map<number, StepRecord>;
  stepJson: Map<number, string>;
}

/**
 * Keeps plans in process memory: fast, not durable. The default store of a `World`.
 *
 * Records are kept as JSON text, so what comes back is always a fresh copy and anything that would
 * not survive a durable store fails here too.
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
    // Serialize everything first, so a value that cannot be stored leaves nothing half-written.
    const plans = (batch.plans ?? []).map((plan) => [plan.id, JSON.stringify(plan)] as const);
    const actions = (batch.actions ?? []).map(
      ({ planId, record }) => [planId, record.id, JSON.stringify(record)] as const,
    );
    const steps = (batch.steps ?? []).map(
      ({ planId, record }) => [planId, record.id, JSON.stringify(record)] as const,
    );
    for (const [planId, json] of plans) {
      const entry = this.#plans.get(planId);
      if (entry === undefined) {
        this.#plans.set(planId, {
          plan: json,
          actions: new Map(),
          steps: new Map(),
          stepJson: new Map(),
        });
        this.#order.push(planId);
      } else {
        entry.plan = json;
      }
    }
    for (const [planId, id, json] of actions) this.#entry(planId).actions.set(id, json);
    for (const [planId, id, json] of steps) {
      const entry = this.#entry(planId);
      entry.stepJson.set(id, json);
      entry.steps.set(id, JSON.parse(json) as StepRecord);
    }
  }

  async claimStep(claim: StepClaim): Promise<boolean> {
    const entry = this.#plans.get(claim.planId);
    const step = entry?.steps.get(claim.stepId);
    if (entry === undefined || step === undefined || !claim.from.includes(step.state)) return false;
    step.state = 'running';
    step.startedAt ??= claim.at;
    entry.stepJson.set(step.id, JSON.stringify(step));
    return true;
  }

  async loadPlan(planId: string): Promise<StoredPlan | undefined> {
    const entry = this.#plans.get(planId);
    if (entry === undefined) return undefined;
    return {
      plan: JSON.parse(entry.plan) as PlanRecord,
      actions: [...entry.actions.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, json]) => JSON.parse(json) as ActionRecord),
      steps: [...entry.stepJson.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, json]) => JSON.parse(json) as StepRecord),
    };
  }

  async findPlans(filter: PlanFilter = {}): Promise<PlanRecord[]> {
    const states = toSet(filter.state);
    const results = toSet(filter.result);
    const matches: PlanRecord[] = [];
    for (let i = this.#order.length - 1; i >= 0; i--) {
      const entry = this.#plans.get(this.#order[i] as string);
      if (entry === undefined) continue;
      const plan = JSON.parse(entry.plan) as PlanRecord;
      if (states !== undefined && !states.has(plan.state)) continue;
      if (results !== undefined && !results.has(plan.result)) continue;
      if (filter.label !== undefined && plan.label !== filter.label) continue;
      matches.push(plan);
    }
    const offset = filter.offset ?? 0;
    return matches.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit);
  }

  async enqueueEvent(event: EventEnvelope): Promise<void> {
    const key = `${event.planId}#${event.stepId}`;
    const queue = this.#events.get(key) ?? [];
    queue.push(JSON.parse(JSON.stringify(event)) as EventEnvelope);
    this.#events.set(key, queue);
  }

  async takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined> {
    const key = `${planId}#${stepId}`;
    const queue = this.#events.get(key);
    const event = queue?.shift();
    if (queue !== undefined && queue.length === 0) this.#events.delete(key);
    return event;
  }

  async dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]> {
    const key = `${planId}#${stepId}`;
    const queue = this.#events.get(key) ?? [];
    this.#events.delete(key);
    return queue;
  }

  #entry(planId: string): PlanEntry {
    const entry = this.#plans.get(planId);
    if (entry === undefined) {
      throw new Error(`memory adapter: no plan ${planId} for a child record; write the plan first`);
    }
    return entry;
  }
}

function toSet<T>(value: T | readonly T[] | undefined): Set<T> | undefined {
  if (value === undefined) return undefined;
  return new Set(Array.isArray(value) ? (value as readonly T[]) : [value as T]);
}
