/**
 * Group commit for the PostgreSQL adapter: writes and step claims that arrive while the previous
 * statement of their kind is on its way are sent together, as ONE statement (so one transaction and
 * one WAL flush) when it returns. Each caller's promise settles only after that statement
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
 */
import type { PlanScoped, StepClaim, WriteBatch } from '../adapter.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../plan/records.js';
import { claimSteps, stepKey } from './plan-queries.js';
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

/** The adapter's write and claim queues. */
export class PostgresGroupCommit {
  readonly #writes: Lane<WriteBatch, void>;
  readonly #claims: Lane<StepClaim, boolean>;

  constructor(private readonly db: Db) {
    this.#writes = new Lane((queue) => this.#sendWrites(queue));
    this.#claims = new Lane((queue) => this.#sendClaims(queue));
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
    await Promise.all([this.#writes.idle(), this.#claims.idle()]);
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

  async #sendClaims(queue: Queued<StepClaim, boolean>[]): Promise<void> {
    const keys = new Set<string>();
    const group: Queued<StepClaim, boolean>[] = [];
    const later: Queued<StepClaim, boolean>[] = [];
    for (const queued of queue.splice(0)) {
      const key = stepKey(queued.item.planId, queued.item.stepId);
      if (keys.has(key)) {
        later.push(queued);
      } else {
        keys.add(key);
        group.push(queued);
      }
    }
    queue.unshift(...later);
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
