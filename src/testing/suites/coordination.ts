import { expect } from '../vitest.js';
import type {
  DelayedPlanRecord,
  LockRecord,
  PersistenceAdapter,
  StepLogLine,
  WorldRecord,
} from '../../persistence/adapter.js';
import { fixtureBatch, makePlanFixture, makePlanRecord } from '../fixtures.js';
import type { ConformanceGroup, ConformanceHarness } from './harness.js';
import { race } from './harness.js';
import { envelope } from './queues.js';

function world(id: string, extra: Partial<WorldRecord> = {}): WorldRecord {
  return {
    id,
    host: 'host-α.example.com',
    pid: 4242,
    executor: true,
    startedAt: '2024-08-01T00:00:00.000Z',
    heartbeatAt: '2024-08-01T00:00:00.000Z',
    ...extra,
  };
}

function lock(key: string, ownerId: string, planId?: string): LockRecord {
  const base = { key, ownerId, acquiredAt: '2024-08-01T00:00:05.000Z' };
  return planId === undefined ? base : { ...base, planId };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byKey = (a: LockRecord, b: LockRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

async function worldsOf(adapter: PersistenceAdapter): Promise<WorldRecord[]> {
  return (await adapter.findWorlds()).sort(byId);
}

async function locksOf(adapter: PersistenceAdapter, ownerId: string): Promise<LockRecord[]> {
  return (await adapter.findLocks(ownerId)).sort(byKey);
}

async function registerWorlds(adapter: PersistenceAdapter, ...ids: string[]): Promise<void> {
  for (const id of ids) await adapter.registerWorld(world(id));
}

/** Registers the `worlds`, `locks` and `durability` groups. */
export function registerCoordinationTests(harness: ConformanceHarness): void {
  harness.group('worlds', 'world registry', (test) => {
    test('registerWorld stores a world; registering the same id again replaces it', async (adapter) => {
      expect(await adapter.findWorlds(), 'empty store').toEqual([]);
      const client = world('w-client', { executor: false, pid: 1 });
      await adapter.registerWorld(world('w-1'));
      await adapter.registerWorld(client);
      expect(await worldsOf(adapter), 'both worlds, deep-equal').toEqual([world('w-1'), client]);
      const restarted = world('w-1', { pid: 777, startedAt: '2024-08-02T00:00:00.000Z' });
      await adapter.registerWorld(restarted);
      expect(await worldsOf(adapter), 'w-1 replaced, not duplicated').toEqual([restarted, client]);
    });

    test('heartbeat of a registered world is true and updates heartbeatAt only', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      expect(
        await adapter.heartbeat('w-1', '2024-08-01T00:01:00.000Z'),
        'heartbeat of a registered world',
      ).toBe(true);
      expect(await worldsOf(adapter), 'heartbeatAt of w-1 updated, nothing else').toEqual([
        world('w-1', { heartbeatAt: '2024-08-01T00:01:00.000Z' }),
        world('w-2'),
      ]);
    });

    test('heartbeat of an unknown world is false and registers nothing', async (adapter) => {
      await registerWorlds(adapter, 'w-1');
      expect(await adapter.heartbeat('w-gone', '2024-08-01T00:01:00.000Z'), 'unknown world').toBe(
        false,
      );
      expect(await worldsOf(adapter), 'no world was added').toEqual([world('w-1')]);
    });

    test('unregisterWorld removes the world; its heartbeat is then false', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      await adapter.unregisterWorld('w-1');
      expect(await worldsOf(adapter), 'only w-2 is left').toEqual([world('w-2')]);
      expect(
        await adapter.heartbeat('w-1', '2024-08-01T00:01:00.000Z'),
        'heartbeat of an invalidated world',
      ).toBe(false);
      await adapter.unregisterWorld('no-such-world');
      expect(await worldsOf(adapter), 'unregistering an unknown world changes nothing').toEqual([
        world('w-2'),
      ]);
    });

    test('unregisterWorld releases every lock of the world, and only those', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      await adapter.write({ plans: [makePlanRecord('p1')] });
      expect(await adapter.acquireLock(lock('execution-plan:p1', 'w-1', 'p1'))).toBe(true);
      expect(await adapter.acquireLock(lock('singleton:Backup', 'w-1'))).toBe(true);
      expect(await adapter.acquireLock(lock('singleton:Report', 'w-2'))).toBe(true);
      await adapter.unregisterWorld('w-1');
      expect(await adapter.findLocks('w-1'), 'locks of the unregistered world').toEqual([]);
      expect(await locksOf(adapter, 'w-2'), 'locks of other worlds are kept').toEqual([
        lock('singleton:Report', 'w-2'),
      ]);
      expect(
        await adapter.acquireLock(lock('execution-plan:p1', 'w-2', 'p1')),
        'a released lock can be taken by another world',
      ).toBe(true);
    });

    test('findWorlds returns copies', async (adapter) => {
      await registerWorlds(adapter, 'w-1');
      const [found] = await adapter.findWorlds();
      if (found !== undefined) (found as { pid: number }).pid = 1;
      expect(await adapter.findWorlds()).toEqual([world('w-1')]);
    });
  });

  harness.group('locks', 'locks', (test) => {
    test('acquireLock takes a free key once; another acquirer is refused', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      await adapter.write({ plans: [makePlanRecord('p1')] });
      expect(await adapter.acquireLock(lock('execution-plan:p1', 'w-1', 'p1')), 'a free key').toBe(
        true,
      );
      expect(
        await adapter.acquireLock(lock('execution-plan:p1', 'w-2', 'p1')),
        'a key held by another world',
      ).toBe(false);
      expect(await adapter.findLocks('w-1'), 'the holder’s lock, deep-equal').toEqual([
        lock('execution-plan:p1', 'w-1', 'p1'),
      ]);
      expect(await adapter.findLocks('w-2'), 'the refused world holds nothing').toEqual([]);
    });

    test('releaseLock by a world that does not hold the key changes nothing', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      expect(await adapter.acquireLock(lock('singleton:Backup', 'w-1'))).toBe(true);
      await adapter.releaseLock('singleton:Backup', 'w-2');
      expect(await adapter.findLocks('w-1'), 'still held by w-1').toEqual([
        lock('singleton:Backup', 'w-1'),
      ]);
      expect(
        await adapter.acquireLock(lock('singleton:Backup', 'w-2')),
        'the key is still taken',
      ).toBe(false);
      await adapter.releaseLock('no-such-key', 'w-1');
    });

    test('releaseLock by the owner frees the key for anyone', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      expect(await adapter.acquireLock(lock('singleton:Backup', 'w-1'))).toBe(true);
      await adapter.releaseLock('singleton:Backup', 'w-1');
      expect(await adapter.findLocks('w-1'), 'w-1 holds nothing after releasing').toEqual([]);
      expect(await adapter.acquireLock(lock('singleton:Backup', 'w-2')), 'taken by w-2').toBe(true);
      await adapter.releaseLock('singleton:Backup', 'w-2');
      expect(await adapter.acquireLock(lock('singleton:Backup', 'w-1')), 'taken back by w-1').toBe(
        true,
      );
    });

    test('findLocks lists every lock a world holds', async (adapter) => {
      await registerWorlds(adapter, 'w-1', 'w-2');
      await adapter.write({ plans: [makePlanRecord('p1'), makePlanRecord('p2')] });
      const mine = [
        lock('execution-plan:p1', 'w-1', 'p1'),
        lock('execution-plan:p2', 'w-1', 'p2'),
        lock('singleton:Backup', 'w-1'),
      ];
      for (const record of mine) expect(await adapter.acquireLock(record)).toBe(true);
      expect(await adapter.acquireLock(lock('singleton:Report', 'w-2'))).toBe(true);
      expect(await locksOf(adapter, 'w-1'), 'with and without planId, deep-equal').toEqual(mine);
      expect(await adapter.findLocks('no-such-world'), 'an unknown world').toEqual([]);
    });

    test('racing acquireLock calls on one key: exactly one wins', async (adapter) => {
      const owners = Array.from({ length: 10 }, (_, i) => `w-${i}`);
      await registerWorlds(adapter, ...owners);
      const results = await race(owners.length, (i) =>
        adapter.acquireLock(lock('singleton:Backup', owners[i] ?? 'w-x')),
      );
      expect(
        results.filter((won) => won).length,
        '10 concurrent acquireLock calls on one key: exactly one may return true',
      ).toBe(1);
      const winner = owners[results.indexOf(true)] ?? 'none';
      expect(await adapter.findLocks(winner), 'the winner holds the lock').toEqual([
        lock('singleton:Backup', winner),
      ]);
      const held = await Promise.all(owners.map((owner) => adapter.findLocks(owner)));
      expect(held.flat().length, 'exactly one lock is stored').toBe(1);
    });
  });

  harness.group('durability', 'durability', (test) => {
    test('everything written survives closing and reopening the store', async (first) => {
      const has = (group: ConformanceGroup) => harness.supports(group);
      const fixture = makePlanFixture('plan-durable');
      const delayedPlan: DelayedPlanRecord = {
        planId: 'plan-durable',
        startAt: '2024-07-01T10:00:00.000Z',
        args: [{ a: 1 }],
        frozen: false,
      };
      const logs: StepLogLine[] = [
        {
          planId: 'plan-durable',
          stepId: 6,
          at: '2024-05-01T10:00:01.500Z',
          level: 'error',
          message: 'quota',
        },
      ];
      const at = '2024-06-01T12:00:00.000Z';
      const heldLock = lock('execution-plan:plan-durable', 'w-1', 'plan-durable');
      await first.write({
        ...fixtureBatch(fixture),
        ...(has('delayedPlans') ? { delayedPlans: [delayedPlan] } : {}),
      });
      await first.write({
        plans: [makePlanRecord('plan-next')],
        ...(has('dependencies')
          ? { dependencies: [{ planId: 'plan-next', dependsOn: 'plan-durable' }] }
          : {}),
      });
      if (has('claimStep')) {
        expect(
          await first.claimStep({ planId: 'plan-durable', stepId: 9, from: ['pending'], at }),
        ).toBe(true);
      }
      if (has('events')) {
        await first.enqueueEvent(envelope('e1', 'plan-durable', 7, { ok: true }));
        await first.enqueueEvent(envelope('e2', 'plan-durable', 7, null));
      }
      if (has('logs')) await first.appendLogs(logs);
      if (has('worlds') || has('locks')) await first.registerWorld(world('w-1'));
      if (has('locks')) expect(await first.acquireLock(heldLock)).toBe(true);

      const adapter = await harness.reopen();

      const steps = has('claimStep')
        ? fixture.steps.map((s) =>
            s.id === 9 ? { ...s, state: 'running' as const, startedAt: at } : s,
          )
        : fixture.steps;
      expect(
        await adapter.loadPlan('plan-durable'),
        'the plan with its actions and steps (step 9 claimed)',
      ).toEqual({ plan: fixture.plan, actions: fixture.actions, steps });
      expect(
        (await adapter.findPlans()).map((p) => p.id),
        'plans, newest first',
      ).toEqual(['plan-next', 'plan-durable']);
      if (has('delayedPlans')) {
        expect(await adapter.loadDelayedPlan('plan-durable'), 'the delayed plan').toEqual(
          delayedPlan,
        );
      }
      if (has('dependencies')) {
        expect(await adapter.findDependents('plan-durable'), 'the dependency').toEqual([
          'plan-next',
        ]);
      }
      if (has('events')) {
        expect((await adapter.takeEvent('plan-durable', 7))?.id, 'first queued event').toBe('e1');
        expect((await adapter.takeEvent('plan-durable', 7))?.id, 'second queued event').toBe('e2');
      }
      if (has('logs')) expect(await adapter.loadLogs('plan-durable'), 'log lines').toEqual(logs);
      if (has('worlds')) {
        expect(await adapter.findWorlds(), 'registered worlds').toEqual([world('w-1')]);
      }
      if (has('locks')) expect(await adapter.findLocks('w-1'), 'held locks').toEqual([heldLock]);
    });
  });
}
