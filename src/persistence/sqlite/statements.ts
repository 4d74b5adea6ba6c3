import type Database from 'better-sqlite3';

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** A row holding one JSON record. */
export interface DataRow {
  readonly data: string;
}

/** A row holding one JSON record of a plan (an action or a step) with its id. */
export interface IdDataRow {
  readonly id: number;
  readonly data: string;
}

/** A queued event's row: its id, its JSON record and, for ordering, its sequence number. */
export interface EventRow {
  readonly seq: number;
  readonly id: string;
  readonly data: string;
}

/** A log line's row: its step and its JSON record. */
export interface LogRow {
  readonly step_id: number;
  readonly data: string;
}

/** The columns of `flowline_plans`, as bound by the plan upsert. */
export interface PlanParams {
  readonly id: string;
  readonly label: string;
  readonly state: string;
  readonly result: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly schemaVersion: number;
  readonly parentPlanId: string | null;
  readonly parentStepId: number | null;
  readonly idempotencyKey: string | null;
  readonly data: string;
}

/** Every fixed statement of the adapter, prepared once when it starts. */
export interface Statements {
  readonly upsertPlan: Statement<[PlanParams]>;
  readonly upsertAction: Statement<[string, number, string]>;
  readonly upsertStep: Statement<[string, number, string, string]>;
  /** Params: `{ planId, stepId, from: JSON array of states, at }`. */
  readonly claimStep: Statement<[{ planId: string; stepId: number; from: string; at: string }]>;
  readonly planExists: Statement<[string], { found: number }>;
  /** The plan holding an id or an idempotency key (`null`: none); the id's holder first. */
  readonly planHolding: Statement<
    [{ id: string; key: string | null }],
    { id: string; by_id: number }
  >;
  readonly selectPlan: Statement<[string], DataRow>;
  readonly selectActions: Statement<[string], IdDataRow>;
  readonly selectSteps: Statement<[string], IdDataRow>;
  readonly insertEvent: Statement<[string, string, number, string]>;
  readonly takeEvent: Statement<[string, number], EventRow>;
  readonly dropEvents: Statement<[string, number], EventRow>;
  /** Params: id, plan id, name, JSON record; a message whose id is kept already is ignored. */
  readonly insertMessage: Statement<[string, string, string, string]>;
  readonly takeMessage: Statement<[string, string], EventRow>;
  readonly upsertDelayed: Statement<[string, string, number, string]>;
  readonly deleteDelayed: Statement<[string]>;
  readonly selectDelayed: Statement<[string], DataRow>;
  /** Params: dueBy, limit (-1 for no limit). */
  readonly selectDueDelayed: Statement<
    [string, number],
    DataRow & { plan_id: string; start_at: unknown; frozen: unknown }
  >;
  readonly insertDependency: Statement<[string, string]>;
  readonly selectDependencies: Statement<[string], { id: string }>;
  readonly selectDependents: Statement<[string], { id: string }>;
  readonly insertLog: Statement<[string, number, string]>;
  readonly selectPlanLogs: Statement<[string], LogRow>;
  readonly selectStepLogs: Statement<[string, number], LogRow>;
  readonly upsertWorld: Statement<[string, string, string]>;
  readonly heartbeat: Statement<[{ id: string; at: string }]>;
  readonly selectWorlds: Statement<[], DataRow & { id: string; heartbeat_at: unknown }>;
  readonly deleteWorld: Statement<[string]>;
  readonly deleteLocksOf: Statement<[string]>;
  readonly insertLock: Statement<[string, string, string]>;
  readonly deleteLock: Statement<[string, string]>;
  readonly selectLocks: Statement<[string], DataRow & { key: string; owner_id: string }>;
}

/**
 * Prepares every fixed statement on an open, migrated connection.
 *
 * @param db - the connection; the statements live as long as it is open
 */
export function prepareStatements(db: Database.Database): Statements {
  return {
    upsertPlan: db.prepare(
      `INSERT INTO flowline_plans
         (id, label, state, result, started_at, ended_at, schema_version,
          parent_plan_id, parent_step_id, idempotency_key, data)
       VALUES (@id, @label, @state, @result, @startedAt, @endedAt, @schemaVersion,
               @parentPlanId, @parentStepId, @idempotencyKey, @data)
       ON CONFLICT (id) DO UPDATE SET
         label = excluded.label, state = excluded.state, result = excluded.result,
         started_at = excluded.started_at, ended_at = excluded.ended_at,
         schema_version = excluded.schema_version, parent_plan_id = excluded.parent_plan_id,
         parent_step_id = excluded.parent_step_id, idempotency_key = excluded.idempotency_key,
         data = excluded.data`,
    ),
    upsertAction: db.prepare(
      `INSERT INTO flowline_actions (plan_id, id, data) VALUES (?, ?, ?)
       ON CONFLICT (plan_id, id) DO UPDATE SET data = excluded.data`,
    ),
    upsertStep: db.prepare(
      `INSERT INTO flowline_steps (plan_id, id, state, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (plan_id, id) DO UPDATE SET state = excluded.state, data = excluded.data`,
    ),
    claimStep: db.prepare(
      `UPDATE flowline_steps
          SET state = 'running',
              data = json_set(json_remove(data, '$.endedAt'),
                              '$.state', 'running',
                              '$.startedAt', coalesce(json_extract(data, '$.startedAt'), @at))
        WHERE plan_id = @planId AND id = @stepId
          AND state IN (SELECT value FROM json_each(@from))`,
    ),
    planExists: db.prepare('SELECT 1 AS found FROM flowline_plans WHERE id = ?'),
    planHolding: db.prepare(
      `SELECT id, id = @id AS by_id FROM flowline_plans
        WHERE id = @id OR idempotency_key = @key
        ORDER BY by_id DESC LIMIT 1`,
    ),
    selectPlan: db.prepare('SELECT data FROM flowline_plans WHERE id = ?'),
    selectActions: db.prepare(
      'SELECT id, data FROM flowline_actions WHERE plan_id = ? ORDER BY id',
    ),
    selectSteps: db.prepare('SELECT id, data FROM flowline_steps WHERE plan_id = ? ORDER BY id'),
    insertEvent: db.prepare(
      `INSERT INTO flowline_events (id, plan_id, step_id, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    takeEvent: db.prepare(
      `DELETE FROM flowline_events
        WHERE seq = (SELECT seq FROM flowline_events
                      WHERE plan_id = ? AND step_id = ? ORDER BY seq LIMIT 1)
       RETURNING seq, id, data`,
    ),
    dropEvents: db.prepare(
      'DELETE FROM flowline_events WHERE plan_id = ? AND step_id = ? RETURNING seq, id, data',
    ),
    insertMessage: db.prepare(
      `INSERT INTO flowline_messages (id, plan_id, name, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    takeMessage: db.prepare(
      `DELETE FROM flowline_messages
        WHERE seq = (SELECT seq FROM flowline_messages
                      WHERE plan_id = ? AND name = ? ORDER BY seq LIMIT 1)
       RETURNING seq, id, data`,
    ),
    upsertDelayed: db.prepare(
      `INSERT INTO flowline_delayed_plans (plan_id, start_at, frozen, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (plan_id) DO UPDATE SET
         start_at = excluded.start_at, frozen = excluded.frozen, data = excluded.data`,
    ),
    deleteDelayed: db.prepare('DELETE FROM flowline_delayed_plans WHERE plan_id = ?'),
    selectDelayed: db.prepare('SELECT data FROM flowline_delayed_plans WHERE plan_id = ?'),
    selectDueDelayed: db.prepare(
      `SELECT plan_id, start_at, frozen, data FROM flowline_delayed_plans
        WHERE frozen = 0 AND start_at <= ? ORDER BY start_at, rowid LIMIT ?`,
    ),
    insertDependency: db.prepare(
      'INSERT OR IGNORE INTO flowline_plan_dependencies (plan_id, depends_on) VALUES (?, ?)',
    ),
    selectDependencies: db.prepare(
      'SELECT depends_on AS id FROM flowline_plan_dependencies WHERE plan_id = ? ORDER BY rowid',
    ),
    selectDependents: db.prepare(
      'SELECT plan_id AS id FROM flowline_plan_dependencies WHERE depends_on = ? ORDER BY rowid',
    ),
    insertLog: db.prepare(
      'INSERT INTO flowline_step_logs (plan_id, step_id, data) VALUES (?, ?, ?)',
    ),
    selectPlanLogs: db.prepare(
      'SELECT step_id, data FROM flowline_step_logs WHERE plan_id = ? ORDER BY seq',
    ),
    selectStepLogs: db.prepare(
      'SELECT step_id, data FROM flowline_step_logs WHERE plan_id = ? AND step_id = ? ORDER BY seq',
    ),
    upsertWorld: db.prepare(
      `INSERT INTO flowline_worlds (id, heartbeat_at, data) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, data = excluded.data`,
    ),
    // A record that is not valid JSON is left as it is (json_set would fail the statement): the
    // heartbeat column still says the world is alive.
    heartbeat: db.prepare(
      `UPDATE flowline_worlds SET heartbeat_at = @at,
              data = CASE WHEN json_valid(data) THEN json_set(data, '$.heartbeatAt', @at) ELSE data END
        WHERE id = @id`,
    ),
    selectWorlds: db.prepare('SELECT id, heartbeat_at, data FROM flowline_worlds ORDER BY rowid'),
    deleteWorld: db.prepare('DELETE FROM flowline_worlds WHERE id = ?'),
    deleteLocksOf: db.prepare('DELETE FROM flowline_locks WHERE owner_id = ?'),
    insertLock: db.prepare(
      'INSERT OR IGNORE INTO flowline_locks (key, owner_id, data) VALUES (?, ?, ?)',
    ),
    deleteLock: db.prepare('DELETE FROM flowline_locks WHERE key = ? AND owner_id = ?'),
    selectLocks: db.prepare(
      'SELECT key, owner_id, data FROM flowline_locks WHERE owner_id = ? ORDER BY rowid',
    ),
  };
}
