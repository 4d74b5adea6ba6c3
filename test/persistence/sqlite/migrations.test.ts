import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanRecord } from '../../../src/plan/records.js';
import { MIGRATIONS } from '../../../src/persistence/sqlite/migrations.js';
import { SqliteAdapter } from '../../../src/persistence/sqlite/index.js';
import { makePlanRecord } from '../../../src/testing/fixtures.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
let filename: string;
let open: SqliteAdapter[] = [];

beforeEach(() => {
  filename = join(dirs.make(), 'flowline.db');
});

afterEach(async () => {
  for (const adapter of open) await adapter.close();
  open = [];
  dirs.removeAll();
});

async function started(): Promise<SqliteAdapter> {
  const adapter = new SqliteAdapter({ filename });
  open.push(adapter);
  await adapter.start();
  return adapter;
}

/** Runs `fn` on the file through a connection of its own, closed afterwards. */
function withRaw<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(filename);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** A database at schema version 1 holding `plans`, written as that version's adapter wrote them. */
function versionOneStore(plans: readonly { id: string; data: string }[]): void {
  withRaw((db) => {
    db.exec(`CREATE TABLE flowline_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
      ${(MIGRATIONS[0] as { sql: string }).sql}
      INSERT INTO flowline_migrations VALUES (1, '2024-01-01T00:00:00.000Z');`);
    const insert = db.prepare(
      `INSERT INTO flowline_plans (id, label, state, result, schema_version, data)
       VALUES (?, 'Root', 'running', 'pending', 1, ?)`,
    );
    for (const plan of plans) insert.run(plan.id, plan.data);
  });
}

const child = (id: string, planId: string, stepId: number): PlanRecord =>
  makePlanRecord(id, { state: 'running', parent: { planId, stepId } });
const row = (plan: PlanRecord) => ({ id: plan.id, data: JSON.stringify(plan) });

describe('SqliteAdapter migration 2 (parent columns)', () => {
  it('fills the parent columns of plans stored before it, so the parent filter finds them', async () => {
    versionOneStore([
      row(makePlanRecord('p1', { state: 'running' })),
      row(child('c1', 'p1', 2)),
      row(child('c2', 'p1', 3)),
      row(child('c3', 'p2', 2)),
      // Records are stored as they are: a malformed parent or corrupt JSON must not stop it.
      { id: 'odd', data: JSON.stringify({ ...makePlanRecord('odd'), parent: { planId: 7 } }) },
      {
        id: 'frac',
        data: JSON.stringify({ ...child('frac', 'p1', 2), parent: { planId: 'p1', stepId: 2.5 } }),
      },
      { id: 'broken', data: '{"id": "broken", "parent": ' },
      row(child('c4', 'p1', 2)),
    ]);
    const adapter = await started();

    const versions = withRaw((db) => db.prepare('SELECT version FROM flowline_migrations').all());
    expect(versions).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    const columns = withRaw((db) =>
      db
        .prepare('SELECT id, parent_plan_id, parent_step_id FROM flowline_plans ORDER BY seq')
        .raw()
        .all(),
    );
    expect(columns).toEqual([
      ['p1', null, null],
      ['c1', 'p1', 2],
      ['c2', 'p1', 3],
      ['c3', 'p2', 2],
      ['odd', null, null],
      ['frac', 'p1', null],
      ['broken', null, null],
      ['c4', 'p1', 2],
    ]);

    const ids = async (parent: { planId: string; stepId?: number }) =>
      (await adapter.findPlans({ parent })).map((plan) => plan.id);
    expect(await ids({ planId: 'p1' })).toEqual(['c4', 'frac', 'c2', 'c1']);
    expect(await ids({ planId: 'p1', stepId: 2 })).toEqual(['c4', 'c1']);
    expect(await ids({ planId: 'p2' })).toEqual(['c3']);
    expect((await adapter.findPlans({ parent: { planId: 'p2' } }))[0]).toEqual(
      child('c3', 'p2', 2),
    );

    // Plans written after the migration join them in the newest-first order.
    await adapter.write({ plans: [child('c5', 'p1', 2)] });
    await adapter.write({ plans: [child('c1', 'p9', 1)] });
    expect(await ids({ planId: 'p1', stepId: 2 })).toEqual(['c5', 'c4']);
    expect(await ids({ planId: 'p9' })).toEqual(['c1']);
  });

  it('the parent filter reads the indexed columns, not the JSON record', async () => {
    const adapter = await started();
    await adapter.write({ plans: [child('c1', 'p1', 2), child('c2', 'p1', 3)] });
    // Only the column changes: a filter reading the JSON would still find c1 under p1.
    withRaw((db) =>
      db.prepare("UPDATE flowline_plans SET parent_plan_id = 'moved' WHERE id = 'c1'").run(),
    );
    expect((await adapter.findPlans({ parent: { planId: 'p1' } })).map((p) => p.id)).toEqual([
      'c2',
    ]);
    expect((await adapter.findPlans({ parent: { planId: 'moved' } })).map((p) => p.id)).toEqual([
      'c1',
    ]);

    const plan = withRaw((db) =>
      db
        .prepare<[], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT id, data FROM flowline_plans
            WHERE parent_plan_id = 'p1' AND parent_step_id = 2 ORDER BY seq DESC`,
        )
        .all()
        .map((step) => step.detail),
    );
    expect(plan.join('\n')).toMatch(/USING INDEX flowline_plans_parent/);
  });
});

describe('SqliteAdapter migration 3 (idempotency keys)', () => {
  it('leaves plans stored before it without a key, and keys new plans uniquely', async () => {
    versionOneStore([row(makePlanRecord('old-1')), row(makePlanRecord('old-2'))]);
    const adapter = await started();
    const keys = withRaw((db) =>
      db.prepare('SELECT id, idempotency_key FROM flowline_plans ORDER BY seq').all(),
    );
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

  it('the key filter reads the unique index, not the JSON record', async () => {
    await started();
    const plan = withRaw((db) =>
      db
        .prepare<[], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT id, data FROM flowline_plans
            WHERE idempotency_key = 'k' ORDER BY seq DESC`,
        )
        .all()
        .map((step) => step.detail),
    );
    expect(plan.join('\n')).toMatch(/USING INDEX flowline_plans_idempotency_key/);
  });
});
