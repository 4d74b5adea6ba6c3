import type { Logger } from '../shared/logger.js';
import type { EventEnvelope } from './adapter.js';

/** A `takeEvent` call. */
type TakeEvent = (planId: string, stepId: number) => Promise<EventEnvelope | undefined>;

/**
 * Past this many unreadable events in one call, the step is left suspended for the next wake-up
 * (an adapter that returned the same unreadable event again and again must not spin forever).
 */
const MAX_SKIPPED = 100;

/**
 * Wraps the world's `takeEvent` so that an event the adapter could not read (returned marked
 * `invalid`, already removed from its queue) never reaches the step: it is dropped with an error
 * log naming the plan, the step and the problem, and the next event of the queue is taken, so a
 * good event queued behind it is delivered at once and the step stays suspended when none is.
 *
 * @param take - the adapter's `takeEvent`
 * @param logger - where the dropped events are reported
 * @internal
 */
export function skippingUnreadableEvents(take: TakeEvent, logger: Logger): TakeEvent {
  return async (planId, stepId) => {
    for (let skipped = 0; skipped < MAX_SKIPPED; skipped++) {
      const event = await take(planId, stepId);
      if (event?.invalid === undefined) return event;
      logger.error(
        `dropped an unreadable event queued for step ${stepId} of plan ${planId}: ` +
          event.invalid.message,
        { planId, stepId },
      );
    }
    return undefined;
  };
}
