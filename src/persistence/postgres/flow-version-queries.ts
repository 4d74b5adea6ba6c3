/**
 * The stored versions of declarative flows (`flowline/flows`), table `flow_versions` (migration 5):
 * one row per (name, version).
 */
import type { FlowVersionFilter, FlowVersionRecord } from '../adapter.js';
import type { FlowVersionRow } from '../flow-version-records.js';
import type { Db } from './sql.js';
import { jsonParam, lastByKey } from './sql.js';

/**
 * Upserts checked records by (name, version) in one statement: all of them or none. A batch naming
 * the same version twice keeps the last (one statement may not update a row twice).
 */
export async function saveFlowVersions(
  db: Db,
  records: readonly FlowVersionRecord[],
): Promise<void> {
  const rows = lastByKey(records, (r) => JSON.stringify([r.name, r.version])).map((r) => ({
    name: r.name,
    version: r.version,
    stage: r.stage,
    definition: r.definition,
    created_at: r.createdAt,
    deployed_at: r.deployedAt ?? null,
    // As text, so that SQL NULL (no patches) and the JSON value stay apart.
    patches: r.patches === undefined ? null : JSON.stringify(r.patches),
  }));
  if (rows.length === 0) return;
  await db.query(
    'saveFlowVersions',
    `INSERT INTO ${db.tables.flowVersions}
       (name, version, stage, definition, created_at, deployed_at, patches)
     SELECT r.name, r.version, r.stage, r.definition, r.created_at, r.deployed_at, r.patches::jsonb
       FROM jsonb_to_recordset($1::jsonb) AS r(name text, version bigint, stage text,
            definition jsonb, created_at text, deployed_at text, patches text)
     ON CONFLICT (name, version) DO UPDATE SET
       stage = EXCLUDED.stage, definition = EXCLUDED.definition,
       created_at = EXCLUDED.created_at, deployed_at = EXCLUDED.deployed_at,
       patches = EXCLUDED.patches`,
    [jsonParam(rows)],
  );
}

/** The rows matching a checked filter, by name (bytes), then version. */
export async function findFlowVersions(
  db: Db,
  filter: FlowVersionFilter,
): Promise<FlowVersionRow[]> {
  const result = await db.query<{
    name: unknown;
    version: unknown;
    stage: unknown;
    definition: unknown;
    created_at: unknown;
    deployed_at: unknown;
    patches: unknown;
  }>(
    'findFlowVersions',
    // bigint comes back as text from the driver; float8 as a number (a version past 2^53 is not
    // a safe integer, and is read as a damaged row).
    `SELECT name, version::float8 AS version, stage, definition, created_at, deployed_at, patches
       FROM ${db.tables.flowVersions}
      WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR stage = $2)
      ORDER BY name, version`,
    [filter.name ?? null, filter.stage ?? null],
  );
  return result.rows.map((row) => ({
    name: row.name,
    version: row.version,
    stage: row.stage,
    definition: row.definition,
    createdAt: row.created_at,
    deployedAt: row.deployed_at,
    patches: row.patches,
  }));
}
