import { ErrorCode, FlowlineError } from '../errors.js';
import type { ActionRecord, JsonValue, PlanRecord, StepRecord } from '../plan/records.js';
import { cloneJson } from '../plan/serialization.js';
import type {
  DelayedPlanRecord,
  EventEnvelope,
  FlowVersionFilter,
  FlowVersionRecord,
  LockRecord,
  MessageEnvelope,
  PersistenceAdapter,
  PlanDependency,
  PlanFilter,
  PlanInsert,
  PlanInsertResult,
  StepClaim,
  StepLogLine,
  StoredPlan,
  WorldRecord,
  WriteBatch,
} from './adapter.js';
import {
  checkFlowVersionFilter,
  compareFlowVersions,
  matchesFlowVersionFilter,
} from './flow-version-filter.js';
import { checkFlowVersionRecords, readFlowVersionRecord } from './flow-version-records.js';
import { checkPlanFilter } from './plan-filter.js';
import { checkPlanInsert, idempotencyKeyColumn } from './plan-insert.js';
import { isJsonObject } from './record-checks.js';
import { describeValue } from '../shared/describe-value.js';
import {
  checkDelayedPlanRecord,
  checkStoredPlan,
  readDelayedPlanRecord,
  readEventEnvelope,
  readLockRecord,
  readMessageEnvelope,
  readPlanIds,
  readPlanRecord,
  readStepLogLine,
  readWorldRecord,
  refuseUnreadable,
} from './record-decoding.js';

/** The store's name in messages. */
const SOURCE = 'MemoryAdapter';

interface PlanEntry {
  plan: PlanRecord;
  actions: Map<number, ActionRecord>;
  steps: Map<number, StepRecord>;
}

/**
 * Keeps plans in process memory: fast, not durable. The default store of a `World`.
 *
 * Records are deep-copied on the way in and on the way out, so the engine and the store never
 * share an object, as with a real database. They are kept as written and checked when read back,
 * as the durable stores check theirs: a record written with the wrong shape is reported as the
 * contract says (`INVALID_PLAN`, or a listed record marked `invalid`), never handed to the engine.
 */
export class MemoryAdapter implements PersistenceAdapter {
  readonly #plans = new Map<string, PlanEntry>();
  readonly #order: string[] = [];
  readonly #events = new Map<string, EventEnvelope[]>();
  /** Kept messages by plan id and name; the ids of every kept message, for idempotence. */
  readonly #messages = new Map<string, MessageEnvelope[]>();
  readonly #messageIds = new Set<string>();
  readonly #delayed = new Map<string, DelayedPlanRecord>();
  readonly #dependencies: PlanDependency[] = [];
  readonly #logs = new Map<string, StepLogLine[]>();
  readonly #worlds = new Map<string, WorldRecord>();
  readonly #locks = new Map<string, LockRecord>();
  /** Plan ids by idempotency key: a key belongs to one plan. */
  readonly #keys = new Map<string, string>();
  /** Flow versions by `JSON.stringify([name, version])`. */
  readonly #flowVersions = new Map<string, FlowVersionRecord>();

  /** Nothing to open. */
  async start(): Promise<void> {}

  /** Nothing to close; the data stays until the adapter is garbage-collected. */
  async close(): Promise<void> {}

  async write(batch: WriteBatch): Promise<void> {
    // Check and copy everything first, so a bad batch leaves nothing half-written.
    const refused = refuseUnreadable(SOURCE, batch);
    if (refused !== undefined) throw refused;
    const plans = (batch.plans ?? []).map((plan) => keyed(plan, 'plan record'));
    for (const plan of plans) {
      if (typeof plan.id !== 'string') {
        throw new FlowlineError(
          ErrorCode.STORAGE_ERROR,
          `memory adapter: a plan record has the id ${describeValue(plan.id)}; it is kept by its id, a string`,
        );
      }
    }
    this.#checkKeys(plans);
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
      ({ planId, record }) => [planId, keyed(record, 'action record')] as const,
    );
    const steps = (batch.steps ?? []).map(
      ({ planId, record }) => [planId, keyed(record, 'step record')] as const,
    );
    const delayed = (batch.delayedPlans ?? []).map((record) =>
      keyed(record, 'delayed-plan record'),
    );
    const dependencies: PlanDependency[] = [];
    for (const d of batch.dependencies ?? []) {
      const known = (e: PlanDependency): boolean =>
        e.planId === d.planId && e.dependsOn === d.dependsOn;
      if (!this.#dependencies.some(known) && !dependencies.some(known)) dependencies.push(d);
    }
    for (const plan of plans) {
      const entry = this.#plans.get(plan.id);
      const before = entry === undefined ? null : idempotencyKeyColumn(entry.plan);
      if (before !== null) this.#keys.delete(before);
      const key = idempotencyKeyColumn(plan);
      if (key !== null) this.#keys.set(key, plan.id);
      if (entry === undefined) {
        this.#plans.set(plan.id, { plan, actions: new Map(), steps: new Map() });
        this.#order.push(plan.id);
      } else {
        entry.plan = plan;
      }
    }
    for (const [planId, record] of actions) this.#entry(planId).actions.set(record.id, record);
    for (const [planId, record] of steps) this.#entry(planId).steps.set(record.id, record);
    for (const record of delayed) this.#delayed.set(record.planId, record);
    for (const planId of batch.deleteDelayedPlans ?? []) this.#delayed.delete(planId);
    for (const dependency of dependencies) this.#dependencies.push(copy(dependency));
  }

  async insertPlan(insert: PlanInsert): Promise<PlanInsertResult> {
    const plan = checkPlanInsert(insert, SOURCE);
    if (this.#plans.has(plan.id)) return { inserted: false, existingId: plan.id, conflict: 'id' };
    const holder =
      plan.idempotencyKey === undefined ? undefined : this.#keys.get(plan.idempotencyKey);
    if (holder !== undefined) {
      return { inserted: false, existingId: holder, conflict: 'idempotencyKey' };
    }
    // write() has no await before its last change: the check above and the insert are one step.
    await this.write(insert);
    return { inserted: true };
  }

  /**
   * Refuses a batch that would give a plan an idempotency key another plan holds (in the store or
   * earlier in the batch), as the SQL stores' unique index does.
   */
  #checkKeys(plans: readonly PlanRecord[]): void {
    let claimed: Map<string, string> | undefined;
    for (const plan of plans) {
      const key = idempotencyKeyColumn(plan);
      if (key === null) continue;
      claimed ??= new Map<string, string>();
      const holder = claimed.get(key) ?? this.#keys.get(key);
      if (holder !== undefined && holder !== plan.id) {
        throw new FlowlineError(
          ErrorCode.STORAGE_ERROR,
          `memory adapter: write refused: plan ${plan.id} has the idempotency key ` +
            `${JSON.stringify(key)}, which plan ${holder} holds; nothing of the batch was written`,
          { planId: plan.id },
        );
      }
      claimed.set(key, plan.id);
    }
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
    return checkStoredPlan(SOURCE, planId, {
      plan: copy(entry.plan),
      actions: [...entry.actions.values()].sort((a, b) => a.id - b.id).map(copy),
      steps: [...entry.steps.values()].sort((a, b) => a.id - b.id).map(copy),
    });
  }

  async findPlans(filter: PlanFilter = {}): Promise<PlanRecord[]> {
    checkPlanFilter(filter, 'findPlans');
    const states = toSet(filter.state);
    const results = toSet(filter.result);
    const parent = filter.parent;
    const matches: PlanRecord[] = [];
    const ids: string[] = [];
    for (let i = this.#order.length - 1; i >= 0; i--) {
      const id = this.#order[i] as string;
      const plan = this.#plans.get(id)?.plan;
      if (plan === undefined) continue;
      if (states !== undefined && !states.has(plan.state)) continue;
      if (results !== undefined && !results.has(plan.result)) continue;
      if (filter.label !== undefined && plan.label !== filter.label) continue;
      if (parent !== undefined && !isChildOf(plan, parent)) continue;
      if (filter.idempotencyKey !== undefined && plan.idempotencyKey !== filter.idempotencyKey) {
        continue;
      }
      matches.push(plan);
      ids.push(id);
    }
    const offset = filter.offset ?? 0;
    const page = matches.slice(
      offset,
      filter.limit === undefined ? undefined : offset + filter.limit,
    );
    return page.map((plan, i) => readPlanRecord(SOURCE, ids[offset + i] as string, copy(plan)));
  }

  async enqueueEvent(event: EventEnvelope): Promise<void> {
    const key = `${event.planId}#${event.stepId}`;
    const stored = keyed(event, 'event');
    const queue = this.#events.get(key) ?? [];
    queue.push(stored);
    this.#events.set(key, queue);
  }

  async takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined> {
    const key = `${planId}#${stepId}`;
    const queue = this.#events.get(key);
    const event = queue?.shift();
    if (queue?.length === 0) this.#events.delete(key);
    return event === undefined ? undefined : readEventEnvelope(SOURCE, { planId, stepId }, event);
  }

  async dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]> {
    const key = `${planId}#${stepId}`;
    const queue = this.#events.get(key) ?? [];
    this.#events.delete(key);
    return queue.map((event) => readEventEnvelope(SOURCE, { planId, stepId }, event));
  }

  async enqueueMessage(message: MessageEnvelope): Promise<void> {
    const stored = keyed(message, 'message');
    if (this.#messageIds.has(stored.id)) return;
    const key = JSON.stringify([stored.planId, stored.name]);
    const queue = this.#messages.get(key) ?? [];
    queue.push(stored);
    this.#messages.set(key, queue);
    this.#messageIds.add(stored.id);
  }

  async takeMessage(planId: string, name: string): Promise<MessageEnvelope | undefined> {
    const key = JSON.stringify([planId, name]);
    const queue = this.#messages.get(key);
    const message = queue?.shift();
    if (queue?.length === 0) this.#messages.delete(key);
    if (message === undefined) return undefined;
    this.#messageIds.delete(message.id);
    return readMessageEnvelope(SOURCE, { planId, name }, message);
  }

  async loadDelayedPlan(planId: string): Promise<DelayedPlanRecord | undefined> {
    const record = this.#delayed.get(planId);
    return record === undefined ? undefined : checkDelayedPlanRecord(SOURCE, planId, copy(record));
  }

  async findDueDelayedPlans(dueBy: string, limit?: number): Promise<DelayedPlanRecord[]> {
    const due = [...this.#delayed.entries()]
      .filter(([, record]) => !record.frozen && record.startAt <= dueBy)
      .sort(([, a], [, b]) => (a.startAt < b.startAt ? -1 : a.startAt > b.startAt ? 1 : 0));
    return due
      .slice(0, limit)
      .map(([planId, record]) => readDelayedPlanRecord(SOURCE, planId, copy(record)));
  }

  async findDependencies(planId: string): Promise<string[]> {
    return readPlanIds(
      this.#dependencies.filter((d) => d.planId === planId).map((d) => d.dependsOn),
    );
  }

  async findDependents(planId: string): Promise<string[]> {
    return readPlanIds(
      this.#dependencies.filter((d) => d.dependsOn === planId).map((d) => d.planId),
    );
  }

  async appendLogs(lines: readonly StepLogLine[]): Promise<void> {
    const copies = lines.map((line) => keyed(line, 'log line'));
    for (const line of copies) {
      const list = this.#logs.get(line.planId) ?? [];
      list.push(line);
      this.#logs.set(line.planId, list);
    }
  }

  async loadLogs(planId: string, stepId?: number): Promise<StepLogLine[]> {
    const lines = this.#logs.get(planId) ?? [];
    return lines
      .filter((line) => stepId === undefined || line.stepId === stepId)
      .map((line) => {
        const key = { planId, stepId: Number.isSafeInteger(line.stepId) ? line.stepId : 0 };
        return readStepLogLine(SOURCE, key, copy(line));
      });
  }

  async registerWorld(world: WorldRecord): Promise<void> {
    const stored = keyed(world, 'world record');
    this.#worlds.set(stored.id, stored);
  }

  async heartbeat(worldId: string, at: string): Promise<boolean> {
    const world = this.#worlds.get(worldId);
    if (world === undefined) return false;
    this.#worlds.set(worldId, { ...world, heartbeatAt: at });
    return true;
  }

  async findWorlds(): Promise<WorldRecord[]> {
    return [...this.#worlds].map(([id, world]) => readWorldRecord(SOURCE, id, copy(world)));
  }

  async unregisterWorld(worldId: string): Promise<void> {
    this.#worlds.delete(worldId);
    for (const [key, lock] of this.#locks) if (lock.ownerId === worldId) this.#locks.delete(key);
  }

  async acquireLock(lock: LockRecord): Promise<boolean> {
    const stored = keyed(lock, 'lock');
    if (this.#locks.has(stored.key)) return false;
    this.#locks.set(stored.key, stored);
    return true;
  }

  async releaseLock(key: string, ownerId: string): Promise<void> {
    if (this.#locks.get(key)?.ownerId === ownerId) this.#locks.delete(key);
  }

  async findLocks(ownerId: string): Promise<LockRecord[]> {
    return [...this.#locks]
      .filter(([, lock]) => lock.ownerId === ownerId)
      .map(([key, lock]) => readLockRecord(SOURCE, { key, ownerId }, copy(lock)));
  }

  async saveFlowVersions(records: readonly FlowVersionRecord[]): Promise<void> {
    // Checked and copied as a whole first: one bad record writes nothing.
    const checked = checkFlowVersionRecords(SOURCE, records);
    for (const record of checked) {
      this.#flowVersions.set(JSON.stringify([record.name, record.version]), record);
    }
  }

  async findFlowVersions(filter?: FlowVersionFilter): Promise<FlowVersionRecord[]> {
    const checked = checkFlowVersionFilter(SOURCE, filter);
    return [...this.#flowVersions.values()]
      .filter((record) => matchesFlowVersionFilter(record, checked))
      .map((record) => readFlowVersionRecord(SOURCE, copy(record)))
      .sort(compareFlowVersions);
  }

  #entry(planId: string): PlanEntry {
    return this.#plans.get(planId) as PlanEntry;
  }
}

function copy<T extends object>(record: T): T {
  return cloneJson(record as unknown as JsonValue) as unknown as T;
}

/**
 * A copy of a record to keep by its key. Records are kept as written and checked when read back,
 * but one that is not an object has no key to be kept by: it is refused with `STORAGE_ERROR`.
 */
function keyed<T extends object>(record: T, what: string): T {
  if (!isJsonObject(record)) {
    throw new FlowlineError(
      ErrorCode.STORAGE_ERROR,
      `memory adapter: a ${what} must be an object (it is kept by its key), got ${describeValue(record)}`,
    );
  }
  return copy(record);
}

function toSet<T>(value: T | readonly T[] | undefined): Set<T> | undefined {
  if (value === undefined) return undefined;
  return new Set(Array.isArray(value) ? (value as readonly T[]) : [value as T]);
}

/** Whether `plan` is a sub-plan of `parent.planId` (of its step `parent.stepId` when given). */
function isChildOf(plan: PlanRecord, parent: NonNullable<PlanFilter['parent']>): boolean {
  return (
    plan.parent?.planId === parent.planId &&
    (parent.stepId === undefined || plan.parent.stepId === parent.stepId)
  );
}
