/**
 * The `flowline` command: finds the command among the arguments, parses its options, runs it and
 * turns every failure into one line on stderr and an exit code.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OptionSpecs } from './args.js';
import { COMMON_OPTIONS, TOP_LEVEL_OPTIONS, findCommand, flagOption, parseStrict } from './args.js';
import { consoleCommand } from './commands/console.js';
import { flowsCommand } from './commands/flows.js';
import { cancelCommand, haltCommand, resumeCommand, rollbackCommand } from './commands/operate.js';
import { plansCommand } from './commands/plans.js';
import { showCommand } from './commands/show.js';
import { watchCommand } from './commands/watch.js';
import type { CliIo, Command, CommandContext } from './context.js';
import { processIo, stderrLogger } from './context.js';
import { reportError, toCliError, usageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { useColor } from './output.js';
import { STORE_ENV } from './store-spec.js';

/** Every command, in the order `flowline --help` lists them. */
export const COMMANDS: readonly Command[] = [
  plansCommand,
  showCommand,
  watchCommand,
  resumeCommand,
  rollbackCommand,
  cancelCommand,
  haltCommand,
  flowsCommand,
  consoleCommand,
];

/**
 * Runs `flowline` with `argv` (the arguments after the command name).
 *
 * @param argv - e.g. `['plans', '--store', 'sqlite:flowline.db']`
 * @param io - the process's streams, environment and signals @default the real process
 * @returns the exit code
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // Known before parsing succeeds, so that even a usage error is reported as asked.
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const writeError = (text: string): void => {
    io.stderr.write(text);
  };
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const failure = toCliError(error);
    reportError(failure, writeError, { json, debug });
    return failure.exitCode;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const allOptions: OptionSpecs = Object.assign(
    {},
    TOP_LEVEL_OPTIONS,
    ...COMMANDS.flatMap((command) => [
      command.options,
      ...(command.subcommands ?? []).map((sub) => sub.options),
    ]),
  ) as OptionSpecs;
  const found = findCommand(argv, allOptions);
  if (found === undefined) {
    const { values } = parseStrict(argv, TOP_LEVEL_OPTIONS, '');
    if (flagOption(values, 'version')) {
      io.stdout.write(`${version()}\n`);
      return ExitCode.OK;
    }
    if (flagOption(values, 'help')) {
      io.stdout.write(topLevelHelp());
      return ExitCode.OK;
    }
    io.stderr.write(topLevelHelp());
    throw usageError('missing command');
  }
  const named = COMMANDS.find((candidate) => candidate.name === found.name);
  if (named === undefined) {
    throw usageError(
      `unknown command ${JSON.stringify(found.name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
    );
  }
  let rest = argv.filter((_, index) => index !== found.index);
  let command = named;
  if (named.subcommands !== undefined) {
    const chosen = findSubcommand(named, rest, allOptions, io);
    if (typeof chosen === 'number') return chosen;
    command = chosen.command;
    rest = rest.filter((_, index) => index !== chosen.index);
  }
  const { values, positionals } = parseStrict(
    rest,
    { ...COMMON_OPTIONS, ...command.options },
    command.name,
  );
  if (flagOption(values, 'help')) {
    io.stdout.write(command.help);
    return ExitCode.OK;
  }
  if (positionals.length < command.positionals.length) {
    const missing = command.positionals[positionals.length] ?? 'argument';
    throw usageError(`missing <${missing}>`, command.name);
  }
  if (positionals.length > command.positionals.length) {
    throw usageError(
      `unexpected argument ${JSON.stringify(positionals[command.positionals.length])}`,
      command.name,
    );
  }
  const json = flagOption(values, 'json');
  const debug = flagOption(values, 'debug');
  const context: CommandContext = {
    io,
    command: command.name,
    values,
    positionals,
    json,
    debug,
    color: !json && useColor(io.stdout.isTTY, io.env),
    logger: stderrLogger((text) => {
      io.stderr.write(text);
    }, debug),
  };
  return command.run(context);
}

/**
 * The subcommand of a group (`flowline flows validate`): the first positional after the group's
 * name. Without one, `--help` prints the group's help (exit code 0), anything else is a usage error.
 */
function findSubcommand(
  group: Command,
  rest: readonly string[],
  allOptions: OptionSpecs,
  io: CliIo,
): { command: Command; index: number } | number {
  const subcommands = group.subcommands ?? [];
  const found = findCommand(rest, allOptions);
  if (found === undefined) {
    const { values } = parseStrict(rest, COMMON_OPTIONS, group.name);
    if (flagOption(values, 'help')) {
      io.stdout.write(group.help);
      return ExitCode.OK;
    }
    io.stderr.write(group.help);
    throw usageError(`missing ${group.name} command`, group.name);
  }
  const command = subcommands.find((sub) => sub.name === `${group.name} ${found.name}`);
  if (command === undefined) {
    const names = subcommands.map((sub) => sub.name.slice(group.name.length + 1)).join(', ');
    throw usageError(
      `unknown command ${JSON.stringify(`${group.name} ${found.name}`)} (${group.name} commands: ${names})`,
      group.name,
    );
  }
  return { command, index: found.index };
}

function topLevelHelp(): string {
  const listed = COMMANDS.flatMap((command) => command.subcommands ?? [command]);
  const width = Math.max(...listed.map((command) => command.name.length));
  const commands = listed
    .map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`)
    .join('\n');
  return `Usage: flowline <command> [options]

Inspect and operate Flowline execution plans in a store; validate and run flows.

Commands:
${commands}

Every command takes:
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $${STORE_ENV})
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             machine-readable output on stdout
  --debug            print stack traces of errors
  -h, --help         help on the command

  -v, --version      print the version

Exit codes: 0 ok; 1 the plan did not end well (watch, resume, rollback, flows run);
2 usage error or invalid flow; 3 store error; 4 no such plan or flow; 5 refused by the engine.

Run 'flowline <command> --help' for a command's options.
`;
}

/** The version in flowline's package.json (found by walking up from this file). */
export function version(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'flowline' && typeof manifest.version === 'string') {
        return manifest.version;
      }
    } catch {
      // no package.json here: look further up
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return 'unknown';
}
