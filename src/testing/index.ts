/**
 * `flowline/testing`: the test kit. Today it holds the persistence adapter conformance suite and the
 * record builders it uses. It imports `vitest`, an optional peer dependency: install it to use this
 * entry.
 *
 * @packageDocumentation
 */
export { runAdapterConformance } from './conformance.js';
export type { AdapterConformanceOptions, AdapterFactory, ConformanceGroup } from './conformance.js';
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
