import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type Pg from 'pg';
import { ErrorCode, FlowlineError } from '../errors.js';

/**
 * The storage drivers are optional peer dependencies: `flowline/sqlite` needs `better-sqlite3`,
 * `flowline/postgres` needs `pg`. They are loaded here, on first use (an adapter's constructor),
 * never when the entry point is imported, so that a missing one is a {@link FlowlineError}
 * `MISSING_DEPENDENCY` saying what to install instead of the module loader's "Cannot find module"
 * thrown at import. Both drivers are CommonJS packages: a synchronous `require` loads them, from
 * this file's location as an `import` would (the CommonJS build gets `import.meta.url` from tsup's
 * shim).
 */

/** Loads a module by name; replaced in tests to simulate a missing package. @internal */
export type ModuleLoader = (name: string) => unknown;

let loader: ModuleLoader | undefined;
const loaded = new Map<string, unknown>();

function defaultLoader(): ModuleLoader {
  return (loader ??= createRequire(import.meta.url));
}

/**
 * Replaces the module loader (tests only); `undefined` restores Node's. Forgets what was loaded.
 *
 * @internal
 */
export function setPeerLoader(replacement: ModuleLoader | undefined): void {
  loader = replacement;
  loaded.clear();
}

/**
 * The module `name`, which the entry point `entry` needs; loaded once.
 *
 * @throws FlowlineError `MISSING_DEPENDENCY` naming the package and the command that installs it
 *   (or, when it is installed but cannot be loaded, what went wrong)
 * @internal
 */
export function loadPeer(name: string, entry: string): unknown {
  if (loaded.has(name)) return loaded.get(name);
  let module: unknown;
  try {
    module = defaultLoader()(name);
  } catch (error) {
    throw peerError(name, entry, error);
  }
  loaded.set(name, module);
  return module;
}

function peerError(name: string, entry: string, error: unknown): FlowlineError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // Only the package itself missing: a module missing inside it is a broken installation.
  const missing =
    code === 'MODULE_NOT_FOUND' && message.includes(`'${name}'`) && !message.includes(`'${name}/`);
  return new FlowlineError(
    ErrorCode.MISSING_DEPENDENCY,
    missing
      ? `${entry} needs the package ${name}, which is not installed: run npm install ${name}`
      : `${entry} needs the package ${name}, which is installed but could not be loaded ` +
          `(${message}); reinstall it (npm rebuild ${name}, or npm install ${name})`,
    { cause: error },
  );
}

/** `better-sqlite3`'s `Database` class, for `flowline/sqlite`. @internal */
export function betterSqlite3(): typeof BetterSqlite3 {
  return loadPeer('better-sqlite3', 'flowline/sqlite (SqliteAdapter)') as typeof BetterSqlite3;
}

/** The `pg` module, for `flowline/postgres` when it creates its own pool. @internal */
export function pg(): typeof Pg {
  return loadPeer('pg', 'flowline/postgres (PostgresAdapter)') as typeof Pg;
}
