/**
 * What `flowline flows …` reads: a flow file, the `--input` JSON, the `--actions` module split into
 * stage actions (for `Flows`) and plain actions (for the world), and how a flow definition's
 * violations are printed (`file:line:column path: message`, one per line).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import { packagedStageActions } from '../flows/actions/index.js';
import type { FlowViolation } from '../flows/definition/types.js';
import type { StageActionClass } from '../flows/flows-types.js';
import { StageAction } from '../flows/stage-action.js';
import type { JsonValue } from '../plan/records.js';
import { loadActionsModule } from './actions-module.js';
import type { OptionValues } from './args.js';
import type { OutputStream } from './context.js';
import { stringOption } from './args.js';
import { usageError } from './errors.js';

/** A flow file as read: its text, and its path as given (for messages) and resolved. */
export interface FlowFile {
  /** The path as the user wrote it: messages name the file so (`flows/acme.yaml:3:5`). */
  readonly name: string;
  /** The absolute path. */
  readonly path: string;
  /** Its contents (UTF-8). */
  readonly text: string;
}

/**
 * Reads a flow file.
 *
 * @param given - the path as given on the command line
 * @param cwd - the directory it is relative to
 * @param command - the command, for the usage hint
 * @throws CliError usage error naming the file when it is missing, a directory or unreadable
 */
export function readFlowFile(given: string, cwd: string, command: string): FlowFile {
  const path = resolve(cwd, given);
  try {
    return { name: given, path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'the file does not exist'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw usageError(`cannot read the flow file ${path}: ${reason}`, command, error);
  }
}

/**
 * The value of `--input`: JSON text (absent: `null`).
 *
 * @param values - parsed options
 * @param command - the command, for the usage hint
 * @throws CliError usage error naming `--input` when the text is not JSON
 */
export function inputOption(values: OptionValues, command: string): JsonValue {
  const text = stringOption(values, 'input');
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw usageError(
      `option --input must be JSON (e.g. --input '{"email":"a@b.c"}'): ${reason}`,
      command,
      error,
    );
  }
}

/** The classes of an `--actions` module, split by what takes them. */
export interface FlowActions {
  /** `StageAction` subclasses: given to `Flows` (and to `parseFlow`). */
  readonly stages: readonly StageActionClass[];
  /** The module's other `Action` subclasses: registered in the world. */
  readonly others: readonly ActionClass[];
}

/** The base class: a module re-exporting it does not make it a stage action. */
const BASE = StageAction;

/**
 * Loads `--actions` when given (nothing when absent) and splits its classes.
 *
 * @param values - parsed options
 * @param cwd - the current directory
 * @param command - the command, for the usage hint
 */
export async function flowActionsOption(
  values: OptionValues,
  cwd: string,
  command: string,
): Promise<FlowActions> {
  const path = stringOption(values, 'actions');
  if (path === undefined) return { stages: [], others: [] };
  const classes = await loadActionsModule(path, cwd, command);
  const packaged = new Set<unknown>(packagedStageActions);
  const stages: StageActionClass[] = [];
  const others: ActionClass[] = [];
  for (const cls of classes) {
    // Packaged stage actions (re-exported by the module) are in every Flows already.
    if ((cls as unknown) === BASE || packaged.has(cls)) continue;
    if (isStageActionClass(cls)) stages.push(cls);
    else others.push(cls);
  }
  return { stages, others };
}

function isStageActionClass(cls: ActionClass): cls is StageActionClass {
  return (cls.prototype as unknown) instanceof StageAction;
}

/**
 * The violations of an `INVALID_FLOW_DEFINITION` error, or `undefined` for any other error.
 *
 * @param error - whatever was thrown
 */
export function violationsOf(error: unknown): readonly FlowViolation[] | undefined {
  if (!(error instanceof FlowlineError) || error.code !== ErrorCode.INVALID_FLOW_DEFINITION) {
    return undefined;
  }
  const listed = (error.details as { violations?: unknown } | undefined)?.violations;
  if (!Array.isArray(listed) || listed.length === 0) {
    // No structured list: the message is all there is.
    return [{ path: '', message: error.message }];
  }
  return listed.filter(isViolation);
}

function isViolation(value: unknown): value is FlowViolation {
  const v = value as Partial<Record<keyof FlowViolation, unknown>> | null;
  return typeof v === 'object' && v !== null && typeof v.message === 'string';
}

/**
 * One violation as a line editors and CI annotate: `file:line:column path: message`
 * (`file path: message` when it has no position).
 *
 * @param violation - the violation
 * @param fileName - the file, as the user named it
 */
export function formatViolation(violation: FlowViolation, fileName: string): string {
  const path = violation.path === '' ? '(the flow)' : violation.path;
  const where =
    violation.line === undefined || violation.column === undefined
      ? fileName
      : `${fileName}:${violation.line}:${violation.column}`;
  return `${where} ${path}: ${violation.message.replace(/\s*\n\s*/g, ' ')}`;
}

/**
 * Writes an invalid flow's violations: a heading, then one `file:line:column path: message` line
 * each.
 *
 * @param stderr - where to write them
 * @param fileName - the file as the user named it
 * @param violations - every violation
 */
export function writeViolations(
  stderr: OutputStream,
  fileName: string,
  violations: readonly FlowViolation[],
): void {
  const count = violations.length;
  stderr.write(
    `flowline: ${fileName}: the flow is invalid (${count} problem${count === 1 ? '' : 's'}):\n`,
  );
  for (const violation of violations) stderr.write(`${formatViolation(violation, fileName)}\n`);
}
