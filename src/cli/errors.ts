/**
 * Errors of the `flowline` command: every failure becomes a {@link CliError} carrying its exit code,
 * and is reported on stderr as one line (plus a JSON object with `--json`, and the stack trace with
 * `--debug`).
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import { ExitCode } from './exit-codes.js';

/** The `code` of a usage error (in the `--json` error object). */
export const USAGE = 'USAGE';
/** The `code` of an unexpected error. */
export const INTERNAL = 'INTERNAL';

/** A failure of the command, with the exit code it ends with. */
export class CliError extends Error {
  /** The process exit code. */
  readonly exitCode: ExitCode;
  /** A stable code: a `FlowlineError` code, {@link USAGE} or {@link INTERNAL}. */
  readonly code: string;
  /** For usage errors: the command whose `--help` to point at (`''` for the top level). */
  readonly usageOf: string | undefined;

  /**
   * @param exitCode - the exit code
   * @param code - the stable code
   * @param message - one sentence saying what is wrong
   * @param options - the underlying error, and for usage errors the command to point at
   */
  constructor(
    exitCode: ExitCode,
    code: string,
    message: string,
    options: { cause?: unknown; usageOf?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
    this.usageOf = options.usageOf;
  }
}

/**
 * A bad command line (exit code 2).
 *
 * @param message - what is wrong, e.g. `option --limit must be a positive integer, got "x"`
 * @param command - the command whose help to point at; `''` for `flowline --help`
 * @param cause - the underlying error, shown with `--debug`
 */
export function usageError(message: string, command = '', cause?: unknown): CliError {
  return new CliError(ExitCode.USAGE, USAGE, message, { usageOf: command, cause });
}

/**
 * The store cannot be used (exit code 3).
 *
 * @param message - what is wrong with it
 * @param cause - the underlying error
 */
export function storeError(message: string, cause?: unknown): CliError {
  return new CliError(ExitCode.STORE, ErrorCode.STORAGE_ERROR, message, { cause });
}

/**
 * No plan with this id (exit code 4).
 *
 * @param id - the plan id asked for
 */
export function planNotFound(id: string): CliError {
  return new CliError(ExitCode.PLAN_NOT_FOUND, ErrorCode.PLAN_NOT_FOUND, `no execution plan ${id}`);
}

/** Engine error codes that mean the command line was wrong. */
const USAGE_CODES = new Set<string>([
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.INVALID_ACTION,
  ErrorCode.DUPLICATE_ACTION_NAME,
  ErrorCode.INVALID_FLOW_DEFINITION,
]);

/** Engine error codes that mean a bug rather than a refusal. */
const INTERNAL_CODES = new Set<string>([
  ErrorCode.ILLEGAL_STATE_TRANSITION,
  ErrorCode.WORLD_NOT_STARTED,
  ErrorCode.WORLD_CLOSED,
]);

/**
 * The {@link CliError} for anything thrown: a `FlowlineError` keeps its message and code and gets
 * the exit code its code calls for; anything else is unexpected (exit code 70).
 *
 * @param error - whatever was thrown
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof FlowlineError) {
    const exit =
      error.code === ErrorCode.PLAN_NOT_FOUND || error.code === ErrorCode.FLOW_NOT_FOUND
        ? ExitCode.PLAN_NOT_FOUND
        : error.code === ErrorCode.STORAGE_ERROR || error.code === ErrorCode.FLOWS_UNSUPPORTED
          ? ExitCode.STORE
          : USAGE_CODES.has(error.code)
            ? ExitCode.USAGE
            : INTERNAL_CODES.has(error.code)
              ? ExitCode.INTERNAL
              : ExitCode.REFUSED;
    return new CliError(exit, error.code, error.message, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(ExitCode.INTERNAL, INTERNAL, `unexpected error: ${message}`, {
    cause: error,
  });
}

/** How to report an error. */
export interface ReportOptions {
  /** Also write `{ "error": { "code", "message" } }` as one line. */
  readonly json: boolean;
  /** Also write the stack traces of the error and its causes. */
  readonly debug: boolean;
}

/**
 * Writes an error to stderr: `flowline: <message> (<CODE>)`, a usage hint for usage errors, the
 * JSON object with `--json`, the stack traces with `--debug`.
 *
 * @param error - the error
 * @param write - writes a string to stderr
 * @param options - `json` and `debug`
 */
export function reportError(
  error: CliError,
  write: (text: string) => void,
  options: ReportOptions,
): void {
  const message = oneLine(error.message);
  const suffix = error.code === USAGE ? '' : ` (${error.code})`;
  write(`flowline: ${message}${suffix}\n`);
  if (error.usageOf !== undefined) {
    const command = error.usageOf === '' ? '' : ` ${error.usageOf}`;
    write(`Run 'flowline${command} --help' for usage.\n`);
  }
  if (options.json) {
    write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
  }
  if (options.debug) {
    for (let current: unknown = error, depth = 0; current !== undefined && depth < 6; depth++) {
      if (current instanceof Error) {
        write(`${current.stack ?? `${current.name}: ${current.message}`}\n`);
        current = current.cause;
      } else {
        write(`cause: ${typeof current === 'string' ? current : typeof current}\n`);
        current = undefined;
      }
    }
  }
}

/** The message on one line: error messages from drivers sometimes span several. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
