/**
 * The durable stores the bench runs Flowline on, each opened fresh for one measurement and removed
 * afterwards: SQLite (a new file in a new temporary directory) and PostgreSQL (a new schema).
 */
import { join } from 'node:path';
import type { PersistenceAdapter } from '../src/index.js';
import { PostgresAdapter } from '../src/persistence/postgres/index.js';
import { SqliteAdapter } from '../src/persistence/sqlite/index.js';
import type { PgServer } from './pg-server.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

/** A fresh, empty store, and how to remove it once its world is closed. */
export interface OpenedStore {
  readonly adapter: PersistenceAdapter;
  readonly remove: () => Promise<void>;
}

/** A kind of store, by name. */
export interface Store {
  readonly label: string;
  open(): Promise<OpenedStore>;
}

/** SQLite with the given `synchronous` setting, one new file per measurement. */
export function sqliteStore(synchronous: 'FULL' | 'NORMAL'): Store {
  return {
    label: `SQLite ${synchronous}`,
    async open() {
      const dir = await makeTempDir('sqlite');
      return {
        adapter: new SqliteAdapter({ filename: join(dir, 'bench.db'), synchronous }),
        remove: () => removeTempDir(dir),
      };
    },
  };
}

let schemas = 0;

/** PostgreSQL on `server`, one new schema per measurement (dropped afterwards). */
export function postgresStore(server: PgServer): Store {
  return {
    label: 'PostgreSQL',
    async open() {
      const schema = `flowline_bench_${process.pid}_${++schemas}`;
      return {
        adapter: new PostgresAdapter({ connectionString: server.url(), schema }),
        remove: () => server.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
      };
    },
  };
}
