/**
 * Turns what the driver throws into a {@link FlowlineError} with code `STORAGE_ERROR`: the message
 * names the adapter operation and the reason, `cause` keeps the driver's error, and `retryable` says
 * whether the same call may succeed later (a dropped connection, a deadlock, a serialization
 * failure) — so callers and retry policies never parse driver messages.
 */
import { ErrorCode, FlowlineError } from '../../errors.js';

/** Node socket errors that mean the server could not be reached or the connection dropped. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs worth retrying: serialization failure, deadlock, server shutting down or starting up,
 * too many connections. Class 08 (connection exceptions) is matched by prefix.
 */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300']);

/** SQLSTATEs of a refused login (`invalid_authorization_specification`, `invalid_password`). */
const AUTHENTICATION_SQLSTATES = new Set(['28000', '28P01']);

/**
 * The code of a driver error: a SQLSTATE for errors the server sent, an errno (`ECONNREFUSED`) for
 * socket errors. Looks through `cause` chains and into `AggregateError`s (Node reports a refused
 * connection to every address of a host name as one).
 */
export function driverCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !(current instanceof FlowlineError)) return code;
    if (current instanceof AggregateError) {
      const inner: unknown = current.errors[0];
      if (inner instanceof Error) {
        current = inner;
        continue;
      }
    }
    current = current.cause;
  }
  return undefined;
}

/** Whether retrying the operation that failed with `error` may succeed. */
export function isRetryable(error: unknown): boolean {
  const code = driverCode(error);
  if (code !== undefined) {
    return CONNECTION_ERRNOS.has(code) || RETRYABLE_SQLSTATES.has(code) || code.startsWith('08');
  }
  // pg reports a connection lost mid-query, and pg-pool a connect timeout, without a code.
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout/i.test(
    message,
  );
}

function isAuthenticationFailure(error: unknown): boolean {
  const code = driverCode(error);
  if (code !== undefined) return AUTHENTICATION_SQLSTATES.has(code);
  // pg's SCRAM client throws plain errors, e.g. when no password was given.
  return error instanceof Error && /^SASL:/.test(error.message);
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner) => reasonOf(inner)).join('; ');
  }
  if (error instanceof Error) {
    const code = driverCode(error);
    const message = error.message === '' ? error.constructor.name : error.message;
    return code === undefined || message.includes(code) ? message : `${message} (${code})`;
  }
  return String(error);
}

/**
 * Wraps a driver error thrown by `operation` (a FlowlineError passes through unchanged).
 *
 * @param operation - the adapter method or step that failed, e.g. `write` or `start`
 * @param error - what the driver threw
 */
export function storageError(operation: string, error: unknown): FlowlineError {
  if (error instanceof FlowlineError) return error;
  const reason = reasonOf(error);
  let message: string;
  if (isAuthenticationFailure(error)) {
    message =
      `postgres adapter: ${operation} failed: the server refused the login ` +
      `(authentication failed: ${reason}); check the user and password of the connection`;
  } else if (CONNECTION_ERRNOS.has(driverCode(error) ?? '')) {
    message = `postgres adapter: ${operation} failed: cannot reach the PostgreSQL server (${reason})`;
  } else {
    message = `postgres adapter: ${operation} failed: ${reason}`;
  }
  return new FlowlineError(ErrorCode.STORAGE_ERROR, message, {
    cause: error,
    retryable: isRetryable(error),
  });
}
