import { ErrorCode, FlowlineError } from '../../errors.js';
import { describeValue } from '../../shared/describe-value.js';

/** Options of `new SqliteAdapter(…)`. */
export interface SqliteAdapterOptions {
  /**
   * Path of the database file; created (with its tables) when missing. Its directory must exist.
   * `':memory:'` gives a private in-memory database (not durable; for tests).
   */
  readonly filename: string;
  /**
   * SQLite's `synchronous` setting. `'FULL'` syncs the write-ahead log on every commit, so a
   * committed write survives a power loss; `'NORMAL'` survives a crash of the process but may lose
   * the last commits on a power loss, and is faster.
   *
   * @default 'FULL'
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * How long a statement waits for another connection's lock before failing with a retryable
   * `STORAGE_ERROR`, in milliseconds.
   *
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
}

/** {@link SqliteAdapterOptions} after validation, with defaults applied. */
export interface ResolvedSqliteOptions {
  readonly filename: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
}

/** Largest busy timeout SQLite accepts (a signed 32-bit int of milliseconds). */
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Checks the options given to the constructor and applies defaults.
 *
 * @param options - what the caller passed (may be anything at run time)
 * @throws FlowlineError `INVALID_ARGUMENT` naming the bad option
 */
export function resolveSqliteOptions(options: unknown): ResolvedSqliteOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(`options must be an object with a filename, got ${describeValue(options)}`);
  }
  const { filename, synchronous, busyTimeoutMs } = options as Record<string, unknown>;
  if (typeof filename !== 'string' || filename === '') {
    throw invalid(`option filename must be a non-empty string, got ${describeValue(filename)}`);
  }
  if (synchronous !== undefined && synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw invalid(
      `option synchronous must be 'FULL' or 'NORMAL', got ${describeValue(synchronous)}`,
    );
  }
  if (
    busyTimeoutMs !== undefined &&
    (typeof busyTimeoutMs !== 'number' ||
      !Number.isInteger(busyTimeoutMs) ||
      busyTimeoutMs < 0 ||
      busyTimeoutMs > MAX_BUSY_TIMEOUT_MS)
  ) {
    throw invalid(
      `option busyTimeoutMs must be an integer from 0 to ${MAX_BUSY_TIMEOUT_MS}, got ${describeValue(busyTimeoutMs)}`,
    );
  }
  return {
    filename,
    synchronous: synchronous ?? 'FULL',
    busyTimeoutMs: busyTimeoutMs ?? 5000,
  };
}

function invalid(message: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_ARGUMENT, `SqliteAdapter: ${message}`);
}
