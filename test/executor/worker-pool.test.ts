import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/executor/worker-pool.js';
import { deferred } from '../helpers/world.js';
import type { Deferred } from '../helpers/world.js';

/** A pool whose jobs say when they start and end only when the test releases them. */
function gatedPool(concurrency: number) {
  const errors: unknown[] = [];
  const pool = new WorkerPool(concurrency, (error) => errors.push(error));
  const order: number[] = [];
  const starts = new Map<number, Deferred<void>>();
  const gates = new Map<number, Deferred<void>>();
  let active = 0;
  let most = 0;
  const add = (id: number, fail = false): void => {
    starts.set(id, deferred());
    gates.set(id, deferred());
    pool.add(async () => {
      order.push(id);
      active++;
      most = Math.max(most, active);
      starts.get(id)?.resolve();
      await gates.get(id)?.promise;
      active--;
      if (fail) throw new Error(`job ${id} failed`);
    });
  };
  const release = (id: number): void => gates.get(id)?.resolve();
  const started = (id: number): Promise<void> => (starts.get(id) as Deferred<void>).promise;
  return { pool, errors, order, add, release, started, most: () => most };
}

describe('WorkerPool', () => {
  it('starts jobs at once while workers are free, then one per freed worker, in order', async () => {
    const { pool, order, add, release, started, most } = gatedPool(2);
    for (const id of [1, 2, 3, 4, 5]) add(id);
    expect(order).toEqual([1, 2]);
    expect(pool.size).toBe(5);

    release(2);
    await started(3);
    expect(order).toEqual([1, 2, 3]);
    release(1);
    await started(4);
    for (const id of [3, 4, 5]) release(id);
    await pool.onIdle();
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(most()).toBe(2);
    expect(pool.size).toBe(0);
  });

  it('onIdle resolves at once when nothing runs, and for every waiter once all is done', async () => {
    const { pool, add, release } = gatedPool(1);
    await pool.onIdle();
    add(1);
    add(2);
    let idle = 0;
    const waiters = [pool.onIdle(), pool.onIdle()].map((p) => p.then(() => idle++));
    release(1);
    release(2);
    await Promise.all(waiters);
    expect(idle).toBe(2);
  });

  it('reports a job that rejects and carries on with the next', async () => {
    const { pool, errors, order, add, release } = gatedPool(1);
    add(1, true);
    add(2);
    release(1);
    release(2);
    await pool.onIdle();
    expect(order).toEqual([1, 2]);
    expect(errors).toEqual([new Error('job 1 failed')]);
  });

  it('keeps first-in-first-out order and its bound over 5 000 queued jobs', async () => {
    const pool = new WorkerPool(3, () => undefined);
    const order: number[] = [];
    let active = 0;
    let most = 0;
    for (let id = 0; id < 5000; id++) {
      pool.add(async () => {
        active++;
        most = Math.max(most, active);
        order.push(id);
        await Promise.resolve();
        active--;
      });
    }
    await pool.onIdle();
    expect(order).toEqual(Array.from({ length: 5000 }, (_, id) => id));
    expect(most).toBe(3);
  });
});
