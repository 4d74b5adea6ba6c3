/**
 * `flowline/console`: a web console over a world or a store — plan list, plan detail with the flow
 * drawn as a graph, step detail, worlds, and operations (resume, halt, cancel, rollback, skip a step).
 *
 * @packageDocumentation
 */
export { createConsole } from './create-console.js';
export type { FlowlineConsole } from './create-console.js';
export type { ListenOptions, ListeningConsole } from './listen.js';
export type { ConsoleOptions } from './options.js';
