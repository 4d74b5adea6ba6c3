import { ErrorCode, FlowlineError, toError } from '../../errors.js';

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
