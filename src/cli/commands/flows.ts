/**
 * `flowline flows validate|run`: declarative flows from the shell. `validate` checks a flow file
 * as `flows.save` would and lists every violation as `file:line:column path: message`; `run`
 * saves a flow file (or takes a stored flow by name) and runs it, showing each stage live. Their
 * code (and the flow compiler, YAML parser and schema checker it needs) loads only when one runs,
 * so that the other commands start as fast as before.
 */
import type { Command } from '../context.js';
import { ExitCode } from '../exit-codes.js';

const ACTIONS_HELP = `  --actions <module> a JavaScript or TypeScript module exporting your StageAction
                     classes (named or default exports; a class, or an array or
                     object of classes): the stages' actions besides the packaged
                     ones (Manual Trigger, Remap Fields, Filter, Map, Reduce, …)`;

const VALIDATE_HELP = `Usage: flowline flows validate <file> [options]

Check a flow definition (YAML or JSON) as saving it would: YAML syntax, the
flow schema, stage names and the graph (cycles, one entry stage, reachable
stages), each action's props and the stage settings ($retry, $timeout,
$fallback, $input). Prints every violation as

  <file>:<line>:<column> <path>: <message>

one per line on stderr (path is a JSON pointer into the definition). Needs no
store.

Options:
${ACTIONS_HELP}
  --json             print { valid, flow?, stages?, violations? } on stdout
  --debug            print stack traces of errors
  -h, --help         show this help

Exit codes: 0 the flow is valid; 2 it is invalid, the file cannot be read, or
usage error.

Example:
  flowline flows validate flows/acme.yaml --actions ./dist/stages.js
`;

const RUN_HELP = `Usage: flowline flows run <file|name> [--input <json>] [options]

Run a flow in this process and wait until the run is paused or stopped. With a
file (an existing path), the flow is validated and saved into the store first
(its development version), then run; with a name, the stored flow of that name
runs (its production version, else its latest saved one). Each stage is shown
as it starts, succeeds, fails or is skipped; then the run's state and result,
its duration and the output of its final stages. Ctrl+C pauses the run
(running stages finish first); a second Ctrl+C quits at once.

Options:
  --input <json>     the run's input, as JSON (default null)
${ACTIONS_HELP}
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $FLOWLINE_STORE)
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             print the run afterwards as JSON (no progress lines)
  --debug            print stack traces of errors and the engine's debug log
  -h, --help         show this help

Exit codes: 0 the run stopped with result success or warning; 1 it is paused
(a stage failed) or stopped with result error or cancelled; 2 usage error,
invalid flow or bad --input; 3 store error (or a store that cannot keep flows);
4 no flow of that name; 130 interrupted.

Examples:
  flowline flows run flows/acme.yaml --input '{"email":"a@b.c"}' \\
    --actions ./dist/stages.js --store sqlite:./flowline.db
  flowline flows run "Publish to Acme API" --input '{"email":"a@b.c"}' \\
    --store sqlite:./flowline.db
`;

/** `flowline flows validate`. */
export const flowsValidateCommand: Command = {
  name: 'flows validate',
  summary: 'check a flow file; list every violation as file:line:column',
  help: VALIDATE_HELP,
  options: { actions: { type: 'string' } },
  positionals: ['file'],
  run: async (ctx) => (await import('./flows-validate.js')).runValidate(ctx),
};

/** `flowline flows run`. */
export const flowsRunCommand: Command = {
  name: 'flows run',
  summary: 'save a flow file (or take a stored flow) and run it, stage by stage',
  help: RUN_HELP,
  options: { actions: { type: 'string' }, input: { type: 'string' } },
  positionals: ['file|name'],
  run: async (ctx) => (await import('./flows-run.js')).runFlowCommand(ctx),
};

/** `flowline flows`: the group of flow commands. */
export const flowsCommand: Command = {
  name: 'flows',
  summary: 'validate and run declarative flows',
  help: `Usage: flowline flows <command> [options]

Declarative flows (YAML or JSON files naming a graph of stages).

Commands:
  validate <file>        ${flowsValidateCommand.summary}
  run <file|name>        ${flowsRunCommand.summary}

Run 'flowline flows <command> --help' for a command's options.
`,
  options: {},
  positionals: [],
  run: () => Promise.resolve(ExitCode.USAGE),
  subcommands: [flowsValidateCommand, flowsRunCommand],
};
