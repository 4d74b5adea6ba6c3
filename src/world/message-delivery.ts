import { randomUUID } from 'node:crypto';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import { planNotFound } from '../plan/plan-errors.js';
import type { JsonValue } from '../plan/records.js';
import type { Clock } from '../shared/clock.js';
import { isoNow } from '../shared/clock.js';

/**
 * Keeps a message sent to a plan by name (`world.send`) and tells this world's executor, which
 * wakes the plan's steps waiting for that name when it executes the plan. The message is kept in
 * the store first, whether a step waits yet or not: a step that waits for the name later takes it
 * when it suspends (see `NamedWaits`).
 *
 * A plan that is stopped takes no messages: nothing of it will ever run again. Any other plan
 * (planned, scheduled, running, paused) keeps them for the steps that will wait.
 *
 * @param planning - this world's planning write of the plan, when it is planning it now
 * @throws FlowlineError `PLAN_NOT_FOUND` for an unknown plan, `STEP_NOT_SUSPENDED` for a stopped one
 * @internal
 */
export async function sendMessage(
  adapter: PersistenceAdapter,
  executor: Executor | undefined,
  clock: Clock,
  message: { readonly planId: string; readonly name: string; readonly payload: JsonValue },
): Promise<void> {
  const { planId, name, payload } = message;
  const stored = await adapter.loadPlan(planId);
  if (stored === undefined) throw planNotFound(planId);
  if (stored.plan.state === 'stopped') {
    throw new FlowlineError(
      ErrorCode.STEP_NOT_SUSPENDED,
      `plan ${planId} is stopped (${stored.plan.result}): no step of it waits for ` +
        `${JSON.stringify(name)} any more, the message was not kept`,
      { planId },
    );
  }
  await adapter.enqueueMessage({
    id: randomUUID(),
    planId,
    name,
    payload,
    createdAt: isoNow(clock),
  });
  executor?.offerMessage(planId, name);
}
