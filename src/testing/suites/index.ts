/**
 * The groups of the adapter conformance suite (plans, claims and findPlans, queues, messages by name,
 * coordination, insertPlan and idempotency keys, unreadable records) and the harness that registers
 * them.
 */
export * from './claims.js';
export * from './coordination.js';
export * from './flow-versions.js';
export * from './harness.js';
export * from './insert-plan.js';
export * from './messages.js';
export * from './parent-filter.js';
export * from './plans.js';
export * from './queues.js';
export * from './unreadable.js';
