/**
 * Messages sent to a plan by name (`world.send`), kept until a run step waiting for that name takes
 * them: first in, first out per plan and name (`seq` order).
 */
import type { MessageEnvelope } from '../adapter.js';
import { readMessageEnvelope } from '../record-decoding.js';
import type { Db } from './sql.js';
import { jsonParam } from './sql.js';

/** Keeps a message; committed when the promise resolves. An id already kept is ignored. */
export async function enqueueMessage(db: Db, message: MessageEnvelope): Promise<void> {
  await db.query(
    'enqueueMessage',
    `INSERT INTO ${db.tables.messages} (id, plan_id, name, data) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (id) DO NOTHING`,
    [message.id, message.planId, message.name, jsonParam(message)],
  );
}

/**
 * Removes and returns the oldest message kept for a plan and name. `SKIP LOCKED` lets concurrent
 * takers each get a different message instead of queueing behind the first one's row lock.
 */
export async function takeMessage(
  db: Db,
  planId: string,
  name: string,
): Promise<MessageEnvelope | undefined> {
  const messages = db.tables.messages;
  const result = await db.query<{ id: unknown; data: unknown }>(
    'takeMessage',
    `DELETE FROM ${messages}
     WHERE seq = (SELECT seq FROM ${messages} WHERE plan_id = $1 AND name = $2
                  ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING id, data`,
    [planId, name],
  );
  const row = result.rows[0];
  return row === undefined
    ? undefined
    : readMessageEnvelope(db.source, { planId, name, id: row.id }, row.data);
}
