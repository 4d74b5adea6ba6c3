/**
 * One child process of a `Run Command` stage: spawned without a shell in its own process group,
 * its output read line by line as it arrives, killed (the whole group: SIGTERM, then SIGKILL
 * after a grace period) on a time-out or an abort, and never left behind: when it exits, whatever
 * is left of its group is killed too.
 */
import { spawn } from 'node:child_process';

/** The most stdout kept for the output (and for `parseJson`), in UTF-16 units. */
export const STDOUT_CAP = 1024 * 1024;

/** A line longer than this (no newline in sight) is passed on in pieces. */
const MAX_LINE = 64 * 1024;

/** How many of the last stderr lines an error names. */
const STDERR_TAIL = 10;

/** What to run. */
export interface ChildSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string | undefined;
  /** Written to the child's stdin, which is then closed; `undefined`: no stdin. */
  readonly stdin: string | undefined;
  /** Real milliseconds it may run; `undefined`: no bound. */
  readonly timeoutMs: number | undefined;
  /** Real milliseconds between SIGTERM and SIGKILL. */
  readonly graceMs: number;
  /** Aborting it kills the child. */
  readonly signal: AbortSignal;
  /** Called with each stdout line. */
  readonly onStdout: (line: string) => void;
  /** Called with each stderr line. */
  readonly onStderr: (line: string) => void;
}

/** How a child ended. */
export interface ChildResult {
  /** The child's process id (`undefined` when it never started). */
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its stdout, at most {@link STDOUT_CAP}. */
  readonly stdout: string;
  readonly stdoutTruncated: boolean;
  /** Its last stderr lines. */
  readonly stderrTail: readonly string[];
  /** Why it could not start. */
  readonly spawnError?: NodeJS.ErrnoException;
  /** Killed because it ran past `timeoutMs`. */
  readonly timedOut: boolean;
  /** Killed because the signal was aborted. */
  readonly aborted: boolean;
}

/**
 * Runs a child to its end.
 *
 * @param spec - what to run and where its output goes
 * @returns how it ended (never rejects)
 */
export function runChild(spec: ChildSpec): Promise<ChildResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let truncated = false;
    const tail: string[] = [];
    let timedOut = false;
    let aborted = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exited = false;
    const timers: NodeJS.Timeout[] = [];
    const child = spawn(spec.command, [...spec.args], {
      env: spec.env,
      cwd: spec.cwd,
      stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    const group = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is gone already.
      }
    };
    const kill = (): void => {
      if (exited) return;
      group('SIGTERM');
      timers.push(setTimeout(() => group('SIGKILL'), spec.graceMs));
    };
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    const stdoutLines = lineSplitter(spec.onStdout);
    const stderrLines = lineSplitter((line) => {
      tail.push(line);
      if (tail.length > STDERR_TAIL) tail.shift();
      spec.onStderr(line);
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (!truncated) {
        const room = STDOUT_CAP - stdout.length;
        if (chunk.length > room) truncated = true;
        stdout += chunk.slice(0, room);
      }
      stdoutLines.push(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderrLines.push(chunk);
    });
    if (child.stdin !== null) {
      // A child that does not read its stdin closes the pipe: EPIPE, not a failure of the stage.
      child.stdin.on('error', () => undefined);
      child.stdin.end(spec.stdin);
    }
    child.on('exit', () => {
      exited = true;
      // Whatever the child started and left running goes with it.
      group('SIGKILL');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) spawnError = error;
    });
    child.on('close', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      for (const timer of timers) clearTimeout(timer);
      spec.signal.removeEventListener('abort', onAbort);
      stdoutLines.end();
      stderrLines.end();
      resolve({
        pid: child.pid,
        exitCode,
        signal,
        stdout,
        stdoutTruncated: truncated,
        stderrTail: tail,
        ...(spawnError === undefined ? {} : { spawnError }),
        timedOut,
        aborted,
      });
    });
    if (spec.signal.aborted) onAbort();
    else spec.signal.addEventListener('abort', onAbort, { once: true });
    if (spec.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          kill();
        }, spec.timeoutMs),
      );
    }
  });
}

/** Splits a stream of text into lines (without their `\n` / `\r\n`). */
function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk;
      if (rest.length > MAX_LINE && !rest.includes('\n')) {
        onLine(rest);
        rest = '';
      }
      let at = rest.indexOf('\n');
      while (at !== -1) {
        onLine(rest.slice(0, at).replace(/\r$/, ''));
        rest = rest.slice(at + 1);
        at = rest.indexOf('\n');
      }
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}
