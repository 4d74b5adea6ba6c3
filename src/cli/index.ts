/**
 * The `flowline` command (package.json "bin" runs `main.ts`): lists, shows and watches plans on a
 * store, resumes, cancels and halts them, and serves the console. `run(argv)` is the whole command
 * as a function, for tests and embedding.
 */
export { COMMANDS, run, version } from './run.js';
export type { CliIo } from './context.js';
