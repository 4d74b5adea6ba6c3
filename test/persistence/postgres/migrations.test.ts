import { describe, expect, it } from 'vitest';
import type { PlanRecord } from '../../../src/plan/records.js';
import { migrations } from '../../../src/persistence/postgres/migrations.js';
import { makePlanRecord } from '../../../src/testing/fixtures.js';
import { useTestDatabase } from '../../helpers/postgres.js';

const db = useTestDatabase();

/**
 * A schema at migration 1 holding `plans`, written as that version's adapter wrote them (`data` is
 * the record's JSON text, or any jsonb given as is).
 */
async function versionOneSchema(plans: readonly { id: string; data: unknown }[]): Promise<string> {
  const schema = db.freshSchema();
  const first = migrations.find((migration) => migration.version === 1);
  if (first === undefined) throw new Error('migration 1 is missing');
  await db.query(`BEGIN;
    CREATE SCHEMA ${schema};
    SET LOCAL search_path TO ${schema};
    CREATE TABLE migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );
    ${first.sql}
    INSERT INTO migrations (version, name) VALUES (1, 'version one');
    COMMIT;`);
  for (const plan of plans) {
    await db.query(
      `INSERT INTO ${schema}.plans (id, label, state, result, schema_version, data)
       VALUES ($1, 'Root', 'running', 'pending', 1, $2::jsonb)`,
      [plan.id, JSON.stringify(plan.data)],
    );
  }
  return schema;
}

const child = (id: string, planId: string, stepId: number): PlanRecord =>
  makePlanRecord(id, { state: 'running', parent: { planId, stepId } });
const row = (plan: PlanRecord) => ({ id: plan.id, data: plan });

describe('PostgresAdapter migration 2 (parent columns)', () => {
  it('fills the parent columns of plans stored before it, so the parent filter finds them', async () => {
    const schema = await versionOneSchema([
      row(makePlanRecord('p1', { state: 'running' })),
      row(child('c1', 'p1', 2)),
      row(child('c2', 'p1', 3)),
      row(child('c3', 'p2', 2)),
      // Records are stored as they are: malformed parents must not stop the migration.
      { id: 'odd', data: { ...makePlanRecord('odd'), parent: { planId: 7, stepId: 2 } } },
      { id: 'frac', data: { ...child('frac', 'p1', 2), parent: { planId: 'p1', stepId: 2.5 } } },
      { id: 'text', data: { ...child('text', 'p1', 2), parent: { planId: 'p1', stepId: '2' } } },
      { id: 'scalar', data: 'not a plan' },
      row(child('c4', 'p1', 2)),
    ]);
    const adapter = db.freshAdapter(schema);
    await adapter.start();

    const versions = await db.query(`SELECT version FROM ${schema}.migrations ORDER BY version`);
    expect(versions).toEqual(migrations.map(({ version }) => ({ version })));
    const columns = await db.query<{ id: string; parent_plan_id: string; parent_step_id: string }>(
      `SELECT id, parent_plan_id, parent_step_id::int FROM ${schema}.plans ORDER BY seq`,
    );
    expect(columns.map((c) => [c.id, c.parent_plan_id, c.parent_step_id])).toEqual([
      ['p1', null, null],
      ['c1', 'p1', 2],
      ['c2', 'p1', 3],
      ['c3', 'p2', 2],
      ['odd', null, null],
      ['frac', 'p1', null],
      ['text', 'p1', null],
      ['scalar', null, null],
      ['c4', 'p1', 2],
    ]);

    const ids = async (parent: { planId: string; stepId?: number }) =>
      (await adapter.findPlans({ parent })).map((plan) => plan.id);
    expect(await ids({ planId: 'p1' })).toEqual(['c4', 'text', 'frac', 'c2', 'c1']);
    expect(await ids({ planId: 'p1', stepId: 2 })).toEqual(['c4', 'c1']);
    expect(await adapter.findPlans({ parent: { planId: 'p2' } })).toEqual([child('c3', 'p2', 2)]);

    // Plans written after the migration join them in the newest-first order.
    await Promise.all([
      adapter.write({ plans: [child('c5', 'p1', 2)] }),
      adapter.write({ plans: [child('c1', 'p9', 1)] }),
    ]);
    expect(await ids({ planId: 'p1', stepId: 2 })).toEqual(['c5', 'c4']);
    expect(await ids({ planId: 'p9' })).toEqual(['c1']);
  });

  it('the parent filter reads the indexed columns, not the JSON record', async () => {
    const adapter = db.freshAdapter();
    await adapter.start();
    const { schema } = adapter;
    await adapter.write({ plans: [child('c1', 'p1', 2), child('c2', 'p1', 3)] });
    // Only the column changes: a filter reading the JSON would still find c1 under p1.
    await db.query(`UPDATE ${schema}.plans SET parent_plan_id = 'moved' WHERE id = 'c1'`);
    expect((await adapter.findPlans({ parent: { planId: 'p1' } })).map((p) => p.id)).toEqual([
      'c2',
    ]);
    expect((await adapter.findPlans({ parent: { planId: 'moved' } })).map((p) => p.id)).toEqual([
      'c1',
    ]);

    // Among many plans, a few sub-plans are found through the index.
    await adapter.write({
      plans: Array.from({ length: 2_000 }, (_, i) => makePlanRecord(`plan-${i}`)),
    });
    await db.query(`ANALYZE ${schema}.plans`);
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id, data FROM ${schema}.plans
        WHERE parent_plan_id = 'p1' AND parent_step_id = 3 ORDER BY seq DESC`,
    );
    expect(plan.map((line) => line['QUERY PLAN']).join('\n')).toMatch(/plans_parent_seq_idx/);
  });
});

describe('PostgresAdapter migration 3 (idempotency keys)', () => {
  it('leaves plans stored before it without a key, and keys new plans uniquely', async () => {
    const schema = await versionOneSchema([
      row(makePlanRecord('old-1')),
      row(makePlanRecord('old-2')),
    ]);
    const adapter = db.freshAdapter(schema);
    await adapter.start();
    const keys = await db.query(`SELECT id, idempotency_key FROM ${schema}.plans ORDER BY seq`);
    expect(keys).toEqual([
      { id: 'old-1', idempotency_key: null },
      { id: 'old-2', idempotency_key: null },
    ]);
    const keyed = { ...makePlanRecord('new-1'), idempotencyKey: 'order-17' };
    expect(await adapter.insertPlan({ plans: [keyed] })).toEqual({ inserted: true });
    expect((await adapter.findPlans({ idempotencyKey: 'order-17' })).map((p) => p.id)).toEqual([
      'new-1',
    ]);
    const again = { ...makePlanRecord('new-2'), idempotencyKey: 'order-17' };
    expect(await adapter.insertPlan({ plans: [again] })).toEqual({
      inserted: false,
      existingId: 'new-1',
      conflict: 'idempotencyKey',
    });
  });
});
