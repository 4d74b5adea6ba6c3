import { ErrorCode, FlowlineError, toError } from '../../errors.js';
import type { ErrorDetails } from '../../errors.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../plan/records.js';
import type {
  DelayedPlanRecord,
  EventEnvelope,
  LockRecord,
  StepLogLine,
  WorldRecord,
} from '../adapter.js';

/** The `code` better-sqlite3 puts on its errors (`SQLITE_BUSY`, `SQLITE_NOTADB`, …), if any. */
export function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether the driver error says the database was busy or locked (trying again may succeed). */
export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** Whether the driver error is a broken foreign key (a record naming a plan that is not stored). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Wraps a driver error into a `STORAGE_ERROR` naming the operation and the file. A
 * `FlowlineError` is returned as it is, so errors raised on purpose keep their code.
 *
 * @param operation - the adapter method (or step of it) that failed
 * @param filename - the database file
 * @param error - whatever was thrown
 */
export function storageError(operation: string, filename: string, error: unknown): FlowlineError {
  if (error instanceof FlowlineError) return error;
  const cause = toError(error);
  const retryable = isBusy(error);
  const hint = retryable ? ' (the database is busy; trying again may succeed)' : '';
  return new FlowlineError(
    ErrorCode.STORAGE_ERROR,
    `SqliteAdapter ${operation} on ${filename} failed: ${cause.message}${hint}`,
    { cause: error, retryable },
  );
}

/**
 * Wraps an error met while opening the database into a `STORAGE_ERROR` that says plainly what is
 * wrong with the file.
 *
 * @param filename - the database file
 * @param error - whatever was thrown
 */
export function openError(filename: string, error: unknown): FlowlineError {
  if (error instanceof FlowlineError) return error;
  const code = sqliteCode(error);
  const message = toError(error).message;
  let text: string;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    text = `${filename} is not a SQLite database (or it is corrupt): ${message}`;
  } else if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_READONLY') {
    text = `cannot open ${filename}: ${message} (is it a directory, or not readable and writable?)`;
  } else {
    text = `cannot open ${filename}: ${message}`;
  }
  return new FlowlineError(ErrorCode.STORAGE_ERROR, `SqliteAdapter: ${text}`, {
    cause: error,
    retryable: isBusy(error),
  });
}

/** The record types kept as JSON, by the name messages use for them. */
export interface StoredRecords {
  plan: PlanRecord;
  action: ActionRecord;
  step: StepRecord;
  event: EventEnvelope;
  'delayed plan': DelayedPlanRecord;
  'log line': StepLogLine;
  world: WorldRecord;
  lock: LockRecord;
}

/** Which row a stored record came from, for messages. */
export interface RowOwner {
  /** The database file. */
  readonly filename: string;
  /** The plan the row belongs to, if any: a corrupt row then makes that plan invalid. */
  readonly planId?: string;
  /** The record's own key (step id, world id, …), when it is not the plan id. */
  readonly key?: string | number;
}

/**
 * Parses a stored JSON column. A row that is not valid JSON, or not an object, is refused with a
 * `FlowlineError`, never a raw `SyntaxError`: `INVALID_PLAN` naming the plan when the row belongs
 * to one (the plan cannot be loaded), `STORAGE_ERROR` otherwise.
 *
 * @param text - the stored column
 * @param kind - what the row holds
 * @param owner - the file, plan and key of the row
 */
export function parseStored<K extends keyof StoredRecords>(
  text: string,
  kind: K,
  owner: RowOwner,
): StoredRecords[K] {
  let value: unknown;
  let reason: string | undefined;
  let cause: unknown;
  try {
    value = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      reason = 'it is not a JSON object';
    }
  } catch (error) {
    reason = toError(error).message;
    cause = error;
  }
  if (reason === undefined) return value as StoredRecords[K];
  const { filename, planId } = owner;
  const what = `${kind} record${owner.key === undefined ? '' : ` ${owner.key}`}`;
  const details = cause === undefined ? {} : { cause };
  if (planId === undefined) {
    return corruptRow(
      ErrorCode.STORAGE_ERROR,
      `SqliteAdapter: the ${what} stored in ${filename} is corrupt (${reason})`,
      details,
    );
  }
  return corruptRow(
    ErrorCode.INVALID_PLAN,
    `SqliteAdapter: plan ${planId} in ${filename} cannot be loaded: its stored ${what} is corrupt (${reason})`,
    { ...details, planId },
  );
}

function corruptRow(code: ErrorCode, message: string, details: ErrorDetails): never {
  throw new FlowlineError(code, message, details);
}
