/**
 * What `flowline/testing` offers in both module systems (everything but the conformance suite,
 * which runs inside vitest).
 */
export {
  fixtureBatch,
  makeActionRecord,
  makePlanFixture,
  makeSmallPlan,
  makePlanRecord,
  makeStepRecord,
} from './fixtures.js';
export type { PlanFixture } from './fixtures.js';

export { ManagedClock } from './managed-clock.js';
export type { PendingTimer, StepTimerFilter } from './managed-clock.js';
export type { TimerKind, TimerLabel } from '../shared/clock.js';

export { ActionTest, testAction } from './action-test.js';
export type { ActionTestState, CallResult, Suspension, TestActionOptions } from './action-test.js';
