/**
 * What users extend and the engine calls: the Action base class and its phases, PollingAction and
 * SubPlansAction, output references (the typed proxy), middleware, execution-plan hooks,
 * per-class step options (timeout, retry), step logs, suspend handles and named waits, the action
 * registry, and the control events the engine sends steps; the services actions read
 * (`FlowlineContext`), Standard Schema input/output checks (`withSchemas`) and the checks of statics
 * at registration.
 */
export * from './action.js';
export * from './context.js';
export * from './control-events.js';
export * from './execution-plan-hooks.js';
export * from './flowline-context.js';
export * from './middleware.js';
export * from './output-reference.js';
export * from './polling-action.js';
export * from './registry.js';
export * from './schema-check.js';
export * from './standard-schema.js';
export * from './static-checks.js';
export * from './step-log.js';
export * from './step-options.js';
export * from './sub-plans-action.js';
export * from './suspend.js';
export * from './timeouts.js';
export * from './types.js';
export * from './wait-for.js';
export * from './with-schemas.js';
