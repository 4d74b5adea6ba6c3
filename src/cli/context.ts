/**
 * What a command runs with: the process's streams, environment and signals behind {@link CliIo}
 * (so tests can run commands in-process), the parsed arguments, and the output mode.
 */
import type { Logger, LogMeta } from '../shared/logger.js';
import type { OptionSpecs, OptionValues } from './args.js';
import { oneLine } from './errors.js';

/** A stream the command writes to. */
export interface OutputStream {
  write(text: string): unknown;
  /** Whether it is a terminal. */
  readonly isTTY?: boolean;
  /** The terminal's width, when it is one. */
  readonly columns?: number;
  /** The terminal's height, when it is one. */
  readonly rows?: number;
}

/** The termination signals commands handle. */
export type TerminationSignal = 'SIGINT' | 'SIGTERM';

/** The process as a command sees it. */
export interface CliIo {
  /** Where results go (only JSON with `--json`). */
  readonly stdout: OutputStream;
  /** Where errors, warnings and notes go. */
  readonly stderr: OutputStream;
  /** The environment variables (`FLOWLINE_STORE`, `NO_COLOR`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory relative paths are resolved from. */
  readonly cwd: string;
  /**
   * Calls `listener` on SIGINT or SIGTERM instead of the default (ending the process).
   *
   * @returns a function that removes the listener (restoring the default)
   */
  onSignal(listener: (signal: TerminationSignal) => void): () => void;
  /** Ends the process at once (a second Ctrl+C while a command shuts down). */
  exit(code: number): void;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onSignal(listener) {
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
    exit(code) {
      process.exit(code);
    },
  };
}

/** Everything a command runs with. */
export interface CommandContext {
  /** The process's streams, environment and signals. */
  readonly io: CliIo;
  /** The command's name. */
  readonly command: string;
  /** Its parsed options, common ones included. */
  readonly values: OptionValues;
  /** Its positional arguments, as many as it declares. */
  readonly positionals: readonly string[];
  /** `--json`: machine-readable stdout only. */
  readonly json: boolean;
  /** `--debug`: stack traces and the engine's debug log on stderr. */
  readonly debug: boolean;
  /** Whether stdout gets colours. */
  readonly color: boolean;
  /** Where worlds and the console log: warnings and errors to stderr, one line each. */
  readonly logger: Logger;
}

/** A `flowline` command. */
export interface Command {
  /** What the user types: `flowline <name>`. */
  readonly name: string;
  /** One line for `flowline --help`. */
  readonly summary: string;
  /** The full `flowline <command> --help` text. */
  readonly help: string;
  /** Its own options (the common ones come on top). */
  readonly options: OptionSpecs;
  /** Names of its required positional arguments, in order. */
  readonly positionals: readonly string[];
  /** Runs the command; resolves with the exit code. */
  run(context: CommandContext): Promise<number>;
  /**
   * For a group of commands (`flowline flows …`): its subcommands, each named in full
   * (`flows validate`). The group's own `run` is then never called.
   */
  readonly subcommands?: readonly Command[];
}

/**
 * A logger writing warnings and errors to stderr as `flowline: warning: …` lines; with `debug`,
 * also debug and info lines, and the details (stack traces included).
 *
 * @param write - writes to stderr
 * @param debug - `--debug`
 */
export function stderrLogger(write: (text: string) => void, debug: boolean): Logger {
  const line = (level: string, message: string, meta: LogMeta | undefined): void => {
    let text = `flowline: ${level}: ${oneLine(message)}`;
    const error = meta?.error;
    if (error instanceof Error) text += `: ${oneLine(error.message)}`;
    else if (typeof error === 'string') text += `: ${oneLine(error)}`;
    write(`${text}\n`);
    if (debug && meta !== undefined) {
      for (const [key, value] of Object.entries(meta)) {
        write(
          `  ${key}: ${value instanceof Error ? (value.stack ?? value.message) : inspect(value)}\n`,
        );
      }
    }
  };
  return {
    debug: (message, meta) => {
      if (debug) line('debug', message, meta);
    },
    info: (message, meta) => {
      if (debug) line('info', message, meta);
    },
    warn: (message, meta) => {
      line('warning', message, meta);
    },
    error: (message, meta) => {
      line('error', message, meta);
    },
  };
}

function inspect(value: unknown): string {
  try {
    const json = JSON.stringify(value) as string | undefined;
    return json ?? typeof value;
  } catch {
    return String(value);
  }
}
