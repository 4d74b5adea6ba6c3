import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/index.js';
import type { StoredPlan } from '../../../src/persistence/index.js';
import type { PostgresAdapter } from '../../../src/persistence/postgres/index.js';
import { useTestDatabase } from '../../helpers/postgres.js';
import { actionRecord, planRecord, scoped, stepRecord } from '../../helpers/records.js';
import { expectFlowlineError, rejectionOf } from '../../helpers/world.js';

const db = useTestDatabase();

async function started(): Promise<PostgresAdapter> {
  const adapter = db.freshAdapter();
  await adapter.start();
  return adapter;
}

/** The transaction ids (`xmin`) that last wrote the plan rows: one per committing statement. */
async function writersOf(adapter: PostgresAdapter, prefix: string): Promise<Set<string>> {
  const rows = await db.query<{ xmin: string }>(
    `SELECT xmin::text AS xmin FROM "${adapter.schema}".plans WHERE id LIKE $1`,
    [`${prefix}%`],
  );
  return new Set(rows.map((row) => row.xmin));
}

describe('PostgresAdapter group commit', () => {
  it('commits the writes called together in one transaction', async () => {
    const adapter = await started();
    for (let i = 0; i < 5; i++) await adapter.write({ plans: [planRecord(`one-${i}`)] });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => adapter.write({ plans: [planRecord(`group-${i}`)] })),
    );

    expect((await writersOf(adapter, 'one-')).size).toBe(5);
    // The first write leaves at once; the ones called meanwhile share the next statement.
    expect((await writersOf(adapter, 'group-')).size).toBeLessThanOrEqual(2);
    expect(await adapter.findPlans({ limit: 100 })).toHaveLength(35);
  });

  it('applies grouped writes in call order: the last record of a key wins', async () => {
    const adapter = await started();
    await Promise.all([
      adapter.write({ plans: [planRecord('p1', 'planned')] }),
      adapter.write({ plans: [planRecord('p1', 'running')] }),
      adapter.write({ plans: [planRecord('p1', 'stopped', 'success')] }),
    ]);
    expect((await adapter.loadPlan('p1'))?.plan.state).toBe('stopped');
  });

  it('rejects only the batch that names a missing plan and commits the others', async () => {
    const adapter = await started();
    const results = await Promise.allSettled([
      adapter.write({
        plans: [planRecord('p1')],
        actions: [scoped('p1', actionRecord(1))],
        steps: [
          scoped('p1', stepRecord(1, 'success', 'plan')),
          scoped('p1', stepRecord(2, 'pending')),
        ],
      }),
      adapter.write({ actions: [scoped('missing', actionRecord(1))] }),
      adapter.write({ plans: [planRecord('p2')] }),
    ]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = expectFlowlineError(
      (results[1] as PromiseRejectedResult).reason,
      ErrorCode.STORAGE_ERROR,
    );
    expect(error.message).toContain('missing');
    expect((await adapter.loadPlan('p1'))?.actions).toHaveLength(1);
    expect(await adapter.loadPlan('p2')).toBeDefined();
  });

  it('lets exactly one of two claims of a step made together win', async () => {
    const adapter = await started();
    await adapter.write({
      plans: [planRecord('p1')],
      actions: [scoped('p1', actionRecord(1))],
      steps: [
        scoped('p1', stepRecord(1, 'success', 'plan')),
        scoped('p1', stepRecord(2, 'pending')),
        scoped('p1', stepRecord(3, 'error')),
      ],
    });
    const claims = await Promise.all([
      adapter.claimStep({ planId: 'p1', stepId: 2, from: ['pending'], at: 'T' }),
      adapter.claimStep({ planId: 'p1', stepId: 2, from: ['pending'], at: 'T' }),
      adapter.claimStep({ planId: 'p1', stepId: 3, from: ['pending', 'error'], at: 'T' }),
      adapter.claimStep({ planId: 'p1', stepId: 1, from: ['pending'], at: 'T' }),
    ]);

    expect(claims).toEqual([true, false, true, false]);
    const steps = (await adapter.loadPlan('p1'))?.steps;
    expect(steps?.map((step) => [step.id, step.state, step.startedAt])).toEqual([
      [1, 'success', undefined],
      [2, 'running', 'T'],
      [3, 'running', 'T'],
    ]);
  });

  it('takes locks asked for together: each free key once, a held one never', async () => {
    const adapter = await started();
    const lock = (key: string, ownerId: string) => ({ key, ownerId, acquiredAt: 'T' });
    expect(await adapter.acquireLock(lock('held', 'w0'))).toBe(true);
    const taken = await Promise.all([
      adapter.acquireLock(lock('a', 'w1')),
      adapter.acquireLock(lock('a', 'w2')),
      adapter.acquireLock(lock('b', 'w1')),
      adapter.acquireLock(lock('held', 'w1')),
    ]);
    expect(taken).toEqual([true, false, true, false]);
    expect((await adapter.findLocks('w1')).map((l) => l.key).sort()).toEqual(['a', 'b']);

    // Released together; a release by someone who does not hold the lock changes nothing.
    await Promise.all([
      adapter.releaseLock('a', 'w1'),
      adapter.releaseLock('b', 'w1'),
      adapter.releaseLock('held', 'w1'),
    ]);
    expect(await adapter.findLocks('w1')).toEqual([]);
    expect((await adapter.findLocks('w0')).map((l) => l.key)).toEqual(['held']);
  });

  it('reads plans asked for together; a damaged one fails its caller alone', async () => {
    const adapter = await started();
    const whole = (planId: string) => ({
      actions: [scoped(planId, actionRecord(1))],
      steps: [
        scoped(planId, stepRecord(1, 'success', 'plan')),
        scoped(planId, stepRecord(2, 'pending')),
      ],
    });
    await adapter.write({
      plans: [planRecord('p1'), planRecord('p2'), planRecord('bad')],
      actions: [...whole('p1').actions, ...whole('bad').actions],
      steps: [...whole('p1').steps, ...whole('bad').steps],
    });
    await db.query(
      `UPDATE "${adapter.schema}".steps SET data = data - 'phase' WHERE plan_id = 'bad'`,
    );
    const loads = await Promise.allSettled([
      adapter.loadPlan('p1'),
      adapter.loadPlan('bad'),
      adapter.loadPlan('missing'),
      adapter.loadPlan('p1'),
      adapter.loadPlan('p2'),
    ]);
    expect(loads.map((load) => load.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const [first, bad, missing, again, second] = loads;
    const p1 = (first as PromiseFulfilledResult<StoredPlan | undefined>).value;
    expect(p1?.steps.map((step) => step.id)).toEqual([1, 2]);
    // Two callers of one plan get records of their own.
    expect((again as PromiseFulfilledResult<StoredPlan | undefined>).value).not.toBe(p1);
    expect((second as PromiseFulfilledResult<StoredPlan | undefined>).value?.plan.id).toBe('p2');
    expect((missing as PromiseFulfilledResult<StoredPlan | undefined>).value).toBeUndefined();
    expectFlowlineError((bad as PromiseRejectedResult).reason, ErrorCode.INVALID_PLAN);
  });

  it('sends queued writes before close() ends the pool', async () => {
    const adapter = await started();
    const pending = adapter.write({ plans: [planRecord('queued')] });
    await adapter.close();
    await pending;

    const reopened = db.freshAdapter(adapter.schema);
    await reopened.start();
    expect((await reopened.loadPlan('queued'))?.plan.id).toBe('queued');
  });

  it('rejects writes and claims of an adapter that is not started', async () => {
    const adapter = db.freshAdapter();
    expectFlowlineError(
      await rejectionOf(adapter.write({ plans: [planRecord('p1')] })),
      ErrorCode.STORAGE_ERROR,
    );
    expectFlowlineError(
      await rejectionOf(adapter.claimStep({ planId: 'p1', stepId: 1, from: ['pending'], at: 'T' })),
      ErrorCode.STORAGE_ERROR,
    );
  });
});
