/**
 * Which store a command works on (`--store sqlite:<path>` or `--store postgres://…`, default
 * `FLOWLINE_STORE`), and opening it. The command never creates a store: a missing SQLite file, a
 * file or schema without Flowline's tables is refused (exit 3) before the adapter, which would
 * create them, touches it.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { toExecutionPlan } from '../plan/snapshot.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { ExecutionPlan } from '../plan/records.js';
import type { OptionValues } from './args.js';
import { stringOption } from './args.js';
import { CliError, oneLine, planNotFound, storeError, usageError } from './errors.js';
import { ExitCode } from './exit-codes.js';

/** The environment variable naming the default store. */
export const STORE_ENV = 'FLOWLINE_STORE';

/** How long to wait for a PostgreSQL connection before giving up, in milliseconds. */
const POSTGRES_CONNECT_TIMEOUT_MS = 5000;

/** A store named on the command line. */
export type StoreSpec =
  | {
      readonly kind: 'sqlite';
      /** Absolute path of the database file. */
      readonly filename: string;
      /** How to name it in messages. */
      readonly text: string;
    }
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      /** `--schema`; the adapter's default (`flowline`) when absent. */
      readonly schema: string | undefined;
      /** How to name it in messages: the URL without its password. */
      readonly text: string;
    };

/**
 * The store given by `--store` (and `--schema`), or by `FLOWLINE_STORE`.
 *
 * @param values - parsed options
 * @param env - the environment
 * @param cwd - the directory relative SQLite paths are resolved from
 * @param command - the command, for the usage hint
 * @throws CliError usage error when no store is given or the spec is malformed
 */
export function storeSpecFrom(
  values: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  command: string,
): StoreSpec {
  const given = stringOption(values, 'store') ?? nonEmpty(env[STORE_ENV]);
  if (given === undefined) {
    throw usageError(
      `no store given: pass --store sqlite:<path> or --store postgres://…, or set ${STORE_ENV}`,
      command,
    );
  }
  return parseStoreSpec(given, stringOption(values, 'schema'), cwd, command);
}

/**
 * Parses a store spec: `sqlite:<path>` (also `sqlite://<path>`) or a `postgres://` /
 * `postgresql://` URL.
 *
 * @param text - the spec
 * @param schema - `--schema`, PostgreSQL only
 * @param cwd - the directory relative SQLite paths are resolved from
 * @param command - the command, for the usage hint
 */
export function parseStoreSpec(
  text: string,
  schema: string | undefined,
  cwd: string,
  command: string,
): StoreSpec {
  const spec = text.trim();
  if (/^sqlite:/i.test(spec)) {
    if (schema !== undefined) {
      throw usageError('option --schema only applies to a PostgreSQL store', command);
    }
    const path = spec.replace(/^sqlite:(\/\/)?/i, '');
    if (path === '') throw usageError(`store ${JSON.stringify(text)} names no file`, command);
    if (path === ':memory:') {
      throw usageError('an in-memory SQLite store would be empty: name a database file', command);
    }
    const filename = resolve(cwd, path);
    return { kind: 'sqlite', filename, text: filename };
  }
  if (/^postgres(ql)?:\/\//i.test(spec)) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch (error) {
      throw usageError(`store ${redact(spec)} is not a valid URL`, command, error);
    }
    return { kind: 'postgres', connectionString: spec, schema, text: redact(url.href) };
  }
  throw usageError(
    `store ${JSON.stringify(redact(spec))} is neither sqlite:<path> nor a postgres:// URL` +
      (spec.includes('://') ? '' : ` (did you mean sqlite:${spec}?)`),
    command,
  );
}

/**
 * Opens the store and starts its adapter. Never creates anything: a missing SQLite file, a
 * directory, a file that is not a SQLite database, a database or schema without Flowline's tables,
 * a server that cannot be reached or refuses the login are store errors (exit 3).
 *
 * @param spec - the store
 * @returns the started adapter; the caller closes it
 */
export async function openStore(spec: StoreSpec): Promise<PersistenceAdapter> {
  return spec.kind === 'sqlite' ? openSqlite(spec.filename) : openPostgres(spec);
}

async function openSqlite(filename: string): Promise<PersistenceAdapter> {
  let isFile: boolean;
  try {
    isFile = statSync(filename).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw storeError(
      code === 'ENOENT'
        ? `no SQLite store at ${filename}: the file does not exist (flowline never creates one; ` +
            'check the path, or let your application create the store)'
        : `cannot read ${filename}: ${(error as Error).message}`,
      error,
    );
  }
  if (!isFile) throw storeError(`${filename} is not a file (a directory?), not a SQLite store`);
  const Database = await importDriver(
    () => import('better-sqlite3'),
    'a SQLite store needs the better-sqlite3 package (npm install better-sqlite3)',
  );
  // The adapter would create Flowline's tables in any database: check that they are there.
  let hasFlowlineTables: boolean;
  try {
    const db = new Database.default(filename, { fileMustExist: true });
    try {
      hasFlowlineTables =
        db
          .prepare(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'flowline_migrations'",
          )
          .get() !== undefined;
    } finally {
      db.close();
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw storeError(
      code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
        ? `${filename} is not a SQLite database (or it is corrupt)`
        : `cannot open ${filename}: ${oneLine((error as Error).message)}`,
      error,
    );
  }
  if (!hasFlowlineTables) {
    throw storeError(
      `${filename} is a SQLite database but not a Flowline store (no Flowline tables)`,
    );
  }
  const { SqliteAdapter } = await import('../persistence/sqlite/index.js');
  const adapter = new SqliteAdapter({ filename });
  await adapter.start();
  return adapter;
}

async function openPostgres(
  spec: Extract<StoreSpec, { kind: 'postgres' }>,
): Promise<PersistenceAdapter> {
  const pg = await importDriver(
    () => import('pg'),
    'a PostgreSQL store needs the pg package (npm install pg)',
  );
  const { PostgresAdapter } = await import('../persistence/postgres/index.js');
  const { storageError } = await import('../persistence/postgres/storage-error.js');
  // Checks the options (a bad --schema is a usage error) before anything connects.
  const adapter = new PostgresAdapter({
    connectionString: spec.connectionString,
    ...(spec.schema === undefined ? {} : { schema: spec.schema }),
    maxConnections: 4,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
  });
  // The adapter would create the schema and its tables: check that they are there.
  const client = new pg.default.Client({
    connectionString: spec.connectionString,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    application_name: 'flowline-cli',
  });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      const reason = storageError('connect', error).message.replace(/^.*?connect failed: /, '');
      throw storeError(`cannot connect to the PostgreSQL store ${spec.text}: ${reason}`, error);
    }
    const { rows } = await client.query<{ present: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM information_schema.tables ' +
        "WHERE table_schema = $1 AND table_name = 'migrations') AS present",
      [adapter.schema],
    );
    if (rows[0]?.present !== true) {
      throw storeError(
        `schema "${adapter.schema}" of ${spec.text} is not a Flowline store (no Flowline tables)` +
          (spec.schema === undefined ? '; pass --schema if the store uses another schema' : ''),
      );
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw storeError(`cannot read the PostgreSQL store ${spec.text}: ${String(error)}`, error);
  } finally {
    await client.end().catch(() => undefined);
  }
  await adapter.start();
  return adapter;
}

/** Imports an optional driver, with a clear store error when it is not installed. */
async function importDriver<T>(load: () => Promise<T>, missing: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new CliError(ExitCode.STORE, 'STORAGE_ERROR', missing, { cause: error });
  }
}

/** The URL with its password replaced by `***`. */
export function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.href;
  } catch {
    return text.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Opens the store, hands its adapter to `fn`, and always closes it.
 *
 * @param spec - the store
 * @param fn - what to do with it
 */
export async function withStore<T>(
  spec: StoreSpec,
  fn: (adapter: PersistenceAdapter) => Promise<T>,
): Promise<T> {
  const adapter = await openStore(spec);
  try {
    return await fn(adapter);
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

/**
 * The plan with this id as an {@link ExecutionPlan}, read straight from the store.
 *
 * @param adapter - the started store
 * @param id - the plan id
 * @throws CliError exit code 4 when there is no such plan
 */
export async function readPlan(adapter: PersistenceAdapter, id: string): Promise<ExecutionPlan> {
  const stored = await adapter.loadPlan(id);
  if (stored === undefined) throw planNotFound(id);
  return toExecutionPlan(stored, false);
}
