/**
 * PostgreSQL for tests: every test file gets a database of its own on the server the global setup
 * started (test/setup/postgres-server.ts), created before its tests and dropped after them; every
 * adapter gets a schema of its own in it. Adapters made here are closed after each test.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { QueryResultRow } from 'pg';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import type { PostgresTestServer } from '../setup/postgres-server.js';

/** Where the server of this test run listens. */
export function postgresServer(): PostgresTestServer {
  return inject('postgres');
}

/** A connection URL for the test server, to `database`, optionally with another password or port. */
export function postgresUrl(
  database: string,
  overrides: { readonly password?: string; readonly port?: number } = {},
): string {
  const server = postgresServer();
  const user = encodeURIComponent(server.user);
  const password = encodeURIComponent(overrides.password ?? server.password);
  const port = overrides.port ?? server.port;
  return `postgres://${user}:${password}@${server.host}:${port}/${database}`;
}

/** A name no other test uses, valid as a database or schema name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(postgresServer().database) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The database of one test file. */
export interface TestDatabase {
  /** Its name. */
  readonly name: string;
  /** Its connection URL. */
  readonly url: string;
  /** A schema name not used yet in this database. */
  freshSchema(): string;
  /** A new, not yet started adapter on a fresh schema (or on `schema`), closed after the test. */
  freshAdapter(schema?: string): PostgresAdapter;
  /** Runs SQL on the database directly (e.g. to damage a row on purpose). */
  query<R extends QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]>;
  /** Closes `adapter` after the current test. */
  track<T extends { close(): Promise<void> }>(adapter: T): T;
}

/**
 * Gives the calling test file a database of its own. Call it at the top level of the file.
 *
 * @example
 * ```ts
 * const db = useTestDatabase();
 * it('…', async () => { const adapter = db.freshAdapter(); await adapter.start(); … });
 * ```
 */
export function useTestDatabase(): TestDatabase {
  const name = uniqueName('flowline_test');
  const open: { close(): Promise<void> }[] = [];
  let pool: pg.Pool | undefined;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((adapter) => adapter.close()));
  });
  afterAll(async () => {
    await pool?.end();
    // FORCE: a connection a failing test left open must not keep the database alive.
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  const db: TestDatabase = {
    name,
    get url() {
      return postgresUrl(name);
    },
    freshSchema: () => uniqueName('s'),
    freshAdapter: (schema = uniqueName('s')) =>
      db.track(new PostgresAdapter({ connectionString: db.url, schema })),
    async query<R extends QueryResultRow>(sql: string, values?: unknown[]) {
      pool ??= new pg.Pool({ connectionString: db.url, max: 2 });
      return (await pool.query<R>(sql, values)).rows;
    },
    track(adapter) {
      open.push(adapter);
      return adapter;
    },
  };
  return db;
}
