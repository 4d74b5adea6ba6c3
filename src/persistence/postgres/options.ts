/**
 * Options of `new PostgresAdapter(…)` and their validation: a bad option is an `INVALID_ARGUMENT`
 * from the constructor, before anything connects.
 */
import type { Pool } from 'pg';
import { ErrorCode, FlowlineError } from '../../errors.js';
import { MAX_IDENTIFIER_LENGTH, SCHEMA_NAME } from './sql.js';

/** Options shared by both ways of connecting. */
export interface PostgresCommonOptions {
  /**
   * Schema holding Flowline's tables, created on `start()`: a lower-case SQL identifier
   * (`[a-z_][a-z0-9_]*`, at most 63 characters, not starting with `pg_`).
   * @default 'flowline'
   */
  readonly schema?: string;
}

/** Connect with a connection string; the adapter owns its pool and ends it on `close()`. */
export interface PostgresConnectionOptions extends PostgresCommonOptions {
  /** A libpq-style URL, e.g. `postgres://user:password@host:5432/database`. */
  readonly connectionString: string;
  /** Never with `connectionString`. */
  readonly pool?: never;
  /** The most connections the adapter opens. @default 10 */
  readonly maxConnections?: number;
  /**
   * How long to wait for a connection (including login) before failing with a retryable
   * `STORAGE_ERROR`, so an unreachable server fails fast instead of hanging. @default 10000
   */
  readonly connectionTimeoutMillis?: number;
}

/** Share an application's `pg.Pool`; the adapter never ends it. */
export interface PostgresPoolOptions extends PostgresCommonOptions {
  /**
   * The pool to run every statement on. Give it an `'error'` listener, as pg asks of every pool:
   * the adapter does not add one to a pool it does not own.
   */
  readonly pool: Pool;
  /** Never with `pool`. */
  readonly connectionString?: never;
}

/**
 * Options of {@link PostgresAdapter}: a connection string or a pool, and optionally the schema.
 *
 * @example
 * ```ts
 * new PostgresAdapter({ connectionString: process.env.DATABASE_URL!, schema: 'jobs' });
 * new PostgresAdapter({ pool }); // the application's own pg.Pool
 * ```
 */
export type PostgresAdapterOptions = PostgresConnectionOptions | PostgresPoolOptions;

/** Validated options. */
export type ResolvedOptions =
  | {
      readonly kind: 'connection';
      readonly schema: string;
      readonly connectionString: string;
      readonly maxConnections: number;
      readonly connectionTimeoutMillis: number;
    }
  | { readonly kind: 'pool'; readonly schema: string; readonly pool: Pool };

const KNOWN = new Set([
  'schema',
  'connectionString',
  'pool',
  'maxConnections',
  'connectionTimeoutMillis',
]);

function invalid(message: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_ARGUMENT, `PostgresAdapter: ${message}`);
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(`option ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkSchema(schema: unknown): string {
  if (schema === undefined) return 'flowline';
  if (
    typeof schema !== 'string' ||
    !SCHEMA_NAME.test(schema) ||
    schema.length > MAX_IDENTIFIER_LENGTH ||
    schema.startsWith('pg_')
  ) {
    throw invalid(
      `option schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most ` +
        `${MAX_IDENTIFIER_LENGTH} characters, not starting with pg_), got ${JSON.stringify(schema)}`,
    );
  }
  return schema;
}

function isPool(value: unknown): value is Pool {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Pool>).connect === 'function' &&
    typeof (value as Partial<Pool>).query === 'function'
  );
}

/**
 * Checks the constructor's options.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the wrong option
 */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options must be an object with a connectionString or a pool');
  }
  const given = options as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw invalid(`unknown option ${unknown.join(', ')}`);
  const schema = checkSchema(given.schema);
  const { connectionString, pool } = given;
  if (connectionString !== undefined && pool !== undefined) {
    throw invalid('give either connectionString or pool, not both');
  }
  if (pool !== undefined) {
    if (!isPool(pool)) throw invalid('option pool must be a pg.Pool');
    for (const key of ['maxConnections', 'connectionTimeoutMillis']) {
      if (given[key] !== undefined) {
        throw invalid(
          `option ${key} only applies with connectionString; configure the pool instead`,
        );
      }
    }
    return { kind: 'pool', schema, pool };
  }
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw invalid('option connectionString must be a non-empty string (or give a pool)');
  }
  return {
    kind: 'connection',
    schema,
    connectionString,
    maxConnections: positiveInteger('maxConnections', given.maxConnections, 10),
    connectionTimeoutMillis: positiveInteger(
      'connectionTimeoutMillis',
      given.connectionTimeoutMillis,
      10_000,
    ),
  };
}
