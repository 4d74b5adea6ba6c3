/**
 * Group commit for the SQLite adapter. With `synchronous = FULL` every commit waits for an fsync
 * (~0.2 ms), so one transaction per step would cap a process at a few thousand durable steps a
 * second. Instead, every operation called in the same turn of the event loop is queued and run, in
 * call order, inside ONE transaction when the loop next checks for I/O (`setImmediate`); each
 * caller's promise settles only after that transaction has committed. Nothing is reported done
 * before it is durable (DESIGN §4), and the calls still take effect in the order they were made.
 *
 * Each operation stays atomic on its own: multi-statement operations are better-sqlite3 transaction
 * functions, which become savepoints inside the group's transaction, and a single statement that
 * fails undoes only itself. An operation that fails is rejected while the others commit. When SQLite
 * itself rolls the whole transaction back (disk full, I/O error), or the commit fails, every
 * operation of the group is rejected: none of them was committed.
 */
import type { Connection } from './connection.js';

/** One queued call: what to run and how to settle its caller. */
interface Job {
  readonly operation: string;
  readonly fn: (open: Connection) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What a job produced inside the group's transaction. */
type Settled =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Queues operations and commits each turn's worth of them together. */
export class GroupCommit {
  #pending: Job[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  /**
   * @param connection - the open database, or `undefined` once the adapter is closed
   * @param wrapError - turns a driver failure of an operation into the adapter's error
   */
  constructor(
    private readonly connection: () => Connection | undefined,
    private readonly wrapError: (operation: string, error: unknown) => Error,
  ) {}

  /**
   * Queues `fn` to run in the next group and resolves with its result once the group committed.
   *
   * @param operation - the adapter method, for error messages
   * @param fn - the statements to run; must be synchronous
   */
  submit<T>(operation: string, fn: (open: Connection) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({
        operation,
        fn,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.#scheduled ??= setImmediate(() => {
        this.#scheduled = undefined;
        this.flush();
      });
    });
  }

  /** Runs and commits every queued operation now (`close()` calls it before closing the file). */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    const jobs = this.#pending;
    if (jobs.length === 0) return;
    this.#pending = [];
    const open = this.connection();
    if (open === undefined) {
      const error = new Error('the adapter was closed before the operation ran');
      for (const job of jobs) job.reject(this.wrapError(job.operation, error));
      return;
    }
    try {
      open.checkFile();
    } catch (error) {
      for (const job of jobs) job.reject(this.wrapError(job.operation, error));
      return;
    }
    const results = jobs.length === 1 ? [settle(open, jobs[0] as Job)] : this.#runGroup(open, jobs);
    results.forEach((result, i) => {
      const job = jobs[i] as Job;
      if (result.ok) job.resolve(result.value);
      else job.reject(this.wrapError(job.operation, result.error));
    });
  }

  /** Runs the jobs in one immediate transaction; see the module comment for failures. */
  #runGroup(open: Connection, jobs: readonly Job[]): Settled[] {
    const { db } = open;
    const results: Settled[] = [];
    try {
      open.begin.run();
    } catch (error) {
      return jobs.map(() => ({ ok: false, error }));
    }
    for (const job of jobs) {
      const result = settle(open, job);
      if (!result.ok && !db.inTransaction) {
        // SQLite rolled the whole transaction back: nothing of this group is committed.
        return jobs.map(() => result);
      }
      results.push(result);
    }
    try {
      open.commit.run();
    } catch (error) {
      if (db.inTransaction) open.rollback.run();
      return jobs.map(() => ({ ok: false, error }));
    }
    return results;
  }
}

function settle(open: Connection, job: Job): Settled {
  try {
    return { ok: true, value: job.fn(open) };
  } catch (error) {
    return { ok: false, error };
  }
}
