import { instantiate } from '../action/action.js';
import type { ActionClass, RescueStrategy } from '../action/types.js';
import { textOf, toError } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import type { PlanRuntime } from './plan-runtime.js';

/**
 * Combines the rescue strategies of the actions that have a failed step: any `pause` → pause (an
 * operator decides); else any `rollback` → rollback (the strongest way out: it undoes, where `fail`
 * only stops); else all `skip` → skip, all `fail` → fail, a mix of the two → pause.
 * (Deliberately simpler than Dynflow: no root override.)
 *
 * @param strategies - one per action with a failed step
 */
export function combineStrategies(strategies: readonly RescueStrategy[]): RescueStrategy {
  if (strategies.includes('pause')) return 'pause';
  if (strategies.includes('rollback')) return 'rollback';
  if (strategies.length > 0 && strategies.every((s) => s === 'skip')) return 'skip';
  if (strategies.length > 0 && strategies.every((s) => s === 'fail')) return 'fail';
  return 'pause';
}

/**
 * The rescue strategy an action of a plan asks for (`rescueStrategy()`); one that throws or returns
 * something else pauses, with a log line.
 *
 * @param rt - the plan in execution
 * @param actionId - an action with a failed step
 */
export function rescueStrategyOf(
  rt: PlanRuntime,
  actionId: number,
  logger: Logger,
  userContext?: unknown,
): RescueStrategy {
  const record = rt.action(actionId);
  try {
    const action = instantiate(rt.classes[actionId - 1] as ActionClass, {
      planId: rt.id,
      actionId,
      phase: 'rescue',
      input: record.input,
      output: record.output,
      userContext,
    });
    const strategy: unknown = action.rescueStrategy();
    if (
      strategy === 'pause' ||
      strategy === 'skip' ||
      strategy === 'fail' ||
      strategy === 'rollback'
    ) {
      return strategy;
    }
    logger.warn(`rescueStrategy() of ${record.className} returned ${textOf(strategy)}; pausing`);
  } catch (error) {
    logger.error(`rescueStrategy() of ${record.className} threw; pausing`, {
      error: toError(error),
    });
  }
  return 'pause';
}
