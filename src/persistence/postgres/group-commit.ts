/**
 * Group commit for the PostgreSQL adapter: writes, step claims, locks and plan reads that arrive
 * while the previous statement of their kind is on its way are sent together, as ONE statement (so
 * one transaction and one WAL flush) when it returns. Each caller's promise settles only after that statement
 * committed, so nothing is reported done before it is durable (DESIGN §4); writes still apply in
 * the order they were called.
 *
 * - Writes: consecutive batches of plans, actions and steps are merged (a later record of the same
 *   key wins, as if applied one after the other). A batch that also touches delayed plans or
 *   dependencies is sent on its own, in its place in the queue. When a merged statement is refused
 *   because a record names a plan that is not stored, each batch is sent again alone, so only the
 *   faulty one fails.
 * - Claims: one conditional UPDATE claims every queued step; the rows it returns are the claims
 *   won. Two claims of the same step never share a statement.
 * - Locks: one `INSERT … ON CONFLICT DO NOTHING` takes every queued lock (two takers of one key
 *   never share a statement), one DELETE releases every queued release.
 * - Plan reads: one SELECT reads every queued plan; each caller decodes its own copy, so a damaged
 *   plan fails only the callers of that plan.
 */
import type { LockRecord, PlanScoped, StepClaim, StoredPlan, WriteBatch } from '../adapter.js';
import { acquireLocks, lockKey, releaseLocks } from './coordinator-queries.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../plan/records.js';
import type { PlanRow } from './plan-queries.js';
import { claimSteps, loadPlanRows, stepKey } from './plan-queries.js';
import { checkStoredPlan } from '../record-decoding.js';
import type { Db } from './sql.js';
import { isMissingPlanError, writeBatch } from './write-batch.js';

interface Queued<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/** A queue whose items are sent in groups, one group in flight at a time. */
class Lane<I, O> {
  #pending: Queued<I, O>[] = [];
  #busy = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(
    /** Takes the groups to send from the front of the queue and sends one; settles its items. */
    private readonly send: (queue: Queued<I, O>[]) => Promise<void>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        // Wait for the rest of this turn of the event loop: its calls join the group.
        this.#idle = new Promise((done) => setImmediate(() => void this.#drain().then(done)));
      }
    });
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    return this.#idle;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) await this.send(this.#pending);
    } catch (error) {
      // `send` settles its items itself; anything it failed to take is rejected here.
      for (const queued of this.#pending.splice(0)) queued.reject(error);
    } finally {
      this.#busy = false;
    }
  }
}

/** A lock to release. */
interface Release {
  readonly key: string;
  readonly ownerId: string;
}

/** The adapter's queues: writes, claims, locks taken and released, and plans read. */
export class PostgresGroupCommit {
  readonly #writes: Lane<WriteBatch, void>;
  readonly #claims: Lane<StepClaim, boolean>;
  readonly #locks: Lane<LockRecord, boolean>;
  readonly #releases: Lane<Release, void>;
  readonly #loads: Lane<string, StoredPlan | undefined>;

  constructor(private readonly db: Db) {
    this.#writes = new Lane((queue) => this.#sendWrites(queue));
    this.#claims = new Lane((queue) => this.#sendClaims(queue));
    this.#locks = new Lane((queue) => this.#sendLocks(queue));
    this.#releases = new Lane((queue) => this.#sendReleases(queue));
    this.#loads = new Lane((queue) => this.#sendLoads(queue));
  }

  /** Queues reading a plan; plans read at the same time share one statement. */
  loadPlan(planId: string): Promise<StoredPlan | undefined> {
    return this.#loads.submit(planId);
  }

  /** Queues taking a lock; resolves with whether this caller holds it now, once committed. */
  acquireLock(lock: LockRecord): Promise<boolean> {
    return this.#locks.submit(lock);
  }

  /** Queues releasing a lock `ownerId` holds; resolves once committed. */
  releaseLock(key: string, ownerId: string): Promise<void> {
    return this.#releases.submit({ key, ownerId });
  }

  /** Queues a write batch; resolves once it committed. */
  write(batch: WriteBatch): Promise<void> {
    return this.#writes.submit(batch);
  }

  /** Queues a claim; resolves with whether it won, once committed. */
  claim(claim: StepClaim): Promise<boolean> {
    return this.#claims.submit(claim);
  }

  /** Resolves once every queued write and claim has been sent and settled. */
  async idle(): Promise<void> {
    await Promise.all([
      this.#writes.idle(),
      this.#claims.idle(),
      this.#locks.idle(),
      this.#releases.idle(),
      this.#loads.idle(),
    ]);
  }

  async #sendWrites(queue: Queued<WriteBatch, void>[]): Promise<void> {
    let count = 0;
    while (count < queue.length && isMergeable((queue[count] as Queued<WriteBatch, void>).item)) {
      count++;
    }
    const group = queue.splice(0, Math.max(count, 1));
    if (group.length === 1) {
      const only = group[0] as Queued<WriteBatch, void>;
      await writeBatch(this.db, only.item).then(only.resolve, only.reject);
      return;
    }
    try {
      await writeBatch(this.db, merge(group.map((queued) => queued.item)));
    } catch (error) {
      if (!isMissingPlanError(error)) {
        for (const queued of group) queued.reject(error);
        return;
      }
      // A record names a missing plan: find which batch, committing the others.
      for (const queued of group) {
        await writeBatch(this.db, queued.item).then(queued.resolve, queued.reject);
      }
      return;
    }
    for (const queued of group) queued.resolve();
  }

  async #sendLocks(queue: Queued<LockRecord, boolean>[]): Promise<void> {
    const group = distinctGroup(queue, (lock) => lock.key);
    let won: Set<string>;
    try {
      won = await acquireLocks(
        this.db,
        group.map((queued) => queued.item),
      );
    } catch (error) {
      for (const queued of group) queued.reject(error);
      return;
    }
    for (const { item, resolve } of group) resolve(won.has(lockKey(item.key, item.ownerId)));
  }

  async #sendReleases(queue: Queued<Release, void>[]): Promise<void> {
    const group = queue.splice(0);
    try {
      await releaseLocks(
        this.db,
        group.map((queued) => queued.item),
      );
    } catch (error) {
      for (const queued of group) queued.reject(error);
      return;
    }
    for (const queued of group) queued.resolve();
  }

  async #sendLoads(queue: Queued<string, StoredPlan | undefined>[]): Promise<void> {
    const group = queue.splice(0);
    let rows: Map<string, PlanRow>;
    try {
      rows = await loadPlanRows(
        this.db,
        group.map((queued) => queued.item),
      );
    } catch (error) {
      for (const queued of group) queued.reject(error);
      return;
    }
    // Each caller gets records of its own, and a damaged plan fails only its own callers.
    for (const { item, resolve, reject } of group) {
      const row = rows.get(item);
      try {
        resolve(row === undefined ? undefined : checkStoredPlan(this.db.source, item, row));
      } catch (error) {
        reject(error);
      }
    }
  }

  async #sendClaims(queue: Queued<StepClaim, boolean>[]): Promise<void> {
    const group = distinctGroup(queue, (claim) => stepKey(claim.planId, claim.stepId));
    let won: Set<string>;
    try {
      won = await claimSteps(
        this.db,
        group.map((queued) => queued.item),
      );
    } catch (error) {
      for (const queued of group) queued.reject(error);
      return;
    }
    for (const queued of group) {
      queued.resolve(won.has(stepKey(queued.item.planId, queued.item.stepId)));
    }
  }
}

/**
 * Takes from the front of `queue` the items with distinct keys (a repeated key waits for the next
 * group, so that one statement never answers two takers of one key).
 */
function distinctGroup<T, O>(queue: Queued<T, O>[], key: (item: T) => string): Queued<T, O>[] {
  const keys = new Set<string>();
  const group: Queued<T, O>[] = [];
  const later: Queued<T, O>[] = [];
  for (const queued of queue.splice(0)) {
    const k = key(queued.item);
    if (keys.has(k)) later.push(queued);
    else {
      keys.add(k);
      group.push(queued);
    }
  }
  queue.unshift(...later);
  return group;
}

/** Only plans, actions and steps: batches that can share a statement. */
function isMergeable(batch: WriteBatch): boolean {
  return (
    !batch.delayedPlans?.length && !batch.deleteDelayedPlans?.length && !batch.dependencies?.length
  );
}

function merge(batches: readonly WriteBatch[]): WriteBatch {
  const plans: PlanRecord[] = [];
  const actions: PlanScoped<ActionRecord>[] = [];
  const steps: PlanScoped<StepRecord>[] = [];
  for (const batch of batches) {
    if (batch.plans !== undefined) plans.push(...batch.plans);
    if (batch.actions !== undefined) actions.push(...batch.actions);
    if (batch.steps !== undefined) steps.push(...batch.steps);
  }
  return { plans, actions, steps };
}
