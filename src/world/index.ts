/**
 * The World façade and its parts: options, the typed event hub, the planner, the plan reader,
 * scheduled plans and the scheduler (delayed and chained plans), event and message delivery,
 * singleton locks, plan hooks, the sub-plan tracker, idempotent triggers (`triggerWith`) and the
 * plan waiter, and the coordinator (world registry, heartbeats, invalidation of dead worlds).
 */
export * from './assembly.js';
export * from './coordinator.js';
export * from './delay.js';
export * from './event-delivery.js';
export * from './idempotent-triggers.js';
export * from './internals.js';
export * from './events.js';
export * from './message-delivery.js';
export * from './options.js';
export * from './plan-hooks.js';
export * from './plan-reader.js';
export * from './plan-waiter.js';
export * from './planner.js';
export * from './scheduled-plans.js';
export * from './scheduler.js';
export * from './singleton.js';
export * from './sub-plans.js';
export * from './trigger-options.js';
export * from './triggered.js';
export * from './wait-option.js';
export * from './world.js';
