import type { RescueStrategy } from '../action/types.js';

/**
 * Combines the rescue strategies of the actions that have a failed step: all `skip` → skip, all
 * `fail` → fail, anything else → pause. (Deliberately simpler than Dynflow: no root override.)
 *
 * @param strategies - one per action with a failed step
 */
export function combineStrategies(strategies: readonly RescueStrategy[]): RescueStrategy {
  if (strategies.length > 0 && strategies.every((s) => s === 'skip')) return 'skip';
  if (strategies.length > 0 && strategies.every((s) => s === 'fail')) return 'fail';
  return 'pause';
}
