/**
 * Runs execution plans: the Executor interface the world drives and the parallel executor, split
 * by responsibility (executions and settling, runtime modes and the settlement rules, running
 * steps and events, the finalize phase, recovery, rescue, the step runner, planned events, the
 * worker pool).
 */
export * from './executions.js';
export * from './executor.js';
export * from './finalize-phase.js';
export * from './parallel-executor.js';
export * from './plan-runtime.js';
export * from './planned-events.js';
export * from './recovery.js';
export * from './rescue.js';
export * from './running-steps.js';
export * from './runtime-mode.js';
export * from './step-runner.js';
export * from './worker-pool.js';
