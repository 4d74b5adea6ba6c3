/**
 * Numbered schema migrations, applied by `PostgresAdapter.start()` inside the adapter's own schema.
 *
 * Every table keeps the record exactly as the engine wrote it in a `data` jsonb column — that is
 * what is read back — plus the few columns the adapter's queries filter and sort on, kept in sync by
 * the statements that write them. A `seq` column (bigserial) gives insertion order where the
 * contract asks for it (plans newest first, events first in first out, logs in the order written).
 * Times are ISO-8601 strings compared as text (`COLLATE "C"`), exactly as the contract compares them.
 *
 * Migrations only ever get added: a released one never changes. The `migrations` table records the
 * versions applied; a schema migrated by a newer Flowline is refused rather than misread.
 */
import type { Pool } from 'pg';
import { ErrorCode, FlowlineError } from '../../errors.js';
import { quoteIdentifier } from './sql.js';
import { storageError } from './storage-error.js';

/** One schema change. */
export interface Migration {
  /** Applied in ascending order; recorded in the `migrations` table. */
  readonly version: number;
  /** What it does, for people reading the `migrations` table. */
  readonly name: string;
  /** Statements run with the adapter's schema first on the `search_path`. */
  readonly sql: string;
}

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'plans, actions, steps, events, delayed plans, dependencies, step logs, worlds, locks',
    sql: `
      CREATE TABLE plans (
        id text PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        label text NOT NULL,
        state text NOT NULL,
        result text NOT NULL,
        started_at text COLLATE "C",
        ended_at text COLLATE "C",
        schema_version integer NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX plans_state_seq_idx ON plans (state, seq);
      CREATE INDEX plans_result_seq_idx ON plans (result, seq);
      CREATE INDEX plans_label_seq_idx ON plans (label, seq);

      CREATE TABLE actions (
        plan_id text NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        id integer NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (plan_id, id)
      );

      CREATE TABLE steps (
        plan_id text NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        id integer NOT NULL,
        action_id integer NOT NULL,
        state text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (plan_id, id)
      );

      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        plan_id text NOT NULL,
        step_id integer NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX events_step_seq_idx ON events (plan_id, step_id, seq);

      CREATE TABLE delayed_plans (
        plan_id text PRIMARY KEY,
        seq bigserial NOT NULL,
        start_at text COLLATE "C" NOT NULL,
        start_before text COLLATE "C",
        frozen boolean NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX delayed_plans_due_idx ON delayed_plans (start_at, seq) WHERE NOT frozen;

      CREATE TABLE plan_dependencies (
        plan_id text NOT NULL,
        depends_on text NOT NULL,
        seq bigserial NOT NULL,
        PRIMARY KEY (plan_id, depends_on)
      );
      CREATE INDEX plan_dependencies_depends_on_idx ON plan_dependencies (depends_on, seq);

      CREATE TABLE step_logs (
        seq bigserial PRIMARY KEY,
        plan_id text NOT NULL,
        step_id integer NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX step_logs_plan_seq_idx ON step_logs (plan_id, seq);

      CREATE TABLE worlds (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        heartbeat_at text COLLATE "C" NOT NULL,
        data jsonb NOT NULL
      );

      CREATE TABLE locks (
        key text PRIMARY KEY,
        seq bigserial NOT NULL,
        owner_id text NOT NULL,
        plan_id text,
        acquired_at text COLLATE "C" NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX locks_owner_seq_idx ON locks (owner_id, seq);
    `,
  },
  {
    version: 2,
    name: 'plans: parent plan and step columns (sub-plans), filled from the stored records',
    // Only a string `parent.planId` and an integral `parent.stepId` (within JavaScript's safe
    // integers) are copied, as the adapter's writes do; nested CASEs keep the jsonb-to-numeric casts
    // away from values of other types. The index is partial: most plans are no sub-plans.
    sql: `
      ALTER TABLE plans ADD COLUMN parent_plan_id text, ADD COLUMN parent_step_id bigint;
      UPDATE plans SET
        parent_plan_id = data #>> '{parent,planId}',
        parent_step_id = CASE WHEN jsonb_typeof(data #> '{parent,stepId}') = 'number' THEN
          CASE WHEN trunc((data #> '{parent,stepId}')::numeric) = (data #> '{parent,stepId}')::numeric
                AND abs((data #> '{parent,stepId}')::numeric) <= 9007199254740991
               THEN (data #> '{parent,stepId}')::numeric::bigint
          END
        END
      WHERE jsonb_typeof(data #> '{parent,planId}') = 'string';
      CREATE INDEX plans_parent_seq_idx ON plans (parent_plan_id, parent_step_id, seq)
        WHERE parent_plan_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'plans: idempotency key column (world.triggerWith), unique; existing rows NULL',
    // Plans stored before this migration were triggered without a key: the column stays NULL for
    // them (NULLs never conflict in a unique index). The index is what makes a key unique across
    // every process sharing the database; insertPlan's ON CONFLICT DO NOTHING relies on it.
    sql: `
      ALTER TABLE plans ADD COLUMN idempotency_key text;
      CREATE UNIQUE INDEX plans_idempotency_key_idx ON plans (idempotency_key);
    `,
  },
  {
    version: 4,
    name: 'messages: messages sent to a plan by name, kept until a step waiting for it takes them',
    sql: `
      CREATE TABLE messages (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        plan_id text NOT NULL,
        name text NOT NULL,
        data jsonb NOT NULL
      );
      CREATE INDEX messages_name_seq_idx ON messages (plan_id, name, seq);
    `,
  },
  {
    version: 5,
    name: 'flow versions: the stored versions of declarative flows (flowline/flows)',
    // One row per (name, version), its fields in columns of their own. Names compare by bytes
    // (COLLATE "C"), as the other stores order them.
    sql: `
      CREATE TABLE flow_versions (
        name text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        stage text NOT NULL,
        definition jsonb NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        deployed_at text COLLATE "C",
        patches jsonb,
        PRIMARY KEY (name, version)
      );
      CREATE INDEX flow_versions_stage_idx ON flow_versions (stage);
    `,
  },
];

/** The newest version this code knows. */
export const LATEST_MIGRATION = migrations.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Key of the transaction-level advisory lock every migration run holds, so that processes starting
 * at the same time migrate one after another (the later ones find nothing left to do). It is one
 * constant for the whole database: migrating is rare and short, so serialising it across schemas
 * costs nothing. The value is "Flowline" in ASCII, read as an integer.
 */
export const MIGRATION_LOCK_KEY = '5074553438850346597';

/**
 * Creates `schema` if needed and applies the migrations it lacks, in one transaction holding
 * {@link MIGRATION_LOCK_KEY}: all of them or none.
 *
 * @throws FlowlineError `STORAGE_ERROR` when the schema was migrated by a newer Flowline, or on any
 *   database error
 */
export async function migrate(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect().catch((error: unknown) => {
    throw storageError('start (connect)', error);
  });
  let broken: unknown;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const applied = await client.query<{ version: number }>('SELECT version FROM migrations');
    const versions = new Set(applied.rows.map((row) => row.version));
    const newest = Math.max(0, ...versions);
    if (newest > LATEST_MIGRATION) {
      throw new FlowlineError(
        ErrorCode.STORAGE_ERROR,
        `postgres adapter: schema "${schema}" was migrated to version ${newest} by a newer ` +
          `Flowline, but this version only knows migrations up to ${LATEST_MIGRATION}; ` +
          'upgrade Flowline, or use another schema',
      );
    }
    for (const migration of migrations) {
      if (versions.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      // The connection is unusable: release it as broken so the pool drops it.
      broken = rollbackError;
    });
    throw storageError('start (migrations)', error);
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}
