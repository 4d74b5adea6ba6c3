import { pg } from '../peer-dependencies.js';
import type { Pool, QueryResult, QueryResultRow } from 'pg';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type {
  DelayedPlanRecord,
  EventEnvelope,
  FlowVersionFilter,
  FlowVersionRecord,
  LockRecord,
  MessageEnvelope,
  PersistenceAdapter,
  PlanFilter,
  PlanInsert,
  PlanInsertResult,
  StepClaim,
  StepLogLine,
  StoredPlan,
  WorldRecord,
  WriteBatch,
} from '../adapter.js';
import type { PlanRecord } from '../../plan/records.js';
import * as coordinator from './coordinator-queries.js';
import * as flowVersions from './flow-version-queries.js';
import { checkFlowVersionFilter, compareFlowVersions } from '../flow-version-filter.js';
import { checkFlowVersionRecords, readFlowVersionRecord } from '../flow-version-records.js';
import * as messages from './message-queries.js';
import { migrate } from './migrations.js';
import type { PostgresAdapterOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import * as plans from './plan-queries.js';
import * as queues from './queue-queries.js';
import type { Db } from './sql.js';
import { preparedName, tablesIn } from './sql.js';
import { storageError } from './storage-error.js';
import { PostgresGroupCommit } from './group-commit.js';
import { refuseUnreadable } from '../record-decoding.js';
import { checkPlanInsert } from '../plan-insert.js';
import { insertPlan } from './write-batch.js';

/**
 * Keeps plans in PostgreSQL, so that several processes can share them (DESIGN §5). `start()`
 * creates the schema (default `flowline`) and applies any missing migrations; concurrent starts
 * are safe (one transaction under an advisory lock). Every other method is one statement, atomic
 * on its own — `write(batch)` included; concurrent writes and claims are grouped into shared
 * statements (group commit).
 *
 * Driver failures surface as FlowlineError `STORAGE_ERROR` naming the operation, with `cause` and
 * `retryable` (true for dropped connections, deadlocks and serialization failures).
 *
 * @example
 * ```ts
 * import { World } from 'flowline';
 * import { PostgresAdapter } from 'flowline/postgres';
 *
 * const world = new World({
 *   adapter: new PostgresAdapter({ connectionString: process.env.DATABASE_URL! }),
 *   actions: [CreateMachine],
 * });
 * await world.start();
 * ```
 */
export class PostgresAdapter implements PersistenceAdapter {
  /** The schema holding Flowline's tables. */
  readonly schema: string;
  readonly #options: ResolvedOptions;
  readonly #db: Db;
  readonly #group: PostgresGroupCommit;
  /** Set while started. */
  #pool: Pool | undefined;
  #starting: Promise<void> | undefined;

  /**
   * @param options - a `connectionString` (the adapter owns a pool and ends it on `close()`) or an
   *   application's `pool` (never ended by the adapter), and optionally the `schema`
   * @throws FlowlineError `INVALID_ARGUMENT` when the options are not valid, `MISSING_DEPENDENCY`
   *   when the adapter is to create its pool and the package `pg` is not installed
   */
  constructor(options: PostgresAdapterOptions) {
    this.#options = resolveOptions(options);
    if (this.#options.kind === 'connection') pg();
    this.schema = this.#options.schema;
    this.#db = {
      tables: tablesIn(this.schema),
      source: `PostgresAdapter (schema ${this.schema})`,
      query: (operation, text, values) => this.#query(operation, text, values),
    };
    this.#group = new PostgresGroupCommit(this.#db);
  }

  /**
   * Connects and migrates the schema. Fails with a clear `STORAGE_ERROR` when the login is refused,
   * the server cannot be reached (within `connectionTimeoutMillis`), or the schema was migrated by
   * a newer Flowline. Calling it again while started does nothing.
   */
  async start(): Promise<void> {
    if (this.#pool !== undefined) return;
    this.#starting ??= this.#open().finally(() => {
      this.#starting = undefined;
    });
    await this.#starting;
  }

  /** Ends the pool the adapter created (an application's pool stays open). Safe to call twice. */
  async close(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    // Queued writes and claims are sent before the pool ends.
    await this.#group.idle();
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool === undefined || this.#options.kind === 'pool') return;
    await pool.end().catch((error: unknown) => {
      throw storageError('close', error);
    });
  }

  async #open(): Promise<void> {
    const options = this.#options;
    const pool = options.kind === 'pool' ? options.pool : createPool(options);
    try {
      await migrate(pool, this.schema);
    } catch (error) {
      if (options.kind === 'connection') await pool.end().catch(() => undefined);
      throw error;
    }
    this.#pool = pool;
  }

  async #query<R extends QueryResultRow>(
    operation: string,
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    const pool = this.#pool;
    if (pool === undefined) {
      throw new FlowlineError(
        ErrorCode.STORAGE_ERROR,
        `postgres adapter: ${operation} called while the adapter is not started`,
      );
    }
    try {
      const name = preparedName(text);
      return await pool.query<R>(
        name === undefined
          ? { text, values: values as unknown[] | undefined }
          : { name, text, values: values as unknown[] | undefined },
      );
    } catch (error) {
      throw storageError(operation, error);
    }
  }

  /**
   * Applies every write of the batch in one statement: all of it or nothing. Batches written while
   * the previous write is on its way share the next statement (group commit, see group-commit.ts);
   * each resolves once its statement committed.
   */
  write(batch: WriteBatch): Promise<void> {
    const refused = refuseUnreadable(this.#db.source, batch);
    return refused === undefined ? this.#group.write(batch) : Promise.reject(refused);
  }

  /**
   * Inserts a new plan unless a stored plan holds its id or idempotency key, in one statement of
   * its own (not grouped): of racing callers in any number of processes, exactly one inserts.
   */
  async insertPlan(insert: PlanInsert): Promise<PlanInsertResult> {
    checkPlanInsert(insert, this.#db.source);
    const refused = refuseUnreadable(this.#db.source, insert);
    if (refused !== undefined) throw refused;
    return insertPlan(this.#db, insert);
  }

  /**
   * Moves a step to `running` if its state is one of `claim.from`; one caller wins. Claims made
   * while the previous one is on its way share the next statement.
   */
  claimStep(claim: StepClaim): Promise<boolean> {
    return this.#group.claim(claim);
  }

  /** A plan with its actions and steps; FlowlineError `INVALID_PLAN` if a row is damaged. */
  loadPlan(planId: string): Promise<StoredPlan | undefined> {
    return this.#group.loadPlan(planId);
  }

  /** Plan records matching the filter, newest first; a damaged row is listed marked `invalid`. */
  findPlans(filter?: PlanFilter): Promise<PlanRecord[]> {
    return plans.findPlans(this.#db, filter);
  }

  /** Queues an event for a step, committed when the promise resolves. */
  enqueueEvent(event: EventEnvelope): Promise<void> {
    return queues.enqueueEvent(this.#db, event);
  }

  /** Removes and returns the oldest event queued for a step. */
  takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined> {
    return queues.takeEvent(this.#db, planId, stepId);
  }

  /** Removes every event queued for a step and returns them. */
  dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]> {
    return queues.dropEvents(this.#db, planId, stepId);
  }

  /** Keeps a message sent to a plan by name, committed when the promise resolves. */
  enqueueMessage(message: MessageEnvelope): Promise<void> {
    return messages.enqueueMessage(this.#db, message);
  }

  /** Removes and returns the oldest message kept for a plan and name. */
  takeMessage(planId: string, name: string): Promise<MessageEnvelope | undefined> {
    return messages.takeMessage(this.#db, planId, name);
  }

  /** The delayed-plan record of a plan, or `undefined`. */
  loadDelayedPlan(planId: string): Promise<DelayedPlanRecord | undefined> {
    return queues.loadDelayedPlan(this.#db, planId);
  }

  /** Unfrozen delayed plans due by `dueBy`, oldest first. */
  findDueDelayedPlans(dueBy: string, limit?: number): Promise<DelayedPlanRecord[]> {
    return queues.findDueDelayedPlans(this.#db, dueBy, limit);
  }

  /** The plans `planId` waits for. */
  findDependencies(planId: string): Promise<string[]> {
    return queues.findDependencies(this.#db, planId);
  }

  /** The plans waiting for `planId`. */
  findDependents(planId: string): Promise<string[]> {
    return queues.findDependents(this.#db, planId);
  }

  /** Appends log lines, in order. */
  appendLogs(lines: readonly StepLogLine[]): Promise<void> {
    return queues.appendLogs(this.#db, lines);
  }

  /** The log lines of a plan (of one step when `stepId` is given), in the order written. */
  loadLogs(planId: string, stepId?: number): Promise<StepLogLine[]> {
    return queues.loadLogs(this.#db, planId, stepId);
  }

  /** Inserts or replaces a world record. */
  registerWorld(world: WorldRecord): Promise<void> {
    return coordinator.registerWorld(this.#db, world);
  }

  /** Records a heartbeat; `false` when the world is no longer registered. */
  heartbeat(worldId: string, at: string): Promise<boolean> {
    return coordinator.heartbeat(this.#db, worldId, at);
  }

  /** Every registered world. */
  findWorlds(): Promise<WorldRecord[]> {
    return coordinator.findWorlds(this.#db);
  }

  /** Removes a world record and releases its locks, atomically. */
  unregisterWorld(worldId: string): Promise<void> {
    return coordinator.unregisterWorld(this.#db, worldId);
  }

  /** Takes a lock if nobody holds its key. */
  acquireLock(lock: LockRecord): Promise<boolean> {
    return this.#group.acquireLock(lock);
  }

  /** Releases a lock if `ownerId` holds it. */
  releaseLock(key: string, ownerId: string): Promise<void> {
    return this.#group.releaseLock(key, ownerId);
  }

  /** Locks held by a world. */
  findLocks(ownerId: string): Promise<LockRecord[]> {
    return coordinator.findLocks(this.#db, ownerId);
  }

  /** Upserts flow versions by (name, version) in one statement; one bad record writes none. */
  async saveFlowVersions(records: readonly FlowVersionRecord[]): Promise<void> {
    await flowVersions.saveFlowVersions(
      this.#db,
      checkFlowVersionRecords(this.#db.source, records),
    );
  }

  /** Stored flow versions by name, then version; a damaged row is listed marked `invalid`. */
  async findFlowVersions(filter?: FlowVersionFilter): Promise<FlowVersionRecord[]> {
    const checked = checkFlowVersionFilter(this.#db.source, filter);
    const rows = await flowVersions.findFlowVersions(this.#db, checked);
    return rows.map((row) => readFlowVersionRecord(this.#db.source, row)).sort(compareFlowVersions);
  }
}

function createPool(options: Extract<ResolvedOptions, { kind: 'connection' }>): Pool {
  const pool = new (pg().Pool)({
    connectionString: options.connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectionTimeoutMillis,
    application_name: 'flowline',
  });
  // An idle connection that breaks (server restart, DROP DATABASE) is reported here; without a
  // listener it would crash the process. The pool drops it and the next query gets a new one.
  pool.on('error', () => undefined);
  return pool;
}
