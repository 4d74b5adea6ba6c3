import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { betterSqlite3 } from '../peer-dependencies.js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { PlanInsert, PlanInsertResult, StepLogLine, WriteBatch } from '../adapter.js';
import { idempotencyKeyColumn } from '../plan-insert.js';
import { migrate } from './migrations.js';
import type { ResolvedSqliteOptions } from './options.js';
import { FlowVersionRows } from './flow-version-rows.js';
import { applyBatch, PlanQueries } from './plan-rows.js';
import { openError, storageError } from './sqlite-errors.js';
import type { IdDataRow, Statements } from './statements.js';
import { prepareStatements } from './statements.js';

/** The stored rows of one plan, read in one transaction. */
export interface PlanRows {
  readonly plan: string;
  readonly actions: readonly IdDataRow[];
  readonly steps: readonly IdDataRow[];
}

/**
 * An open, migrated database with everything prepared once: the statements, the `findPlans`
 * queries and the transactions the adapter runs. Lives from `start()` to `close()`.
 */
export interface Connection {
  readonly db: Database.Database;
  readonly s: Statements;
  readonly plans: PlanQueries;
  /** The flow-version table (`saveFlowVersions`, `findFlowVersions`). */
  readonly flowVersions: FlowVersionRows;
  /** Applies batches in order, in one transaction (a group of batches commits together). */
  readonly write: Database.Transaction<(batches: readonly WriteBatch[]) => void>;
  /**
   * Inserts a new plan unless a stored plan holds its id or key: the look-up and the insert in one
   * transaction (IMMEDIATE, so other processes on the file wait for it).
   */
  readonly insertPlan: Database.Transaction<(insert: PlanInsert) => PlanInsertResult>;
  /** Reads a plan's rows from one snapshot. */
  readonly loadPlan: Database.Transaction<(planId: string) => PlanRows | undefined>;
  readonly appendLogs: Database.Transaction<(lines: readonly StepLogLine[]) => void>;
  /** Removes a world and its locks together. */
  readonly unregisterWorld: Database.Transaction<(worldId: string) => void>;
  /**
   * Throws `STORAGE_ERROR` when the database file was deleted or replaced since it was opened:
   * SQLite would go on writing to the unlinked file, and everything written would be lost.
   */
  readonly checkFile: () => void;
  /** `BEGIN IMMEDIATE`, `COMMIT` and `ROLLBACK`, for the group commit's own transaction. */
  readonly begin: Database.Statement;
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;
}

/**
 * Opens and migrates the database and prepares the {@link Connection}.
 *
 * @param options - the adapter's validated options
 * @throws FlowlineError `STORAGE_ERROR` when the file cannot be opened or used
 */
export function connect(options: ResolvedSqliteOptions): Connection {
  const db = openDatabase(options);
  try {
    const s = prepareStatements(db);
    return {
      db,
      s,
      plans: new PlanQueries(db),
      flowVersions: new FlowVersionRows(db),
      write: db.transaction((batches: readonly WriteBatch[]) => {
        for (const batch of batches) applyBatch(s, batch);
      }),
      insertPlan: db.transaction((insert: PlanInsert): PlanInsertResult => {
        const [plan] = insert.plans;
        const holder = s.planHolding.get({ id: plan.id, key: idempotencyKeyColumn(plan) });
        if (holder !== undefined) {
          const conflict = holder.by_id === 1 ? 'id' : 'idempotencyKey';
          return { inserted: false, existingId: holder.id, conflict };
        }
        applyBatch(s, insert);
        return { inserted: true };
      }),
      loadPlan: db.transaction((planId: string): PlanRows | undefined => {
        const plan = s.selectPlan.get(planId);
        if (plan === undefined) return undefined;
        return {
          plan: plan.data,
          actions: s.selectActions.all(planId),
          steps: s.selectSteps.all(planId),
        };
      }),
      appendLogs: db.transaction((lines: readonly StepLogLine[]) => {
        for (const line of lines) s.insertLog.run(line.planId, line.stepId, JSON.stringify(line));
      }),
      unregisterWorld: db.transaction((worldId: string) => {
        s.deleteWorld.run(worldId);
        s.deleteLocksOf.run(worldId);
      }),
      checkFile: fileWatch(options.filename),
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
  } catch (error) {
    db.close();
    throw storageError('start', options.filename, error);
  }
}

/**
 * Opens the database file, sets it up (WAL journal, `synchronous`, foreign keys, busy timeout) and
 * brings its schema up to date. On any failure the connection is closed again and a
 * `FlowlineError` saying what is wrong with the file is thrown.
 *
 * @param options - the adapter's validated options
 */
export function openDatabase(options: ResolvedSqliteOptions): Database.Database {
  const { filename, synchronous, busyTimeoutMs } = options;
  checkDirectory(filename);
  let db: Database.Database;
  try {
    db = new (betterSqlite3())(filename, { timeout: busyTimeoutMs });
  } catch (error) {
    throw openError(filename, error);
  }
  try {
    // The first statement reads the file header: a file that is not a database fails here.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (!db.memory && mode !== 'wal') {
      throw new FlowlineError(
        ErrorCode.STORAGE_ERROR,
        `SqliteAdapter: cannot open ${filename}: SQLite refused the WAL journal mode (it kept ` +
          `${String(mode)}); the file system may not support it`,
      );
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    migrate(db, filename);
    return db;
  } catch (error) {
    db.close();
    throw openError(filename, error);
  }
}

/**
 * A check that the database file is still the one opened (same device and inode). Nothing to check
 * for an in-memory database or a `file:` URI.
 */
function fileWatch(filename: string): () => void {
  if (filename === ':memory:' || filename.startsWith('file:')) return () => undefined;
  const opened = statSync(filename, { throwIfNoEntry: false });
  if (opened === undefined) return () => undefined;
  let lost: FlowlineError | undefined;
  return () => {
    if (lost !== undefined) throw lost;
    const now = statSync(filename, { throwIfNoEntry: false });
    if (now !== undefined && now.ino === opened.ino && now.dev === opened.dev) return;
    lost = new FlowlineError(
      ErrorCode.STORAGE_ERROR,
      `SqliteAdapter: the database file ${filename} was ${now === undefined ? 'deleted' : 'replaced'} ` +
        'while it was open; nothing more is written to it (it would be lost). Restore the file, ' +
        'or start the world again on a new one.',
    );
    throw lost;
  };
}

/** Throws a clear error when the directory of a file database does not exist. */
function checkDirectory(filename: string): void {
  if (filename === ':memory:' || filename.startsWith('file:')) return;
  const directory = dirname(resolve(filename));
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new FlowlineError(
      ErrorCode.STORAGE_ERROR,
      `SqliteAdapter: cannot open ${filename}: the directory ${directory} does not exist`,
    );
  }
}
