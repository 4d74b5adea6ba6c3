/**
 * The console's pages, each a function from what it shows to escaped HTML: plan list, plan detail
 * with the flow graph, step detail, worlds, login and error pages, and the shared layout, tables
 * and operation forms.
 */
export * from './errors.js';
export * from './flow-graph.js';
export * from './layout.js';
export * from './login.js';
export * from './operation-forms.js';
export * from './plan-detail.js';
export * from './plan-list.js';
export * from './plan-table.js';
export * from './step-detail.js';
export * from './worlds.js';
