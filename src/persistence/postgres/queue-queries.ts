/**
 * The queues around plans, grouped as the conformance suite groups them: events waiting for
 * suspended steps, delayed plans (`world.delay`), plan dependencies (`world.chain`) and per-step log
 * lines. Delayed plans and dependencies are written through `write(batch)`; their reads are here.
 * Everything comes back in `seq` order (first in, first out) unless a query says otherwise.
 */
import type { DelayedPlanRecord, EventEnvelope, StepLogLine } from '../adapter.js';
import type { Db } from './sql.js';
import { jsonParam } from './sql.js';
import {
  checkDelayedPlanRecord,
  readDelayedPlanRecord,
  readEventEnvelope,
  readPlanIds,
  readStepLogLine,
} from '../record-decoding.js';

/** Queues an event; it is committed when the promise resolves. */
export async function enqueueEvent(db: Db, event: EventEnvelope): Promise<void> {
  await db.query(
    'enqueueEvent',
    `INSERT INTO ${db.tables.events} (plan_id, step_id, data) VALUES ($1, $2, $3::jsonb)`,
    [event.planId, event.stepId, jsonParam(event)],
  );
}

/**
 * Removes and returns the oldest event of a step. `SKIP LOCKED` lets concurrent takers each get a
 * different event instead of queueing behind the first one's row lock.
 */
export async function takeEvent(
  db: Db,
  planId: string,
  stepId: number,
): Promise<EventEnvelope | undefined> {
  const events = db.tables.events;
  const result = await db.query<{ data: unknown }>(
    'takeEvent',
    `DELETE FROM ${events}
     WHERE seq = (SELECT seq FROM ${events} WHERE plan_id = $1 AND step_id = $2
                  ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING data`,
    [planId, stepId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : readEventEnvelope(db.source, { planId, stepId }, row.data);
}

/** Removes every event of a step and returns them, oldest first. */
export async function dropEvents(db: Db, planId: string, stepId: number): Promise<EventEnvelope[]> {
  const result = await db.query<{ data: unknown }>(
    'dropEvents',
    `WITH dropped AS (
       DELETE FROM ${db.tables.events} WHERE plan_id = $1 AND step_id = $2 RETURNING seq, data)
     SELECT data FROM dropped ORDER BY seq`,
    [planId, stepId],
  );
  return result.rows.map((row) => readEventEnvelope(db.source, { planId, stepId }, row.data));
}

/** Appends log lines with one multi-row INSERT, in order. */
export async function appendLogs(db: Db, lines: readonly StepLogLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.query(
    'appendLogs',
    `INSERT INTO ${db.tables.stepLogs} (plan_id, step_id, data)
     SELECT plan_id, step_id, data
     FROM unnest($1::text[], $2::integer[], $3::jsonb[]) WITH ORDINALITY
       AS l(plan_id, step_id, data, ord)
     ORDER BY ord`,
    [lines.map((l) => l.planId), lines.map((l) => l.stepId), lines.map(jsonParam)],
  );
}

/** The log lines of a plan, or of one of its steps, in the order written. */
export async function loadLogs(db: Db, planId: string, stepId?: number): Promise<StepLogLine[]> {
  const result = await db.query<{ step_id: number; data: unknown }>(
    'loadLogs',
    `SELECT step_id, data FROM ${db.tables.stepLogs}
     WHERE plan_id = $1 AND ($2::integer IS NULL OR step_id = $2)
     ORDER BY seq`,
    [planId, stepId ?? null],
  );
  return result.rows.map((row) =>
    readStepLogLine(db.source, { planId, stepId: row.step_id }, row.data),
  );
}

/** The delayed-plan record of a plan, or `undefined`. */
export async function loadDelayedPlan(
  db: Db,
  planId: string,
): Promise<DelayedPlanRecord | undefined> {
  const result = await db.query<{ data: unknown }>(
    'loadDelayedPlan',
    `SELECT data FROM ${db.tables.delayedPlans} WHERE plan_id = $1`,
    [planId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : checkDelayedPlanRecord(db.source, planId, row.data);
}

/**
 * Unfrozen delayed plans due by `dueBy`, oldest `startAt` first (ties in the order they were first
 * written). ISO strings compare as text, as the contract compares them.
 */
export async function findDueDelayedPlans(
  db: Db,
  dueBy: string,
  limit?: number,
): Promise<DelayedPlanRecord[]> {
  const result = await db.query<{
    plan_id: string;
    start_at: string;
    frozen: boolean;
    data: unknown;
  }>(
    'findDueDelayedPlans',
    `SELECT plan_id, start_at, frozen, data FROM ${db.tables.delayedPlans}
     WHERE NOT frozen AND start_at <= $1
     ORDER BY start_at, seq
     LIMIT $2`,
    [dueBy, limit ?? null],
  );
  return result.rows.map((row) =>
    readDelayedPlanRecord(db.source, row.plan_id, row.data, {
      startAt: row.start_at,
      frozen: row.frozen,
    }),
  );
}

/** The plans `planId` waits for, in the order the dependencies were added. */
export async function findDependencies(db: Db, planId: string): Promise<string[]> {
  const result = await db.query<{ depends_on: string }>(
    'findDependencies',
    `SELECT depends_on FROM ${db.tables.dependencies} WHERE plan_id = $1 ORDER BY seq`,
    [planId],
  );
  return readPlanIds(result.rows.map((row) => row.depends_on));
}

/** The plans waiting for `planId`, in the order the dependencies were added. */
export async function findDependents(db: Db, planId: string): Promise<string[]> {
  const result = await db.query<{ plan_id: string }>(
    'findDependents',
    `SELECT plan_id FROM ${db.tables.dependencies} WHERE depends_on = $1 ORDER BY seq`,
    [planId],
  );
  return readPlanIds(result.rows.map((row) => row.plan_id));
}
