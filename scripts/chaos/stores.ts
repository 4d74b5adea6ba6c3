/**
 * The two stores a chaos run uses, each with its outage:
 *
 * - SQLite: a real file in the run's directory. Outage: another process (the parent) holds the
 *   database's write lock (`BEGIN IMMEDIATE`) for a while, as a backup or a stray `sqlite3` shell
 *   would; the world's writes wait out SQLite's busy timeout (5 s by default) and then fail with
 *   SQLITE_BUSY. (Making the file read-only does nothing to a connection already open, and as root
 *   nothing at all; a full disk cannot be made without privileges.)
 * - PostgreSQL: a schema on the run's own embedded server. Outage: the server is stopped (fast
 *   shutdown, connections cut) and started again.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChaosPgServer } from './postgres-server.js';
import { startChaosPgServer } from './postgres-server.js';
import type { StoreSpec } from './store-spec.js';

/** The kinds of store a chaos run knows. */
export type StoreKind = 'sqlite' | 'postgres';

/** A store for one chaos run, with its outage. */
export interface ChaosStore {
  readonly kind: StoreKind;
  /** `SQLite` or `PostgreSQL`. */
  readonly label: string;
  /** What every life opens. */
  readonly spec: StoreSpec;
  /** What the outage does, for the report. */
  readonly outageLabel: string;
  /** Makes the store unavailable for `ms`, then available again. */
  outage(ms: number): Promise<void>;
  /** Stops what the store runs (the server). */
  close(): Promise<void>;
}

/** A SQLite file in `dir`. */
export function sqliteStore(dir: string): ChaosStore {
  const filename = join(dir, 'chaos.db');
  return {
    kind: 'sqlite',
    label: 'SQLite',
    spec: { kind: 'sqlite', filename },
    outageLabel: 'write lock held by another process',
    async outage(ms) {
      const db = new Database(filename);
      try {
        db.pragma('busy_timeout = 30000');
        db.exec('BEGIN IMMEDIATE');
        await delay(ms);
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
    close: async () => undefined,
  };
}

/** A schema on a new embedded PostgreSQL server with its data in `dir`. */
export async function postgresStore(dir: string): Promise<ChaosStore> {
  const server: ChaosPgServer = await startChaosPgServer(dir);
  return {
    kind: 'postgres',
    label: 'PostgreSQL',
    spec: { kind: 'postgres', url: server.url, schema: 'flowline_chaos' },
    outageLabel: 'server stopped and started again',
    async outage(ms) {
      await server.stop();
      try {
        await delay(ms);
      } finally {
        await server.start();
      }
    },
    close: () => server.stop(),
  };
}
