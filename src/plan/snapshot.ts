import type { FlowlineError } from '../errors.js';
import { newerSchema } from './plan-errors.js';
import type { ExecutionPlan, PlanRecord, StoredPlan } from './records.js';
import { computeProgress } from './result.js';
import { cloneJson } from './serialization.js';

/**
 * Assembles the public {@link ExecutionPlan} from stored records.
 *
 * @param stored - the plan with its actions and steps
 * @param copy - whether to deep-copy the records (when they are live engine state)
 */
export function toExecutionPlan(stored: StoredPlan, copy: boolean): ExecutionPlan {
  const plan = stored.plan;
  const clone = <T>(value: T): T => (copy ? cloneJson(value as never) : value);
  const snapshot: ExecutionPlan = {
    id: plan.id,
    label: plan.label,
    state: plan.state,
    result: plan.result,
    progress: computeProgress(stored.steps),
    rootActionId: plan.rootActionId,
    actions: clone(stored.actions),
    steps: clone(stored.steps),
    runFlow: clone(plan.runFlow),
    finalizeFlow: clone(plan.finalizeFlow),
    history: clone(plan.history),
  };
  if (plan.startedAt !== undefined) snapshot.startedAt = plan.startedAt;
  if (plan.endedAt !== undefined) snapshot.endedAt = plan.endedAt;
  if (plan.parent !== undefined) snapshot.parent = { ...plan.parent };
  if (plan.compensateFlow !== undefined) snapshot.compensateFlow = clone(plan.compensateFlow);
  if (plan.idempotencyKey !== undefined) snapshot.idempotencyKey = plan.idempotencyKey;
  return snapshot;
}

/**
 * The public snapshot of a stored plan (sharing its records), marked `invalid` when it was stored
 * by a newer Flowline than this one.
 */
export function presentStoredPlan(stored: StoredPlan): ExecutionPlan {
  const plan = toExecutionPlan(stored, false);
  const newer = newerSchema(plan.id, stored.plan.schemaVersion);
  if (newer !== undefined) plan.invalid = { code: newer.code, message: newer.message };
  return plan;
}

/**
 * A listed plan whose actions or steps cannot be read (`error`, an `INVALID_PLAN` from the
 * adapter): shown from its plan record alone, marked invalid.
 */
export function unreadablePlan(record: PlanRecord, error: FlowlineError): ExecutionPlan {
  return {
    ...toExecutionPlan({ plan: record, actions: [], steps: [] }, false),
    invalid: { code: error.code, message: error.message },
  };
}
