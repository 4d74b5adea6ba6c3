import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/index.js';
import { SqliteAdapter } from '../../../src/persistence/sqlite/index.js';
import {
  actionRecord,
  expectFlowlineError,
  planRecord,
  rejectionOf,
  scoped,
  stepRecord,
  tempDirs,
} from './helpers.js';

const dirs = tempDirs();
let filename: string;
let adapter: SqliteAdapter;

beforeEach(async () => {
  filename = join(dirs.make(), 'flowline.db');
  adapter = new SqliteAdapter({ filename });
  await adapter.start();
});

afterEach(async () => {
  await adapter.close();
  dirs.removeAll();
});

/** Bytes in the write-ahead log: every commit appends the pages it changed. */
function walBytes(): number {
  return statSync(`${filename}-wal`).size;
}

describe('SqliteAdapter group commit', () => {
  it('commits the operations called in one turn of the event loop as one transaction', async () => {
    await adapter.write({ plans: [planRecord('warm-up')] });
    const before = walBytes();
    for (let i = 0; i < 40; i++) await adapter.write({ plans: [planRecord(`one-${i}`)] });
    const oneByOne = walBytes() - before;

    const between = walBytes();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => adapter.write({ plans: [planRecord(`group-${i}`)] })),
    );
    const grouped = walBytes() - between;

    // 40 commits append at least 40 page frames; one commit appends each changed page once.
    expect(oneByOne).toBeGreaterThanOrEqual(40 * 4096);
    expect(grouped).toBeLessThan(oneByOne / 5);
    expect(await adapter.findPlans({ limit: 100 })).toHaveLength(81);
  });

  it('resolves a write only once another connection can read it', async () => {
    await adapter.write({ plans: [planRecord('p1')] });
    const reader = new Database(filename, { readonly: true });
    try {
      const row = reader.prepare('SELECT id FROM flowline_plans WHERE id = ?').get('p1');
      expect(row).toEqual({ id: 'p1' });
    } finally {
      reader.close();
    }
  });

  it('rejects a failing operation alone and commits the rest of its group', async () => {
    const good = adapter.write({
      plans: [planRecord('p1')],
      actions: [scoped('p1', actionRecord(1))],
      steps: [
        scoped('p1', stepRecord(1, 'success', 'plan')),
        scoped('p1', stepRecord(2, 'pending')),
      ],
    });
    const bad = adapter.write({ actions: [scoped('missing', actionRecord(1))] });
    const after = adapter.write({ plans: [planRecord('p2')] });

    await good;
    await after;
    const error = expectFlowlineError(await rejectionOf(bad), ErrorCode.STORAGE_ERROR);
    expect(error.message).toContain('missing');
    expect((await adapter.loadPlan('p1'))?.actions).toHaveLength(1);
    expect(await adapter.loadPlan('p2')).toBeDefined();
    expect(await adapter.loadPlan('missing')).toBeUndefined();
  });

  it('runs the operations of a group in the order they were called', async () => {
    const written = adapter.write({
      plans: [planRecord('p1')],
      actions: [scoped('p1', actionRecord(1))],
      steps: [
        scoped('p1', stepRecord(1, 'success', 'plan')),
        scoped('p1', stepRecord(2, 'pending')),
      ],
    });
    const claim = { planId: 'p1', stepId: 2, from: ['pending' as const], at: 'T' };
    const first = adapter.claimStep(claim);
    const second = adapter.claimStep(claim);

    await written;
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect((await adapter.loadPlan('p1'))?.steps[1]?.state).toBe('running');
  });

  it('commits what is queued when the adapter closes', async () => {
    const pending = adapter.write({ plans: [planRecord('queued')] });
    await adapter.close();
    await pending;

    const reopened = new SqliteAdapter({ filename });
    await reopened.start();
    try {
      expect((await reopened.loadPlan('queued'))?.plan.id).toBe('queued');
    } finally {
      await reopened.close();
    }
  });

  it('rejects an operation called after close with a clear error and runs nothing', async () => {
    await adapter.close();
    const error = expectFlowlineError(
      await rejectionOf(adapter.write({ plans: [planRecord('late')] })),
      ErrorCode.STORAGE_ERROR,
    );
    expect(error.message).toContain('not started');
  });
});
