/**
 * Singleton actions (`static singleton = true`): while a plan rooted in one is active (not yet
 * paused or stopped), another plan of the same class ends stopped/error with SINGLETON_ACTIVE on
 * its root plan step, without its plan() being called.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import { Action, MemoryAdapter, silentLogger } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/managed-clock.js';
import type { Deferred } from '../helpers/world.js';
import {
  deferred,
  expectFlowlineError,
  planReaching,
  rejectionOf,
  withWorld,
} from '../helpers/world.js';

const calls = { plan: 0, run: 0 };
let gate: Deferred<void> | undefined;
let failRun = false;

class Backup extends Action<{ target: string }> {
  static override singleton = true;
  override plan(target = 'db') {
    calls.plan++;
    this.planSelf({ target });
  }
  async run() {
    calls.run++;
    await gate?.promise;
    if (failRun) throw new Error('disk full');
  }
}

class Report extends Action {
  static override singleton = true;
  run() {}
}

class Plain extends Action {
  run() {}
}

class Wobbly extends Action {
  static override singleton = true;
  static failPlan = true;
  override plan() {
    if (Wobbly.failPlan) throw new Error('no target configured');
    this.planSelf({});
  }
  run() {}
}

const actions = [Backup, Report, Plain, Wobbly];

function reset(): void {
  calls.plan = 0;
  calls.run = 0;
  gate = undefined;
  failRun = false;
}

function expectRefused(plan: ExecutionPlan): void {
  expect(plan.state).toBe('stopped');
  expect(plan.result).toBe('error');
  const root = plan.steps[0];
  expect(root?.phase).toBe('plan');
  expect(root?.state).toBe('error');
  expect(root?.error?.code).toBe('SINGLETON_ACTIVE');
  expect(root?.error?.message).toMatch(/Backup is a singleton action/);
  expect(plan.steps.filter((s) => s.phase !== 'plan')).toEqual([]);
}

describe('singleton actions', () => {
  it('refuses a second plan while the first is active, and accepts one once it stopped', async () => {
    reset();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      gate = deferred();
      const first = world.trigger(Backup, 'db');
      expect((await first.planned).state).toBe('planned');

      const second = world.trigger(Backup, 'files');
      const refused = await second.planned;
      expectRefused(refused);
      expect(await second.finished).toEqual(refused);
      expect(calls.plan).toBe(1); // the refused plan's plan() never ran

      // Other classes, singleton or not, are not held up.
      expect((await world.trigger(Report).finished).result).toBe('success');
      expect((await world.trigger(Plain).finished).result).toBe('success');

      gate.resolve();
      expect((await first.finished).result).toBe('success');

      const third = await world.trigger(Backup, 'db').finished;
      expect([third.state, third.result]).toEqual(['stopped', 'success']);
      expect(calls).toEqual({ plan: 2, run: 2 });
    });
  });

  it('a paused holder lets go; resuming it while another plan holds the lock is refused', async () => {
    reset();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      failRun = true;
      const paused = await world.trigger(Backup, 'db').finished;
      expect(paused.state).toBe('paused');

      failRun = false;
      gate = deferred();
      const other = world.trigger(Backup, 'logs');
      expect((await other.planned).state).toBe('planned');

      const error = expectFlowlineError(
        await rejectionOf(world.resume(paused.id)),
        'SINGLETON_ACTIVE',
      );
      expect(error.planId).toBe(paused.id);
      expect((await world.executionPlan(paused.id))?.state).toBe('paused');

      gate.resolve();
      await other.finished;
      const resumed = await world.resume(paused.id);
      expect([resumed.state, resumed.result]).toEqual(['stopped', 'success']);
      // The resumed plan held the lock again and let it go when it stopped.
      expect((await world.trigger(Backup).finished).result).toBe('success');
    });
  });

  it('a plan whose planning failed releases the lock', async () => {
    reset();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      Wobbly.failPlan = true;
      const failed = await world.trigger(Wobbly).planned;
      expect([failed.state, failed.result]).toEqual(['stopped', 'error']);
      expect(failed.steps[0]?.error?.message).toBe('no target configured');
      Wobbly.failPlan = false;
      expect((await world.trigger(Wobbly).finished).result).toBe('success');
    });
  });

  it('the lock belongs to the plan: planned in a client world, released by the world that ran it', async () => {
    reset();
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, actions, logger: silentLogger }, async (executor) => {
      await withWorld(
        { adapter, actions, executor: false, logger: silentLogger },
        async (client) => {
          gate = deferred();
          const planned = await client.plan(Backup, 'db');
          expect(planned.state).toBe('planned');
          expectRefused(await client.plan(Backup, 'other'));
          expect(await adapter.findLocks(planned.id)).toMatchObject([
            { key: 'singleton:Backup', ownerId: planned.id, planId: planned.id },
          ]);
          // Invalidating the world that planned it (what happens to a dead world) keeps the lock.
          await adapter.unregisterWorld(client.id);
          expect(await adapter.findLocks(planned.id)).toHaveLength(1);

          const finished = executor.execute(planned.id);
          expectRefused(await executor.trigger(Backup, 'again').planned);
          gate.resolve();
          expect((await finished).result).toBe('success');
          // The executing world let the lock go (a plan there waits for releases under way).
          expect((await executor.trigger(Backup, 'next').finished).result).toBe('success');
          expect(await adapter.findLocks(planned.id)).toEqual([]);
          expect((await client.plan(Backup, 'after')).state).toBe('planned');
        },
      );
    });
  });

  it('a delayed singleton plan due while another is active ends stopped/error', async () => {
    reset();
    const clock = new ManagedClock();
    await withWorld({ clock, actions, logger: silentLogger }, async (world) => {
      gate = deferred();
      const active = world.trigger(Backup, 'db');
      await active.planned;
      const delayed = await world.delay(Backup, { startAt: clock.now() + 1_000 }, 'later');
      const stopped = planReaching(world, delayed.id, ['stopped']);
      await clock.advance(1_000);
      expectRefused(await stopped);
      gate.resolve();
      await active.finished;
    });
  });
});
