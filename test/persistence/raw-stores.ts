/**
 * The three stores as a hostile user sees them: the adapter the engine uses, plus a way to write any
 * row as it is, bypassing the adapter (SQL on a real SQLite file, SQL on the embedded PostgreSQL
 * server, the memory adapter's own `write` for the records it accepts). Tests damage records with
 * it and check that nothing worse than a typed error, or a record marked invalid, comes back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PersistenceAdapter } from '../../src/persistence/adapter.js';
import { MemoryAdapter } from '../../src/persistence/memory-adapter.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { uniqueName } from '../helpers/postgres.js';

/** A stored value: JSON, or (SQLite only) any text, e.g. truncated JSON. */
export type RawData = { readonly json: unknown } | { readonly text: string };

/** The tables of plan records. */
export type PlanTable = 'plan' | 'action' | 'step';

/** One store, fresh and empty, with raw access to its rows. */
export interface RawStore {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** An adapter on this store, not started (memory: always the same instance). */
  adapter(): PersistenceAdapter;
  /** Whether the store can hold `data` at all (text only in SQLite; JSON objects only in memory). */
  holds(data: RawData): boolean;
  /** Replaces the stored record (plan: `id` is ignored) by `data`. */
  replace(table: PlanTable, planId: string, id: number, data: RawData): Promise<void>;
  /** Queues an event row for a step. */
  insertEvent(planId: string, stepId: number, data: RawData): Promise<void>;
  /** Registers a world row whose heartbeat column says `heartbeatAt`. */
  insertWorld(id: string, heartbeatAt: string, data: RawData): Promise<void>;
  /** Adds a lock row. */
  insertLock(key: string, ownerId: string, planId: string | null, data: RawData): Promise<void>;
  /** Replaces a plan's delayed-plan row (`startAt` is its column). */
  replaceDelayed(planId: string, startAt: string, data: RawData): Promise<void>;
  /** Appends a log line row. */
  insertLog(planId: string, stepId: number, data: RawData): Promise<void>;
  /** Adds a dependency row whose `depends_on` is `dependsOn` as it is (SQLite and memory). */
  insertDependency(planId: string, dependsOn: unknown): Promise<void>;
  /** Removes what the store left behind. */
  dispose(): Promise<void>;
}

const textOf = (data: RawData): string => ('text' in data ? data.text : JSON.stringify(data.json));
const isObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A memory store: rows are written through the adapter itself, which keeps records as written. */
export function memoryStore(): RawStore {
  const adapter = new MemoryAdapter();
  const json = (data: RawData): never => {
    if ('json' in data) return data.json as never;
    throw new Error('the memory store holds no text');
  };
  return {
    kind: 'memory',
    adapter: () => adapter,
    holds: (data) => 'json' in data && isObject(data.json),
    async replace(table, planId, _id, data) {
      if (table === 'plan') await adapter.write({ plans: [json(data)] });
      else if (table === 'action')
        await adapter.write({ actions: [{ planId, record: json(data) }] });
      else await adapter.write({ steps: [{ planId, record: json(data) }] });
    },
    async insertEvent(_planId, _stepId, data) {
      await adapter.enqueueEvent(json(data));
    },
    async insertWorld(_id, _heartbeatAt, data) {
      await adapter.registerWorld(json(data));
    },
    async insertLock(_key, _ownerId, _planId, data) {
      await adapter.acquireLock(json(data));
    },
    async replaceDelayed(_planId, _startAt, data) {
      await adapter.write({ delayedPlans: [json(data)] });
    },
    async insertLog(_planId, _stepId, data) {
      await adapter.appendLogs([json(data)]);
    },
    async insertDependency(planId, dependsOn) {
      await adapter.write({ dependencies: [{ planId, dependsOn: dependsOn as string }] });
    },
    async dispose() {},
  };
}

/** A SQLite file in a temp directory: rows are written with SQL on a connection of its own. */
export function sqliteStore(): RawStore {
  const dir = mkdtempSync(join(tmpdir(), 'flowline-raw-'));
  const filename = join(dir, 'store.db');
  // A connection of its own, opened once the adapter has created the tables.
  let raw: Database.Database | undefined;
  const sql = (text: string, ...params: unknown[]): void => {
    raw ??= new Database(filename);
    raw.prepare(text).run(...params);
  };
  const tables = { plan: 'flowline_plans', action: 'flowline_actions', step: 'flowline_steps' };
  return {
    kind: 'sqlite',
    adapter: () => new SqliteAdapter({ filename, synchronous: 'NORMAL' }),
    holds: () => true,
    async replace(table, planId, id, data) {
      if (table === 'plan')
        sql(`UPDATE ${tables.plan} SET data = ? WHERE id = ?`, textOf(data), planId);
      else
        sql(
          `UPDATE ${tables[table]} SET data = ? WHERE plan_id = ? AND id = ?`,
          textOf(data),
          planId,
          id,
        );
    },
    async insertEvent(planId, stepId, data) {
      sql(
        'INSERT INTO flowline_events (id, plan_id, step_id, data) VALUES (?, ?, ?, ?)',
        uniqueName('raw'),
        planId,
        stepId,
        textOf(data),
      );
    },
    async insertWorld(id, heartbeatAt, data) {
      sql(
        'INSERT INTO flowline_worlds (id, heartbeat_at, data) VALUES (?, ?, ?)',
        id,
        heartbeatAt,
        textOf(data),
      );
    },
    async insertLock(key, ownerId, _planId, data) {
      sql(
        'INSERT INTO flowline_locks (key, owner_id, data) VALUES (?, ?, ?)',
        key,
        ownerId,
        textOf(data),
      );
    },
    async replaceDelayed(planId, startAt, data) {
      sql(
        `INSERT INTO flowline_delayed_plans (plan_id, start_at, frozen, data) VALUES (?, ?, 0, ?)
         ON CONFLICT (plan_id) DO UPDATE SET start_at = excluded.start_at, data = excluded.data`,
        planId,
        startAt,
        textOf(data),
      );
    },
    async insertLog(planId, stepId, data) {
      sql(
        'INSERT INTO flowline_step_logs (plan_id, step_id, data) VALUES (?, ?, ?)',
        planId,
        stepId,
        textOf(data),
      );
    },
    async insertDependency(planId, dependsOn) {
      sql(
        'INSERT INTO flowline_plan_dependencies (plan_id, depends_on) VALUES (?, ?)',
        planId,
        dependsOn,
      );
    },
    async dispose() {
      raw?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own on the test database: rows are written with SQL (jsonb holds only JSON). */
export function postgresStore(db: TestDatabase): RawStore {
  const schema = db.freshSchema();
  const t = (table: string): string => `"${schema}".${table}`;
  const jsonb = (data: RawData): string => {
    if ('text' in data) throw new Error('PostgreSQL holds no text that is not JSON');
    return JSON.stringify(data.json);
  };
  const tables = { plan: 'plans', action: 'actions', step: 'steps' };
  return {
    kind: 'postgres',
    adapter: () => new PostgresAdapter({ connectionString: db.url, schema }),
    // jsonb refuses NUL characters anywhere, and text that is not JSON.
    holds: (data) => 'json' in data && !JSON.stringify(data.json).includes('\\u0000'),
    async replace(table, planId, id, data) {
      if (table === 'plan') {
        await db.query(`UPDATE ${t('plans')} SET data = $1::jsonb WHERE id = $2`, [
          jsonb(data),
          planId,
        ]);
      } else {
        await db.query(
          `UPDATE ${t(tables[table])} SET data = $1::jsonb WHERE plan_id = $2 AND id = $3`,
          [jsonb(data), planId, id],
        );
      }
    },
    async insertEvent(planId, stepId, data) {
      await db.query(
        `INSERT INTO ${t('events')} (plan_id, step_id, data) VALUES ($1, $2, $3::jsonb)`,
        [planId, stepId, jsonb(data)],
      );
    },
    async insertWorld(id, heartbeatAt, data) {
      await db.query(
        `INSERT INTO ${t('worlds')} (id, heartbeat_at, data) VALUES ($1, $2, $3::jsonb)`,
        [id, heartbeatAt, jsonb(data)],
      );
    },
    async insertLock(key, ownerId, planId, data) {
      await db.query(
        `INSERT INTO ${t('locks')} (key, owner_id, plan_id, acquired_at, data) VALUES ($1, $2, $3, '', $4::jsonb)`,
        [key, ownerId, planId, jsonb(data)],
      );
    },
    async replaceDelayed(planId, startAt, data) {
      await db.query(
        `INSERT INTO ${t('delayed_plans')} (plan_id, start_at, frozen, data) VALUES ($1, $2, false, $3::jsonb)
         ON CONFLICT (plan_id) DO UPDATE SET start_at = EXCLUDED.start_at, data = EXCLUDED.data`,
        [planId, startAt, jsonb(data)],
      );
    },
    async insertLog(planId, stepId, data) {
      await db.query(
        `INSERT INTO ${t('step_logs')} (plan_id, step_id, data) VALUES ($1, $2, $3::jsonb)`,
        [planId, stepId, jsonb(data)],
      );
    },
    async insertDependency() {
      throw new Error('PostgreSQL keeps dependencies in text columns: they cannot be damaged');
    },
    async dispose() {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}

/**
 * Settles with `promise`, or rejects once `ms` have passed: every await of these tests is bounded,
 * so a hang fails the test with the name of what hung instead of a bare timeout.
 */
export function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
