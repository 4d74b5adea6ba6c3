/**
 * Running the real `flowline` command in a child process (through tsx, from the repository root),
 * and SQLite stores filled by a world of the test's own.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import type { PersistenceAdapter } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { fixtureActions } from './fixtures/actions.js';

/** The repository root: the command runs from there. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The module the tests pass to `--actions`. */
export const ACTIONS_MODULE = 'test/cli/fixtures/actions.ts';

/** How a run of the command ended. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running command. */
export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The next stdout line not yet taken (rejects if the process ends first). */
  nextLine(): Promise<string>;
  /** The first stderr line matching `pattern`, seen or to come (rejects if the process ends first). */
  stderrLine(pattern: RegExp): Promise<string>;
  /** Everything, once the process has exited. */
  readonly exited: Promise<CliResult>;
}

/** The environment of the command: the test's, without the variables the command reads. */
function cliEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const dropped = new Set(['FLOWLINE_STORE', 'FLOWLINE_CONSOLE_TOKEN', 'NO_COLOR']);
  const inherited = Object.entries(process.env).filter(([name]) => !dropped.has(name));
  return { ...Object.fromEntries(inherited), ...extra };
}

/**
 * Starts `flowline …args`.
 *
 * @param args - the arguments after `flowline`
 * @param env - extra environment variables
 */
export function startCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const lines: string[] = [];
  const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
  let ended = false;
  createInterface({ input: child.stdout })
    .on('line', (line) => {
      const waiter = waiting.shift();
      if (waiter === undefined) lines.push(line);
      else waiter.resolve(line);
    })
    .on('close', () => {
      ended = true;
      for (const waiter of waiting.splice(0)) {
        waiter.reject(new Error(`flowline ${args.join(' ')} ended; stderr:\n${stderr}`));
      }
    });
  const errorLines: string[] = [];
  const watchers: { pattern: RegExp; resolve(line: string): void; reject(error: Error): void }[] =
    [];
  let errorsEnded = false;
  createInterface({ input: child.stderr })
    .on('line', (line) => {
      errorLines.push(line);
      for (const watcher of watchers.filter((w) => w.pattern.test(line))) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(line);
      }
    })
    .on('close', () => {
      errorsEnded = true;
      for (const watcher of watchers.splice(0)) {
        watcher.reject(
          new Error(`flowline ${args.join(' ')} ended before writing ${String(watcher.pattern)}`),
        );
      }
    });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  running.add(child);
  void exited.then(() => running.delete(child));
  return {
    child,
    nextLine() {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended)
        return Promise.reject(new Error(`flowline ${args.join(' ')} ended; stderr:\n${stderr}`));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    stderrLine(pattern) {
      const seen = errorLines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      if (errorsEnded) {
        return Promise.reject(
          new Error(`flowline ${args.join(' ')} ended without writing ${String(pattern)}`),
        );
      }
      return new Promise((resolve, reject) => watchers.push({ pattern, resolve, reject }));
    },
    exited,
  };
}

/** Commands still running: a test that fails while one waits must not leave it behind. */
const running = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs `flowline …args` to the end.
 *
 * @param args - the arguments after `flowline`
 * @param env - extra environment variables
 */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  return startCli(args, env).exited;
}

const directories: string[] = [];
afterAll(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-cli-'));
  directories.push(dir);
  return dir;
}

/** A SQLite store in a temporary directory. */
export interface TestStore {
  /** Its directory. */
  readonly dir: string;
  /** The database file. */
  readonly filename: string;
  /** `sqlite:<filename>`, for `--store`. */
  readonly spec: string;
  /** A started world on the store with every fixture action; close it. */
  openWorld(): Promise<World>;
  /** Runs `fn` with a started world on the store, then closes it. */
  withWorld<T>(fn: (world: World) => Promise<T>): Promise<T>;
}

/** Creates a SQLite store (with Flowline's tables) in a temporary directory. */
export async function createStore(): Promise<TestStore> {
  const dir = tempDir();
  const filename = path.join(dir, 'flowline.db');
  const openWorld = async (adapter: PersistenceAdapter = new SqliteAdapter({ filename })) => {
    const world = new World({ adapter, actions: fixtureActions, logger: silentLogger });
    await world.start();
    return world;
  };
  const store: TestStore = {
    dir,
    filename,
    spec: `sqlite:${filename}`,
    openWorld: () => openWorld(),
    async withWorld(fn) {
      const world = await openWorld();
      try {
        return await fn(world);
      } finally {
        await world.close();
      }
    },
  };
  // Creates the file and its tables.
  await store.withWorld(async () => undefined);
  return store;
}

/** Parses the command's JSON output, typed as the test expects it. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Whether the text holds a stack trace. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at /.test(text);
}
