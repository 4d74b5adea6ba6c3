import type { StepLogLine } from '../plan/records.js';
import type { JsonValue } from '../plan/records.js';
import { toJson } from '../plan/serialization.js';
import { serializeError, storableText, textOf } from '../errors.js';

/** Level of a step log line. */
export type StepLogLevel = StepLogLine['level'];

/**
 * The per-step log of an action (`this.log` in `plan`, `run` and `finalize`). Lines are kept with
 * the step in the store and read back with `world.stepLog(planId, stepId?)`.
 *
 * `meta` must be plain data, as everything Flowline stores (see `toJson`: a `Date` becomes its ISO
 * text, strings with U+0000 or a lone surrogate are refused). Meta that is not never fails the step:
 * the line is kept without it and a `warn` line says why. The message is text the engine keeps as
 * it can: a value that is not a string is turned into one, and U+0000 and lone surrogates become
 * U+FFFD.
 */
export interface StepLog {
  debug(message: string, meta?: unknown): void;
  info(message: string, meta?: unknown): void;
  warn(message: string, meta?: unknown): void;
  error(message: string, meta?: unknown): void;
}

/**
 * Collects the lines of one step execution (or of one action's `plan` call) in memory; the engine
 * stores them after the step's commit. Once {@link StepLogBuffer.close} is called (the call ended or
 * was abandoned on a timeout), further lines are dropped.
 *
 * @internal
 */
export class StepLogBuffer implements StepLog {
  #closed = false;

  /**
   * @param planId - the plan
   * @param stepId - the step the lines belong to
   * @param now - the ISO time (from the world's clock)
   * @param lines - where lines go (shared by the actions of one plan phase)
   */
  constructor(
    readonly planId: string,
    readonly stepId: number,
    private readonly now: () => string,
    readonly lines: StepLogLine[] = [],
  ) {}

  debug(message: string, meta?: unknown): void {
    this.write('debug', message, meta);
  }

  info(message: string, meta?: unknown): void {
    this.write('info', message, meta);
  }

  warn(message: string, meta?: unknown): void {
    this.write('warn', message, meta);
  }

  error(message: string, meta?: unknown): void {
    this.write('error', message, meta);
  }

  /** Adds a line; meta that is not plain data is dropped with a warning line. */
  write(level: StepLogLevel, message: string, meta?: unknown): void {
    if (this.#closed) return;
    const at = this.now();
    const text = storableText(textOf(message));
    let stored: JsonValue | undefined;
    let problem: string | undefined;
    if (meta !== undefined) {
      try {
        stored = toJson(meta, 'log meta');
      } catch (error) {
        problem = storableText(serializeError(error).message);
      }
    }
    const line: { -readonly [K in keyof StepLogLine]: StepLogLine[K] } = {
      planId: this.planId,
      stepId: this.stepId,
      at,
      level,
      message: text,
    };
    if (stored !== undefined) line.meta = stored;
    this.lines.push(line);
    if (problem !== undefined) {
      this.lines.push({
        planId: this.planId,
        stepId: this.stepId,
        at,
        level: 'warn',
        message: `the meta of the previous log line was dropped: ${problem}`,
      });
    }
  }

  /** Drops every later line. */
  close(): void {
    this.#closed = true;
  }
}
