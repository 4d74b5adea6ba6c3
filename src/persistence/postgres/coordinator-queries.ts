/**
 * The coordinator's records: registered worlds with their heartbeats, and locks (execution-plan
 * locks, singleton locks) owned by worlds.
 */
import type { LockRecord, WorldRecord } from '../adapter.js';
import type { Db } from './sql.js';
import { jsonParam } from './sql.js';

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
  const result = await db.query<{ data: WorldRecord }>(
    'findWorlds',
    `SELECT data FROM ${db.tables.worlds} ORDER BY seq`,
  );
  return result.rows.map((row) => row.data);
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

/** Takes a lock unless its key is held: the primary key decides between concurrent callers. */
export async function acquireLock(db: Db, lock: LockRecord): Promise<boolean> {
  const result = await db.query(
    'acquireLock',
    `INSERT INTO ${db.tables.locks} (key, owner_id, plan_id, acquired_at, data)
     VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (key) DO NOTHING`,
    [lock.key, lock.ownerId, lock.planId ?? null, lock.acquiredAt, jsonParam(lock)],
  );
  return result.rowCount === 1;
}

/** Releases a lock if `ownerId` holds it. */
export async function releaseLock(db: Db, key: string, ownerId: string): Promise<void> {
  await db.query('releaseLock', `DELETE FROM ${db.tables.locks} WHERE key = $1 AND owner_id = $2`, [
    key,
    ownerId,
  ]);
}

/** The locks a world holds, in the order it took them. */
export async function findLocks(db: Db, ownerId: string): Promise<LockRecord[]> {
  const result = await db.query<{ data: LockRecord }>(
    'findLocks',
    `SELECT data FROM ${db.tables.locks} WHERE owner_id = $1 ORDER BY seq`,
    [ownerId],
  );
  return result.rows.map((row) => row.data);
}
