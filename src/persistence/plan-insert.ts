/**
 * What every adapter does with a {@link PlanInsert} before running it (`insertPlan`), and the
 * idempotency-key column the SQL stores keep next to a plan's JSON record.
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlanRecord } from '../plan/records.js';
import { describeValue } from '../shared/describe-value.js';
import type { PlanInsert } from './adapter.js';

/**
 * Checks that an insert holds exactly one plan record whose id is a string, so that every store
 * refuses the same inserts with the same message.
 *
 * @param insert - the batch as the caller passed it
 * @param source - the store, first words of the message (`MemoryAdapter`)
 * @throws FlowlineError `INVALID_ARGUMENT`
 * @returns the plan record to insert
 */
export function checkPlanInsert(insert: PlanInsert, source: string): PlanRecord {
  const plans: unknown = (insert as { plans?: unknown }).plans;
  if (!Array.isArray(plans) || plans.length !== 1) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${source} insertPlan: the batch must hold exactly one plan record in plans, got ` +
        describeValue(plans),
    );
  }
  const given: unknown = plans[0];
  if (
    typeof given !== 'object' ||
    given === null ||
    typeof (given as { id?: unknown }).id !== 'string'
  ) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${source} insertPlan: the plan record must have a string id, got ${describeValue(given)}`,
    );
  }
  const plan = given as PlanRecord;
  const key: unknown = plan.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${source} insertPlan: the plan's idempotencyKey must be a non-empty string, got ` +
        describeValue(key),
      { planId: plan.id },
    );
  }
  return plan;
}

/**
 * The value of the `idempotency_key` column for a plan record: its key when it is a string, else
 * `NULL` (records are stored as they are; a malformed key is no key, as no filter can name it).
 */
export function idempotencyKeyColumn(plan: PlanRecord): string | null {
  const key: unknown = plan.idempotencyKey;
  return typeof key === 'string' ? key : null;
}
