/**
 * The storage drivers are loaded on first use, and a driver that cannot be loaded is a
 * FlowlineError MISSING_DEPENDENCY saying what to do (the built package's test covers a real
 * consumer project without them; here the loader is replaced to cover each kind of failure).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/index.js';
import { setPeerLoader } from '../../src/persistence/peer-dependencies.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- x.js`), {
    code: 'MODULE_NOT_FOUND',
  });
}

function caught(fn: () => unknown): FlowlineError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    return error as FlowlineError;
  }
  throw new Error('expected a FlowlineError');
}

afterEach(() => {
  setPeerLoader(undefined);
});

describe('optional storage drivers', () => {
  it('a SqliteAdapter without better-sqlite3 says to install it', () => {
    setPeerLoader((name) => {
      throw notFound(name);
    });
    const error = caught(() => new SqliteAdapter({ filename: 'x.db' }));
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.message).toBe(
      'flowline/sqlite (SqliteAdapter) needs the package better-sqlite3, which is not installed: ' +
        'run npm install better-sqlite3',
    );
  });

  it('a driver that is installed but broken is named, with the loader’s reason', () => {
    setPeerLoader(() => {
      throw Object.assign(new Error("Cannot find module 'bindings'"), { code: 'MODULE_NOT_FOUND' });
    });
    const error = caught(() => new PostgresAdapter({ connectionString: 'postgres://h/db' }));
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.message).toMatch(
      /needs the package pg, which is installed but could not be loaded \(Cannot find module 'bindings'\); reinstall it/,
    );
    expect((error.cause as Error).message).toBe("Cannot find module 'bindings'");
  });

  it('loads the real drivers once they are installed', () => {
    expect(() => new SqliteAdapter({ filename: 'x.db' })).not.toThrow();
    expect(() => new PostgresAdapter({ connectionString: 'postgres://h/db' })).not.toThrow();
  });
});
