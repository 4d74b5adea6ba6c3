/**
 * The flowline command's subcommands: plans, show, watch, resume, cancel, halt, flows and console, each
 * with its options, help text and exit codes.
 */
export * from './console.js';
export * from './flows.js';
export * from './operate.js';
export * from './plans.js';
export * from './show.js';
export * from './watch.js';
