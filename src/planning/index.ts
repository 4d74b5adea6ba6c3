/**
 * The plan phase: the plan builder, which calls each action's plan(), records actions and steps,
 * builds the run and finalize flows and links output references, and the planning scope actions
 * see (planSelf, planAction, sequence, concurrence).
 */
export * from './plan-builder.js';
export * from './plan-record.js';
export * from './planning-scope.js';
export * from './reference-links.js';
