/**
 * The `flowline_flow_versions` table (migration 5): the stored versions of declarative flows, one
 * row per (name, version), `definition` and `patches` as JSON text.
 */
import type Database from 'better-sqlite3';
import type { FlowVersionFilter, FlowVersionRecord } from '../adapter.js';
import type { FlowVersionRow } from '../flow-version-records.js';
import { parseStoredJson } from '../record-decoding.js';

/** A row as selected: every column as SQLite holds it (a damaged row may hold anything). */
interface SelectedRow {
  readonly name: unknown;
  readonly version: unknown;
  readonly stage: unknown;
  readonly definition: unknown;
  readonly created_at: unknown;
  readonly deployed_at: unknown;
  readonly patches: unknown;
}

interface UpsertParams {
  readonly name: string;
  readonly version: number;
  readonly stage: string;
  readonly definition: string;
  readonly createdAt: string;
  readonly deployedAt: string | null;
  readonly patches: string | null;
}

const COLUMNS = 'name, version, stage, definition, created_at, deployed_at, patches';

/** The statements and the transaction of the flow-version table, prepared once per connection. */
export class FlowVersionRows {
  /** Upserts checked records, all of them or none (a savepoint inside a group commit). */
  readonly save: Database.Transaction<(records: readonly FlowVersionRecord[]) => void>;
  readonly #upsert: Database.Statement<[UpsertParams]>;
  readonly #select: Database.Statement<
    [{ name: string | null; stage: string | null }],
    SelectedRow
  >;

  /** @param db - an open, migrated connection */
  constructor(db: Database.Database) {
    this.#upsert = db.prepare(
      `INSERT INTO flowline_flow_versions (${COLUMNS})
       VALUES (@name, @version, @stage, @definition, @createdAt, @deployedAt, @patches)
       ON CONFLICT (name, version) DO UPDATE SET
         stage = excluded.stage, definition = excluded.definition,
         created_at = excluded.created_at, deployed_at = excluded.deployed_at,
         patches = excluded.patches`,
    );
    this.#select = db.prepare(
      `SELECT ${COLUMNS} FROM flowline_flow_versions
        WHERE (@name IS NULL OR name = @name) AND (@stage IS NULL OR stage = @stage)
        ORDER BY name, version`,
    );
    this.save = db.transaction((records: readonly FlowVersionRecord[]) => {
      for (const record of records) {
        this.#upsert.run({
          name: record.name,
          version: record.version,
          stage: record.stage,
          definition: JSON.stringify(record.definition),
          createdAt: record.createdAt,
          deployedAt: record.deployedAt ?? null,
          patches: record.patches === undefined ? null : JSON.stringify(record.patches),
        });
      }
    });
  }

  /** The rows matching a checked filter, their JSON columns parsed (never throws on a bad row). */
  find(filter: FlowVersionFilter): FlowVersionRow[] {
    return this.#select
      .all({ name: filter.name ?? null, stage: filter.stage ?? null })
      .map((row) => ({
        name: row.name,
        version: row.version,
        stage: row.stage,
        definition: parseStoredJson(row.definition),
        createdAt: row.created_at,
        deployedAt: row.deployed_at,
        patches: row.patches === null ? null : parseStoredJson(row.patches),
      }));
  }
}
