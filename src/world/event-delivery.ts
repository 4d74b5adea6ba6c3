import { ErrorCode, FlowlineError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import type { EventEnvelope, PersistenceAdapter } from '../persistence/adapter.js';
import { planNotFound, stepNotFound, stepNotSuspended } from '../plan/plan-errors.js';
import { acceptsEvents } from '../plan/states.js';

/** How {@link deliverEvent} went. @internal */
export type EventDelivery =
  | { readonly accepted: true }
  | {
      readonly accepted: false;
      /** Why not: `PLAN_NOT_FOUND`, `STEP_NOT_FOUND` or `STEP_NOT_SUSPENDED`. */
      readonly error: FlowlineError;
      /** Whether the plan is stopped (it takes no events any more). */
      readonly planStopped: boolean;
    };

const ACCEPTED: EventDelivery = { accepted: true };

/**
 * Delivers an event to a step: to this world's executor when it executes the plan, else into the
 * store for the world that does (or will, after a restart). A step that takes no events (not a
 * suspended or running run step, or its plan stopped) does not get it.
 *
 * @param executor - this world's executor, if it has one
 * @internal
 */
export async function deliverEvent(
  adapter: PersistenceAdapter,
  executor: Executor | undefined,
  envelope: EventEnvelope,
): Promise<EventDelivery> {
  if (executor !== undefined) {
    try {
      if (await executor.deliver(envelope)) return ACCEPTED;
    } catch (error) {
      if (error instanceof FlowlineError && error.code === ErrorCode.STEP_NOT_SUSPENDED) {
        return { accepted: false, error, planStopped: false };
      }
      throw error;
    }
  }
  const { planId, stepId } = envelope;
  const stored = await adapter.loadPlan(planId);
  if (stored === undefined)
    return { accepted: false, error: planNotFound(planId), planStopped: false };
  const step = stored.steps[stepId - 1];
  if (step === undefined) {
    return { accepted: false, error: stepNotFound(planId, stepId), planStopped: false };
  }
  const planStopped = stored.plan.state === 'stopped';
  if (planStopped || !acceptsEvents(step)) {
    return { accepted: false, error: stepNotSuspended(planId, step), planStopped };
  }
  await adapter.enqueueEvent(envelope);
  return ACCEPTED;
}
