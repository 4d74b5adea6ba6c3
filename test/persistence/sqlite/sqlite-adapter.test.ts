import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowlineError } from '../../../src/errors.js';
import type { SqliteAdapterOptions } from '../../../src/persistence/sqlite/index.js';
import { SqliteAdapter } from '../../../src/persistence/sqlite/index.js';
import type { PlanRecord } from '../../../src/plan/records.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src/persistence/sqlite/migrations.js';
import {
  actionRecord,
  expectFlowlineError,
  planRecord,
  rejectionOf,
  scoped,
  stepRecord,
  tempDirs,
  thrownBy,
} from './helpers.js';

const dirs = tempDirs();
let dir: string;
let open: SqliteAdapter[] = [];

beforeEach(() => {
  dir = dirs.make();
});

afterEach(async () => {
  for (const adapter of open) await adapter.close();
  open = [];
  dirs.removeAll();
});

async function started(
  filename = join(dir, 'flowline.db'),
  options: Partial<SqliteAdapterOptions> = {},
) {
  const adapter = new SqliteAdapter({ filename, ...options });
  open.push(adapter);
  await adapter.start();
  return adapter;
}

describe('SqliteAdapter options', () => {
  it.each([
    [
      'synchronous FAST',
      { filename: 'x.db', synchronous: 'FAST' },
      /synchronous must be 'FULL' or 'NORMAL', got "FAST"/,
    ],
    ['an empty filename', { filename: '' }, /filename must be a non-empty string, got ""/],
    ['a non-string filename', { filename: 42 }, /filename must be a non-empty string, got 42/],
    ['no options', undefined, /options must be an object/],
    [
      'a negative busy timeout',
      { filename: 'x.db', busyTimeoutMs: -1 },
      /busyTimeoutMs must be an integer/,
    ],
  ])('%s → INVALID_ARGUMENT from the constructor', (_, options, message) => {
    const error = thrownBy(() => new SqliteAdapter(options as unknown as SqliteAdapterOptions));
    expect(expectFlowlineError(error, 'INVALID_ARGUMENT').message).toMatch(message);
  });

  it('does not touch the file before start()', async () => {
    const adapter = new SqliteAdapter({ filename: join(dir, 'missing', 'x.db') });
    expect(adapter.filename).toBe(join(dir, 'missing', 'x.db'));
    const error = await rejectionOf(adapter.findPlans());
    expect(expectFlowlineError(error, 'STORAGE_ERROR').message).toMatch(/not started/);
  });

  it('accepts synchronous NORMAL and a busy timeout', async () => {
    const adapter = await started(join(dir, 'normal.db'), {
      synchronous: 'NORMAL',
      busyTimeoutMs: 100,
    });
    await adapter.write({ plans: [planRecord('p1')] });
    expect((await adapter.findPlans()).map((p) => p.id)).toEqual(['p1']);
  });
});

describe('SqliteAdapter start', () => {
  it('rejects a file that is not a SQLite database with a clear STORAGE_ERROR', async () => {
    const filename = join(dir, 'random.bin');
    writeFileSync(filename, randomBytes(8192));
    const adapter = new SqliteAdapter({ filename });
    const error = expectFlowlineError(await rejectionOf(adapter.start()), 'STORAGE_ERROR');
    expect(error.message).toContain(`${filename} is not a SQLite database`);
    expect(error.retryable).toBe(false);
    expect((error.cause as { code?: string }).code).toBe('SQLITE_NOTADB');
    await adapter.close();
  });

  it('rejects a file in a directory that does not exist', async () => {
    const adapter = new SqliteAdapter({ filename: join(dir, 'no', 'such', 'dir', 'x.db') });
    const error = expectFlowlineError(await rejectionOf(adapter.start()), 'STORAGE_ERROR');
    expect(error.message).toMatch(/cannot open .*x\.db: the directory .*dir does not exist/);
  });

  it('rejects a directory given as the file', async () => {
    const error = await rejectionOf(new SqliteAdapter({ filename: dir }).start());
    expect(expectFlowlineError(error, 'STORAGE_ERROR').message).toContain(`cannot open ${dir}`);
  });

  it('creates the schema in WAL mode and records the migration once', async () => {
    const filename = join(dir, 'fresh.db');
    await (await started(filename)).close();
    await (await started(filename)).close();
    const db = new Database(filename, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare('SELECT version FROM flowline_migrations').all();
      expect(rows).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    } finally {
      db.close();
    }
  });

  it('refuses a database whose schema is newer than the code knows, leaving it untouched', async () => {
    const filename = join(dir, 'newer.db');
    const adapter = await started(filename);
    await adapter.write({ plans: [planRecord('p1')] });
    await adapter.close();
    const db = new Database(filename);
    db.prepare("INSERT INTO flowline_migrations VALUES (99, '2030-01-01T00:00:00.000Z')").run();
    db.close();

    const error = await rejectionOf(new SqliteAdapter({ filename }).start());
    expect(expectFlowlineError(error, 'STORAGE_ERROR').message).toMatch(
      new RegExp(
        `has schema version 99, newer than the latest this version of Flowline knows \\(${LATEST_SCHEMA_VERSION}\\); upgrade Flowline`,
      ),
    );
    const check = new Database(filename, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM flowline_plans').get()).toEqual({ n: 1 });
    check.close();
  });

  it('start twice is harmless, and close then start reopens the file', async () => {
    const adapter = await started();
    await adapter.start();
    await adapter.write({ plans: [planRecord('p1')] });
    await adapter.close();
    await adapter.close();
    await adapter.start();
    expect((await adapter.loadPlan('p1'))?.plan).toEqual(planRecord('p1'));
  });
});

describe('SqliteAdapter errors', () => {
  it('a corrupt JSON row makes loadPlan reject INVALID_PLAN naming the plan and the record', async () => {
    const filename = join(dir, 'corrupt.db');
    const adapter = await started(filename);
    await adapter.write({
      plans: [planRecord('p-step'), planRecord('p-plan')],
      actions: [scoped('p-step', actionRecord(1))],
      steps: [
        scoped('p-step', stepRecord(1, 'success', 'plan')),
        scoped('p-step', stepRecord(2, 'pending')),
      ],
    });
    const raw = new Database(filename);
    raw
      .prepare(
        "UPDATE flowline_steps SET data = '{\"id\": 2, broken' WHERE plan_id = 'p-step' AND id = 2",
      )
      .run();
    raw.prepare("UPDATE flowline_plans SET data = 'null' WHERE id = 'p-plan'").run();
    raw.close();

    const stepError = expectFlowlineError(
      await rejectionOf(adapter.loadPlan('p-step')),
      'INVALID_PLAN',
    );
    expect(stepError.planId).toBe('p-step');
    expect(stepError.message).toMatch(
      /^SqliteAdapter \(.*corrupt\.db\): plan p-step cannot be loaded: step 2 is corrupt: not valid JSON/,
    );

    const planError = expectFlowlineError(
      await rejectionOf(adapter.loadPlan('p-plan')),
      'INVALID_PLAN',
    );
    expect(planError.message).toMatch(
      /plan p-plan cannot be loaded: the plan record is null, not an object/,
    );
  });

  it('findPlans lists a plan whose row is corrupt marked invalid, with its columns, and every other plan', async () => {
    const filename = join(dir, 'listed.db');
    const adapter = await started(filename);
    await adapter.write({
      plans: [
        planRecord('p-old', 'stopped', 'success', 'Old'),
        planRecord('p-bad', 'running', 'pending', 'Broken'),
        planRecord('p-new', 'paused', 'error', 'New'),
      ],
    });
    const raw = new Database(filename);
    raw
      .prepare('UPDATE flowline_plans SET data = \'{"id": "p-bad", trunc\' WHERE id = \'p-bad\'')
      .run();
    raw.close();

    const listed = await adapter.findPlans();
    expect(listed.map((plan) => plan.id)).toEqual(['p-new', 'p-bad', 'p-old']);
    expect(listed[0]).toEqual(planRecord('p-new', 'paused', 'error', 'New'));
    expect(listed[2]).toEqual(planRecord('p-old', 'stopped', 'success', 'Old'));
    const bad = listed[1];
    expect(bad).toMatchObject({
      id: 'p-bad',
      label: 'Broken',
      state: 'running',
      result: 'pending',
    });
    expect(bad?.invalid?.code).toBe('INVALID_PLAN');
    expect(bad?.invalid?.message).toMatch(
      /plan p-bad cannot be loaded: the plan record is corrupt: not valid JSON/,
    );
    // The filters read the columns, so the row is found by the state it was stored with.
    expect((await adapter.findPlans({ state: 'running' })).map((plan) => plan.id)).toEqual([
      'p-bad',
    ]);
    // Such a record is never written back.
    const refused = expectFlowlineError(
      await rejectionOf(adapter.write({ plans: [bad as PlanRecord] })),
      'INVALID_ARGUMENT',
    );
    expect(refused.message).toContain('p-bad');
  });

  it('a batch naming an unknown plan fails as a whole, naming that plan', async () => {
    const adapter = await started();
    const error = await rejectionOf(
      adapter.write({
        plans: [planRecord('p1')],
        steps: [scoped('p1', stepRecord(1, 'pending')), scoped('ghost', stepRecord(1, 'pending'))],
        delayedPlans: [
          { planId: 'p1', startAt: '2024-01-01T00:00:00.000Z', args: [], frozen: false },
        ],
      }),
    );
    const flowline = expectFlowlineError(error, 'STORAGE_ERROR');
    expect(flowline.message).toMatch(/names plan ghost, which was never written/);
    expect(flowline.planId).toBe('ghost');
    expect(await adapter.findPlans()).toEqual([]);
    expect(await adapter.loadDelayedPlan('p1')).toBeUndefined();
  });

  it('a busy database gives a retryable STORAGE_ERROR naming the operation and file', async () => {
    const filename = join(dir, 'busy.db');
    const adapter = await started(filename, { busyTimeoutMs: 0 });
    const other = new Database(filename);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const error = await rejectionOf(adapter.write({ plans: [planRecord('p1')] }));
      const flowline = expectFlowlineError(error, 'STORAGE_ERROR');
      expect(flowline.retryable).toBe(true);
      expect(flowline.message).toContain(`SqliteAdapter write on ${filename} failed`);
      expect((flowline.cause as { code?: string }).code).toBe('SQLITE_BUSY');
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    await adapter.write({ plans: [planRecord('p1')] });
    expect(await adapter.loadPlan('p1')).toBeDefined();
  });

  it('errors are FlowlineErrors, never raw driver errors', async () => {
    const adapter = await started();
    // A value better-sqlite3 cannot bind (a function) makes the driver throw a TypeError.
    const bad = { ...planRecord('p1'), label: (() => 'x') as unknown as string };
    const error = await rejectionOf(adapter.write({ plans: [bad] }));
    expect(error).toBeInstanceOf(FlowlineError);
    expect((error as FlowlineError).message).toMatch(/^SqliteAdapter write on .* failed: /);
  });
});
