import { ErrorCode } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';
import type { ChildResult } from './child-process.js';
import { STDOUT_CAP, runChild } from './child-process.js';
import { toPlainJson } from './expression.js';
import { stageFailure } from './stage-error.js';

/** Props of {@link RunCommand}. */
export interface RunCommandProps {
  /** The program (a path, or a name looked up on `PATH`). */
  readonly command: string;
  /** Its arguments. @default [] */
  readonly args?: readonly string[];
  /** Environment variables, over the process's own unless `inheritEnv` is false. */
  readonly env?: { readonly [name: string]: string };
  /** Whether the child gets this process's environment. @default true */
  readonly inheritEnv?: boolean;
  /** Its working directory. @default this process's */
  readonly cwd?: string;
  /** Real milliseconds it may run before it is killed. @default no bound but the stage's own */
  readonly timeoutMs?: number;
  /** Real milliseconds between SIGTERM and SIGKILL when it is stopped. @default 2000 */
  readonly killGraceMs?: number;
  /** `json`: the stage's data is written to its stdin as JSON. @default 'none' */
  readonly stdin?: 'none' | 'json';
  /** Parse its stdout as JSON into the output's `json`. @default false */
  readonly parseJson?: boolean;
  /** A non-zero exit is no failure. @default false */
  readonly allowFailure?: boolean;
}

/**
 * `Run Command`: runs a program as a child process (no shell) and outputs
 * `{ exitCode, signal?, stdout, stdoutTruncated?, json? }`.
 *
 * Props:
 * - `command` (required), `args`: the program and its arguments, never through a shell
 * - `env`: variables set over this process's environment; with `inheritEnv: false` the child
 *   gets only these (then `command` needs a path unless `env` has `PATH`)
 * - `cwd`: its working directory
 * - `timeoutMs`: how long it may run (real time); then it is killed and the stage fails
 * - `killGraceMs`: the wait between SIGTERM and SIGKILL when it is stopped (default 2000)
 * - `stdin`: `none` (default) or `json` (the stage's data, as JSON)
 * - `parseJson`: parse stdout as JSON into `json`
 * - `allowFailure`: a non-zero exit code is an output, not a failure
 *
 * Each stdout line goes to the stage log at `info`, each stderr line at `warn`, as they arrive
 * (the first 1000 of each; then one line says the rest were left out).
 * `stdout` in the output holds at most 1 MiB. The child runs in its own process group: a time-out
 * or the stage's abort (its `$timeout`, a halt) sends the group SIGTERM, then SIGKILL, and when
 * the child exits whatever it left running is killed.
 *
 * Failures are `COMMAND_FAILED` naming the command, the exit code and the last stderr lines, with
 * `details: { command, exitCode?, signal?, retryable }`; a program or directory that does not
 * exist, or may not be run, is `retryable: false`.
 *
 * @example
 * ```yaml
 * name: Export
 * action: Run Command
 * props:
 *   command: python3
 *   args: [export.py, --format, json]
 *   env: { EXPORT_DAY: "2026-01-01" }
 *   timeoutMs: 60000
 *   stdin: json
 *   parseJson: true
 * out: [Upload]
 * ```
 */
export class RunCommand extends StageAction<RunCommandProps> {
  static override actionName = 'Run Command';
  static override propsSchema: JsonSchema = runCommandSchema();

  /** Runs the command and outputs how it ended. */
  async process(data: JsonValue, props: RunCommandProps): Promise<JsonObject> {
    checkProps(this, this.input.stage, props);
    const where = `stage "${this.input.stage}" (Run Command)`;
    const log = this.log;
    let result: ChildResult;
    try {
      result = await runChild({
        command: props.command,
        args: props.args ?? [],
        env: props.inheritEnv === false ? { ...props.env } : { ...process.env, ...props.env },
        cwd: props.cwd,
        stdin: props.stdin === 'json' ? `${JSON.stringify(data ?? null)}\n` : undefined,
        timeoutMs: props.timeoutMs,
        graceMs: props.killGraceMs ?? 2000,
        signal: this.signal,
        onStdout: logLines((line) => log.info(line), 'stdout'),
        onStderr: logLines((line) => log.warn(line), 'stderr'),
      });
    } catch (error) {
      // spawn refuses some arguments at once (a NUL byte in the command, an argument or the env).
      throw stageFailure(
        ErrorCode.COMMAND_FAILED,
        `${where}: cannot run ${JSON.stringify(props.command)}: ` +
          (error instanceof Error ? error.message : String(error)),
        { command: props.command, retryable: false },
        error,
      );
    }
    const failure = failureOf(result, props, where);
    if (failure !== undefined) throw failure;
    const output: JsonObject = { exitCode: result.exitCode, stdout: result.stdout };
    if (result.signal !== null) output.signal = result.signal;
    if (result.stdoutTruncated) output.stdoutTruncated = true;
    if (props.parseJson === true) output.json = parseStdout(result, props.command, where);
    return output;
  }
}

/** How many lines of each stream go to the stage log; past that, one line says so. */
const LOG_LINE_CAP = 1000;

/** Passes the first {@link LOG_LINE_CAP} lines on, then one line saying the rest were left out. */
function logLines(write: (line: string) => void, stream: string): (line: string) => void {
  let count = 0;
  return (line) => {
    count += 1;
    if (count <= LOG_LINE_CAP) write(line);
    else if (count === LOG_LINE_CAP + 1) {
      write(`(further ${stream} lines are not logged; the first ${String(LOG_LINE_CAP)} are)`);
    }
  };
}

function failureOf(result: ChildResult, props: RunCommandProps, where: string): Error | undefined {
  const command = props.command;
  const facts = {
    command,
    exitCode: result.exitCode ?? undefined,
    signal: result.signal ?? undefined,
  };
  const stderr =
    result.stderrTail.length === 0 ? '' : `; last stderr lines:\n${result.stderrTail.join('\n')}`;
  if (result.spawnError !== undefined) {
    const code = result.spawnError.code ?? 'unknown';
    const permanent = code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR';
    return stageFailure(
      ErrorCode.COMMAND_FAILED,
      `${where}: could not start ${JSON.stringify(command)}` +
        `${props.cwd === undefined ? '' : ` in ${JSON.stringify(props.cwd)}`}: ${result.spawnError.message}`,
      { command, retryable: !permanent },
      result.spawnError,
    );
  }
  if (result.timedOut || result.aborted) {
    const why = result.timedOut
      ? `ran longer than ${String(props.timeoutMs)} ms and was killed`
      : 'was stopped (the stage was aborted)';
    return stageFailure(
      ErrorCode.COMMAND_FAILED,
      `${where}: ${JSON.stringify(command)} ${why}${stderr}`,
      {
        ...facts,
        retryable: true,
      },
    );
  }
  if (result.exitCode === 0 || props.allowFailure === true) return undefined;
  const how =
    result.exitCode === null
      ? `was killed by ${result.signal ?? 'a signal'}`
      : `exited with code ${String(result.exitCode)}`;
  return stageFailure(
    ErrorCode.COMMAND_FAILED,
    `${where}: ${JSON.stringify(command)} ${how}${stderr}`,
    {
      ...facts,
      retryable: true,
    },
  );
}

function parseStdout(result: ChildResult, command: string, where: string): JsonValue {
  if (result.stdoutTruncated) {
    throw stageFailure(
      ErrorCode.COMMAND_FAILED,
      `${where}: ${JSON.stringify(command)} wrote more than ${String(STDOUT_CAP)} characters; too much to parse as JSON`,
      { command, exitCode: result.exitCode ?? undefined, retryable: false },
    );
  }
  try {
    return toPlainJson(JSON.parse(result.stdout)) ?? null;
  } catch (error) {
    throw stageFailure(
      ErrorCode.COMMAND_FAILED,
      `${where}: the stdout of ${JSON.stringify(command)} is not JSON (parseJson): ` +
        (error instanceof Error ? error.message : String(error)),
      { command, exitCode: result.exitCode ?? undefined, retryable: false },
      error,
    );
  }
}

function runCommandSchema(): JsonSchema {
  const ms = (description: string): JsonObject => ({ description, type: 'integer', minimum: 1 });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      command: {
        description: 'The program: a path or a name on PATH.',
        type: 'string',
        minLength: 1,
      },
      args: {
        description: 'Its arguments (no shell).',
        type: 'array',
        items: { description: 'One argument.', type: 'string' },
      },
      env: {
        description: 'Environment variables for the child.',
        type: 'object',
        additionalProperties: { description: 'A variable value.', type: 'string' },
      },
      inheritEnv: {
        description: "Whether the child gets this process's environment. Default: true.",
        type: 'boolean',
      },
      cwd: { description: 'Its working directory.', type: 'string', minLength: 1 },
      timeoutMs: ms('Real milliseconds it may run before it is killed.'),
      killGraceMs: ms('Real milliseconds between SIGTERM and SIGKILL. Default: 2000.'),
      stdin: {
        description: "none (default), or json: the stage's data written to stdin as JSON.",
        enum: ['none', 'json'],
      },
      parseJson: { description: 'Parse stdout as JSON into the output.', type: 'boolean' },
      allowFailure: { description: 'A non-zero exit is no failure.', type: 'boolean' },
    },
    required: ['command'],
    additionalProperties: false,
  };
}
