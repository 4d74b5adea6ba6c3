import { ErrorCode, FlowlineError } from '../../errors.js';
import type { PlanRecord } from '../../plan/records.js';
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
import type { Connection } from './connection.js';
import { connect } from './connection.js';
import { GroupCommit } from './group-commit.js';
import type { ResolvedSqliteOptions, SqliteAdapterOptions } from './options.js';
import { resolveSqliteOptions } from './options.js';
import { betterSqlite3 } from '../peer-dependencies.js';
import { isForeignKeyViolation, storageError } from './sqlite-errors.js';
import { missingPlanError } from './plan-rows.js';
import { checkFlowVersionFilter, compareFlowVersions } from '../flow-version-filter.js';
import { checkFlowVersionRecords, readFlowVersionRecord } from '../flow-version-records.js';
import { checkPlanFilter } from '../plan-filter.js';
import { checkPlanInsert } from '../plan-insert.js';
import {
  checkDelayedPlanRecord,
  checkStoredPlan,
  parseStoredJson,
  readDelayedPlanRecord,
  readEventEnvelope,
  readLockRecord,
  readMessageEnvelope,
  readPlanIds,
  readPlanRecord,
  readStepLogLine,
  readWorldRecord,
  refuseUnreadable,
} from '../record-decoding.js';

/**
 * Keeps plans in a SQLite file through better-sqlite3: the embedded, durable store of a single
 * process (several processes may share the file, one writing at a time). The file uses the WAL
 * journal; with the default `synchronous: 'FULL'` every resolved write has been synced to disk.
 *
 * The database is opened, and its schema created or migrated, by {@link SqliteAdapter.start}.
 * Every driver failure is a `FlowlineError` `STORAGE_ERROR` naming the operation and the file,
 * `retryable` when the database was busy or locked.
 *
 * @example
 * ```ts
 * import { World } from 'flowline';
 * import { SqliteAdapter } from 'flowline/sqlite';
 *
 * const world = new World({ adapter: new SqliteAdapter({ filename: 'flowline.db' }), actions });
 * await world.start();
 * ```
 */
export class SqliteAdapter implements PersistenceAdapter {
  readonly #options: ResolvedSqliteOptions;
  #open: Connection | undefined;
  readonly #group = new GroupCommit(
    () => this.#open,
    (operation, error) => storageError(operation, this.filename, error),
  );

  /**
   * Checks the options; the file is not touched until {@link SqliteAdapter.start}.
   *
   * @param options - the database file and how to sync it
   * @throws FlowlineError `INVALID_ARGUMENT` when an option is missing or invalid,
   *   `MISSING_DEPENDENCY` when the package `better-sqlite3` is not installed
   */
  constructor(options: SqliteAdapterOptions) {
    this.#options = resolveSqliteOptions(options);
    betterSqlite3();
  }

  /** The database file this adapter stores plans in. */
  get filename(): string {
    return this.#options.filename;
  }

  /**
   * Opens the file (creating it when missing), switches it to WAL, and creates or migrates the
   * schema. Does nothing when already started.
   *
   * @throws FlowlineError `STORAGE_ERROR` when the file is not a SQLite database, its directory does
   *   not exist, or its schema is newer than this version of Flowline knows
   */
  async start(): Promise<void> {
    if (this.#open !== undefined) return;
    this.#open = connect(this.#options);
  }

  /** Closes the database. Does nothing when not started; `start` may open it again. */
  async close(): Promise<void> {
    const open = this.#open;
    if (open === undefined) return;
    this.#group.flush();
    this.#open = undefined;
    try {
      open.db.close();
    } catch (error) {
      throw storageError('close', this.filename, error);
    }
  }

  async write(batch: WriteBatch): Promise<void> {
    if (isEmpty(batch)) return;
    const refused = refuseUnreadable(this.#source, batch);
    if (refused !== undefined) throw refused;
    await this.#submit('write', (open) => {
      try {
        open.write.immediate([batch]);
      } catch (error) {
        if (!isForeignKeyViolation(error)) throw error;
        throw missingPlanError(open.s, batch, this.filename, error);
      }
    });
  }

  async insertPlan(insert: PlanInsert): Promise<PlanInsertResult> {
    checkPlanInsert(insert, this.#source);
    const refused = refuseUnreadable(this.#source, insert);
    if (refused !== undefined) throw refused;
    return await this.#submit('insertPlan', (open) => {
      try {
        return open.insertPlan.immediate(insert);
      } catch (error) {
        if (!isForeignKeyViolation(error)) throw error;
        throw missingPlanError(open.s, insert, this.filename, error);
      }
    });
  }

  async claimStep(claim: StepClaim): Promise<boolean> {
    return await this.#submit('claimStep', ({ s }) => {
      const { planId, stepId, at } = claim;
      return s.claimStep.run({ planId, stepId, at, from: JSON.stringify(claim.from) }).changes > 0;
    });
  }

  async loadPlan(planId: string): Promise<StoredPlan | undefined> {
    const raw = await this.#submit('loadPlan', (open) => open.loadPlan.deferred(planId));
    if (raw === undefined) return undefined;
    return checkStoredPlan(this.#source, planId, {
      plan: parseStoredJson(raw.plan),
      actions: raw.actions.map((row) => parseStoredJson(row.data, row.id)),
      steps: raw.steps.map((row) => parseStoredJson(row.data, row.id)),
    });
  }

  async findPlans(filter: PlanFilter = {}): Promise<PlanRecord[]> {
    checkPlanFilter(filter, 'findPlans');
    const rows = await this.#submit('findPlans', (open) => open.plans.find(filter));
    return rows.map((row) => readPlanRecord(this.#source, row.id, parseStoredJson(row.data), row));
  }

  async enqueueEvent(event: EventEnvelope): Promise<void> {
    await this.#submit('enqueueEvent', ({ s }) => {
      s.insertEvent.run(event.id, event.planId, event.stepId, JSON.stringify(event));
    });
  }

  async takeEvent(planId: string, stepId: number): Promise<EventEnvelope | undefined> {
    // One DELETE … RETURNING: the select and the delete are a single atomic statement.
    const row = await this.#submit('takeEvent', ({ s }) => s.takeEvent.get(planId, stepId));
    if (row === undefined) return undefined;
    return readEventEnvelope(
      this.#source,
      { planId, stepId, id: row.id },
      parseStoredJson(row.data),
    );
  }

  async dropEvents(planId: string, stepId: number): Promise<EventEnvelope[]> {
    const rows = await this.#submit('dropEvents', ({ s }) => s.dropEvents.all(planId, stepId));
    // RETURNING gives no order: restore the queue's.
    rows.sort((a, b) => a.seq - b.seq);
    return rows.map((row) =>
      readEventEnvelope(this.#source, { planId, stepId, id: row.id }, parseStoredJson(row.data)),
    );
  }

  async enqueueMessage(message: MessageEnvelope): Promise<void> {
    await this.#submit('enqueueMessage', ({ s }) => {
      s.insertMessage.run(message.id, message.planId, message.name, JSON.stringify(message));
    });
  }

  async takeMessage(planId: string, name: string): Promise<MessageEnvelope | undefined> {
    // One DELETE … RETURNING, as takeEvent: two takers never get the same message.
    const row = await this.#submit('takeMessage', ({ s }) => s.takeMessage.get(planId, name));
    if (row === undefined) return undefined;
    return readMessageEnvelope(
      this.#source,
      { planId, name, id: row.id },
      parseStoredJson(row.data),
    );
  }

  async loadDelayedPlan(planId: string): Promise<DelayedPlanRecord | undefined> {
    const row = await this.#submit('loadDelayedPlan', ({ s }) => s.selectDelayed.get(planId));
    return row === undefined
      ? undefined
      : checkDelayedPlanRecord(this.#source, planId, parseStoredJson(row.data));
  }

  async findDueDelayedPlans(dueBy: string, limit?: number): Promise<DelayedPlanRecord[]> {
    const rows = await this.#submit('findDueDelayedPlans', ({ s }) =>
      s.selectDueDelayed.all(dueBy, limit ?? -1),
    );
    return rows.map((row) =>
      readDelayedPlanRecord(this.#source, row.plan_id, parseStoredJson(row.data), {
        startAt: row.start_at,
        frozen: row.frozen === 1 ? true : row.frozen === 0 ? false : undefined,
      }),
    );
  }

  async findDependencies(planId: string): Promise<string[]> {
    const rows = await this.#submit('findDependencies', ({ s }) =>
      s.selectDependencies.all(planId),
    );
    return readPlanIds(rows.map((row) => row.id));
  }

  async findDependents(planId: string): Promise<string[]> {
    const rows = await this.#submit('findDependents', ({ s }) => s.selectDependents.all(planId));
    return readPlanIds(rows.map((row) => row.id));
  }

  async appendLogs(lines: readonly StepLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.#submit('appendLogs', (open) => open.appendLogs.immediate(lines));
  }

  async loadLogs(planId: string, stepId?: number): Promise<StepLogLine[]> {
    const rows = await this.#submit('loadLogs', ({ s }) =>
      stepId === undefined ? s.selectPlanLogs.all(planId) : s.selectStepLogs.all(planId, stepId),
    );
    return rows.map((row) =>
      readStepLogLine(this.#source, { planId, stepId: row.step_id }, parseStoredJson(row.data)),
    );
  }

  async registerWorld(world: WorldRecord): Promise<void> {
    await this.#submit('registerWorld', ({ s }) =>
      s.upsertWorld.run(world.id, world.heartbeatAt, JSON.stringify(world)),
    );
  }

  async heartbeat(worldId: string, at: string): Promise<boolean> {
    return await this.#submit(
      'heartbeat',
      ({ s }) => s.heartbeat.run({ id: worldId, at }).changes > 0,
    );
  }

  async findWorlds(): Promise<WorldRecord[]> {
    const rows = await this.#submit('findWorlds', ({ s }) => s.selectWorlds.all());
    return rows.map((row) =>
      readWorldRecord(this.#source, row.id, parseStoredJson(row.data), {
        heartbeatAt: row.heartbeat_at,
      }),
    );
  }

  async unregisterWorld(worldId: string): Promise<void> {
    await this.#submit('unregisterWorld', (open) => open.unregisterWorld.immediate(worldId));
  }

  async acquireLock(lock: LockRecord): Promise<boolean> {
    return await this.#submit(
      'acquireLock',
      ({ s }) => s.insertLock.run(lock.key, lock.ownerId, JSON.stringify(lock)).changes === 1,
    );
  }

  async releaseLock(key: string, ownerId: string): Promise<void> {
    await this.#submit('releaseLock', ({ s }) => s.deleteLock.run(key, ownerId));
  }

  async findLocks(ownerId: string): Promise<LockRecord[]> {
    const rows = await this.#submit('findLocks', ({ s }) => s.selectLocks.all(ownerId));
    return rows.map((row) =>
      readLockRecord(
        this.#source,
        { key: row.key, ownerId: row.owner_id },
        parseStoredJson(row.data),
      ),
    );
  }

  /** Upserts flow versions by (name, version) in one transaction; one bad record writes none. */
  async saveFlowVersions(records: readonly FlowVersionRecord[]): Promise<void> {
    const checked = checkFlowVersionRecords(this.#source, records);
    if (checked.length === 0) return;
    await this.#submit('saveFlowVersions', (open) => open.flowVersions.save.immediate(checked));
  }

  /** Stored flow versions by name, then version; a damaged row is listed marked `invalid`. */
  async findFlowVersions(filter?: FlowVersionFilter): Promise<FlowVersionRecord[]> {
    const checked = checkFlowVersionFilter(this.#source, filter);
    const rows = await this.#submit('findFlowVersions', (open) => open.flowVersions.find(checked));
    return rows.map((row) => readFlowVersionRecord(this.#source, row)).sort(compareFlowVersions);
  }

  /**
   * Queues `fn` for the next group commit (see group-commit.ts): it runs in call order, and its
   * promise settles once the group's transaction committed. Failures become `FlowlineError`s.
   */
  #submit<T>(operation: string, fn: (open: Connection) => T): Promise<T> {
    if (this.#open === undefined) {
      return Promise.reject(
        new FlowlineError(
          ErrorCode.STORAGE_ERROR,
          `SqliteAdapter ${operation} on ${this.filename}: the adapter is not started (call start() first)`,
        ),
      );
    }
    return this.#group.submit(operation, fn);
  }

  /** The store, as messages about its records name it. */
  get #source(): string {
    return `SqliteAdapter (${this.filename})`;
  }
}

function isEmpty(batch: WriteBatch): boolean {
  return (
    !batch.plans?.length &&
    !batch.actions?.length &&
    !batch.steps?.length &&
    !batch.delayedPlans?.length &&
    !batch.deleteDelayedPlans?.length &&
    !batch.dependencies?.length
  );
}
