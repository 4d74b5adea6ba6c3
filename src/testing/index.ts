/**
 * `flowline/testing`: the test kit. It holds the single-action test harness ({@link testAction}),
 * the {@link ManagedClock}, and the persistence adapter conformance suite with the record builders
 * it uses. The conformance suite imports `vitest`, an optional peer dependency: install it to use
 * it. From CommonJS (`require('flowline/testing')`) everything but the conformance suite works.
 *
 * @packageDocumentation
 */
export { runAdapterConformance } from './conformance.js';
export type { AdapterConformanceOptions, AdapterFactory, ConformanceGroup } from './conformance.js';
export * from './kit.js';
