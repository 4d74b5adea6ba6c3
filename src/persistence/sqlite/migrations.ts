import type Database from 'better-sqlite3';
import { ErrorCode, FlowlineError } from '../../errors.js';

/** One schema change. Versions start at 1 and have no gaps; a released migration never changes. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The schema, as the list of changes that build it. Every record is kept whole as JSON in `data`;
 * the other columns copy the fields that are queried, and are written together with `data`.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'plans, actions, steps, events, delayed plans, dependencies, logs, worlds, locks',
    sql: `
      CREATE TABLE flowline_plans (
        seq            INTEGER PRIMARY KEY,           -- insertion order (newest first in lists)
        id             TEXT NOT NULL UNIQUE,
        label          TEXT NOT NULL,
        state          TEXT NOT NULL,
        result         TEXT NOT NULL,
        started_at     TEXT,
        ended_at       TEXT,
        schema_version INTEGER NOT NULL,
        data           TEXT NOT NULL
      );
      CREATE INDEX flowline_plans_state ON flowline_plans (state, seq);
      CREATE INDEX flowline_plans_result ON flowline_plans (result, seq);
      CREATE INDEX flowline_plans_label ON flowline_plans (label, seq);

      CREATE TABLE flowline_actions (
        plan_id TEXT NOT NULL REFERENCES flowline_plans (id) ON DELETE CASCADE,
        id      INTEGER NOT NULL,
        data    TEXT NOT NULL,
        PRIMARY KEY (plan_id, id)
      );

      CREATE TABLE flowline_steps (
        plan_id TEXT NOT NULL REFERENCES flowline_plans (id) ON DELETE CASCADE,
        id      INTEGER NOT NULL,
        state   TEXT NOT NULL,                        -- always equal to data.state
        data    TEXT NOT NULL,
        PRIMARY KEY (plan_id, id)
      );

      CREATE TABLE flowline_events (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,    -- FIFO order, never reused
        id      TEXT NOT NULL UNIQUE,
        plan_id TEXT NOT NULL,
        step_id INTEGER NOT NULL,
        data    TEXT NOT NULL
      );
      CREATE INDEX flowline_events_step ON flowline_events (plan_id, step_id);

      CREATE TABLE flowline_delayed_plans (
        plan_id  TEXT PRIMARY KEY,
        start_at TEXT NOT NULL,
        frozen   INTEGER NOT NULL,
        data     TEXT NOT NULL
      );
      CREATE INDEX flowline_delayed_plans_due ON flowline_delayed_plans (start_at) WHERE frozen = 0;

      CREATE TABLE flowline_plan_dependencies (
        plan_id    TEXT NOT NULL,
        depends_on TEXT NOT NULL,
        PRIMARY KEY (plan_id, depends_on)
      );
      CREATE INDEX flowline_plan_dependencies_depends_on
        ON flowline_plan_dependencies (depends_on);

      CREATE TABLE flowline_step_logs (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        plan_id TEXT NOT NULL,
        step_id INTEGER NOT NULL,
        data    TEXT NOT NULL
      );
      CREATE INDEX flowline_step_logs_step ON flowline_step_logs (plan_id, step_id);

      CREATE TABLE flowline_worlds (
        id           TEXT PRIMARY KEY,
        heartbeat_at TEXT NOT NULL,                   -- always equal to data.heartbeatAt
        data         TEXT NOT NULL
      );

      CREATE TABLE flowline_locks (
        key      TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        data     TEXT NOT NULL
      );
      CREATE INDEX flowline_locks_owner ON flowline_locks (owner_id);
    `,
  },
  {
    version: 2,
    description: 'plans: parent plan and step columns (sub-plans), filled from the stored records',
    // Only a text `parent.planId` and an integer `parent.stepId` (within JavaScript's safe
    // integers) are copied, as the adapter's writes do. A row whose JSON is corrupt is left alone
    // (CASE evaluates json_valid first), so it cannot fail the migration. The index is partial:
    // most plans are no sub-plans.
    sql: `
      ALTER TABLE flowline_plans ADD COLUMN parent_plan_id TEXT;
      ALTER TABLE flowline_plans ADD COLUMN parent_step_id INTEGER;
      UPDATE flowline_plans SET
        parent_plan_id = json_extract(data, '$.parent.planId'),
        parent_step_id = CASE
          WHEN json_type(data, '$.parent.stepId') = 'integer'
           AND json_extract(data, '$.parent.stepId')
               BETWEEN -9007199254740991 AND 9007199254740991
          THEN json_extract(data, '$.parent.stepId')
        END
      WHERE CASE WHEN json_valid(data) THEN json_type(data, '$.parent.planId') = 'text' END;
      CREATE INDEX flowline_plans_parent ON flowline_plans (parent_plan_id, parent_step_id, seq)
        WHERE parent_plan_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    description: 'plans: idempotency key column (world.triggerWith), unique; existing rows NULL',
    // Plans stored before this migration were triggered without a key: the column stays NULL for
    // them (SQLite's unique indexes let NULLs repeat). The index is what makes a key unique in the
    // store, also between processes sharing the file.
    sql: `
      ALTER TABLE flowline_plans ADD COLUMN idempotency_key TEXT;
      CREATE UNIQUE INDEX flowline_plans_idempotency_key ON flowline_plans (idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    `,
  },
  {
    version: 4,
    description:
      'messages: messages sent to a plan by name, kept until a step waiting for it takes them',
    sql: `
      CREATE TABLE flowline_messages (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,    -- FIFO order, never reused
        id      TEXT NOT NULL UNIQUE,
        plan_id TEXT NOT NULL,
        name    TEXT NOT NULL,
        data    TEXT NOT NULL
      );
      CREATE INDEX flowline_messages_name ON flowline_messages (plan_id, name, seq);
    `,
  },
  {
    version: 5,
    description: 'flow versions: the stored versions of declarative flows (flowline/flows)',
    // One row per (name, version), its fields in columns of their own; `definition` and `patches`
    // are JSON text. Listed by name, then version: the primary key's order.
    sql: `
      CREATE TABLE flowline_flow_versions (
        name        TEXT NOT NULL,
        version     INTEGER NOT NULL,
        stage       TEXT NOT NULL,
        definition  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        deployed_at TEXT,
        patches     TEXT,
        PRIMARY KEY (name, version)
      );
      CREATE INDEX flowline_flow_versions_stage ON flowline_flow_versions (stage);
    `,
  },
];

/** The schema version this code builds and understands: the highest migration's. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Brings the schema up to {@link LATEST_SCHEMA_VERSION}: every pending migration is applied, and
 * recorded in `flowline_migrations`, in one IMMEDIATE transaction, so processes starting together
 * on the same file do not race. A database already at a newer version is refused untouched.
 *
 * @param db - an open connection
 * @param filename - the database file, for messages
 * @returns the versions applied (empty when the schema was up to date)
 * @throws FlowlineError `STORAGE_ERROR` when the database was written by a newer Flowline
 */
export function migrate(db: Database.Database, filename: string): number[] {
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS flowline_migrations (
      version    INTEGER PRIMARY KEY,
      applied_at TEXT NOT NULL
    )`);
    const row = db
      .prepare<[], { version: number | null }>(
        'SELECT max(version) AS version FROM flowline_migrations',
      )
      .get();
    const current = row?.version ?? 0;
    if (current > LATEST_SCHEMA_VERSION) {
      throw new FlowlineError(
        ErrorCode.STORAGE_ERROR,
        `SqliteAdapter: ${filename} has schema version ${current}, newer than the latest this ` +
          `version of Flowline knows (${LATEST_SCHEMA_VERSION}); upgrade Flowline to open it`,
      );
    }
    const record = db.prepare<[number, string]>(
      'INSERT INTO flowline_migrations (version, applied_at) VALUES (?, ?)',
    );
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, new Date().toISOString());
      applied.push(migration.version);
    }
    return applied;
  });
  return run.immediate();
}
