/**
 * The execution plan model: records and their JSON serialization, plan and step states with their
 * transition tables and the one function that changes a state, flows (atom, sequence,
 * concurrence), the director that says which run steps are ready, output references as stored,
 * skip planning, public snapshots, and the plan errors every layer raises.
 */
export * from './director.js';
export * from './flow.js';
export * from './plan-errors.js';
export * from './plan-id.js';
export * from './records.js';
export * from './references.js';
export * from './result.js';
export * from './serialization.js';
export * from './skip.js';
export * from './snapshot.js';
export * from './states.js';
export * from './transitions.js';
