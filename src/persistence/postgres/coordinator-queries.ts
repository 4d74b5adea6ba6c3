/**
 * The coordinator's records: registered worlds with their heartbeats, and locks (execution-plan
 * locks, singleton locks) owned by worlds.
 */
import type { LockRecord, WorldRecord } from '../adapter.js';
import type { Db } from './sql.js';
import { jsonParam } from './sql.js';
import { readLockRecord, readWorldRecord } from '../record-decoding.js';

/** Inserts or replaces a world record (a re-registered world keeps its place in the list). */
export async function registerWorld(db: Db, world: WorldRecord): Promise<void> {
  await db.query(
    'registerWorld',
    `INSERT INTO ${db.tables.worlds} (id, heartbeat_at, data) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, data = EXCLUDED.data`,
    [world.id, world.heartbeatAt, jsonParam(world)],
  );
}

/** Records a heartbeat; `false` when the world is not registered (any more). */
export async function heartbeat(db: Db, worldId: string, at: string): Promise<boolean> {
  const result = await db.query(
    'heartbeat',
    `UPDATE ${db.tables.worlds}
     SET heartbeat_at = $2, data = data || jsonb_build_object('heartbeatAt', $2::text)
     WHERE id = $1`,
    [worldId, at],
  );
  return result.rowCount === 1;
}

/** Every registered world, in the order they first registered. */
export async function findWorlds(db: Db): Promise<WorldRecord[]> {
  const result = await db.query<{ id: string; heartbeat_at: string; data: unknown }>(
    'findWorlds',
    `SELECT id, heartbeat_at, data FROM ${db.tables.worlds} ORDER BY seq`,
  );
  return result.rows.map((row) =>
    readWorldRecord(db.source, row.id, row.data, { heartbeatAt: row.heartbeat_at }),
  );
}

/** Removes a world and every lock it holds in one statement, so both go or neither does. */
export async function unregisterWorld(db: Db, worldId: string): Promise<void> {
  await db.query(
    'unregisterWorld',
    `WITH released AS (DELETE FROM ${db.tables.locks} WHERE owner_id = $1)
     DELETE FROM ${db.tables.worlds} WHERE id = $1`,
    [worldId],
  );
}

/** The key of a lock and its owner in the set {@link acquireLocks} returns. */
export function lockKey(key: string, ownerId: string): string {
  return `${key}\u0000${ownerId}`;
}

/**
 * Takes every lock nobody holds, in one statement (`ON CONFLICT DO NOTHING`: of two takers of a key,
 * one wins), in key order so that two such statements cannot deadlock. The locks must have distinct
 * keys.
 *
 * @returns the {@link lockKey}s of the locks this statement took
 */
export async function acquireLocks(db: Db, given: readonly LockRecord[]): Promise<Set<string>> {
  // In key order: two statements inserting the same keys in different orders wait on each other's
  // unique-index entries and deadlock (40P01); in one order, one simply waits for the other.
  const locks = [...given].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const result = await db.query<{ key: string; owner_id: string }>(
    'acquireLock',
    `INSERT INTO ${db.tables.locks} (key, owner_id, plan_id, acquired_at, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
     ON CONFLICT (key) DO NOTHING
     RETURNING key, owner_id`,
    [
      locks.map((lock) => lock.key),
      locks.map((lock) => lock.ownerId),
      locks.map((lock) => lock.planId ?? null),
      locks.map((lock) => lock.acquiredAt),
      locks.map(jsonParam),
    ],
  );
  return new Set(result.rows.map((row) => lockKey(row.key, row.owner_id)));
}

/** Releases each lock its owner holds, in one statement. */
export async function releaseLocks(
  db: Db,
  locks: readonly { readonly key: string; readonly ownerId: string }[],
): Promise<void> {
  await db.query(
    'releaseLock',
    `DELETE FROM ${db.tables.locks} l
     USING unnest($1::text[], $2::text[]) AS r(key, owner_id)
     WHERE l.key = r.key AND l.owner_id = r.owner_id`,
    [locks.map((lock) => lock.key), locks.map((lock) => lock.ownerId)],
  );
}

/** The locks a world holds, in the order it took them. */
export async function findLocks(db: Db, ownerId: string): Promise<LockRecord[]> {
  const result = await db.query<{
    key: string;
    owner_id: string;
    plan_id: string | null;
    data: unknown;
  }>(
    'findLocks',
    `SELECT key, owner_id, plan_id, data FROM ${db.tables.locks} WHERE owner_id = $1 ORDER BY seq`,
    [ownerId],
  );
  return result.rows.map((row) =>
    readLockRecord(
      db.source,
      { key: row.key, ownerId: row.owner_id, planId: row.plan_id },
      row.data,
    ),
  );
}
