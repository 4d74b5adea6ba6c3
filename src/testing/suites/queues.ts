import { expect } from '../vitest.js';
import type {
  DelayedPlanRecord,
  EventEnvelope,
  PersistenceAdapter,
  StepLogLine,
} from '../../persistence/adapter.js';
import type { JsonValue } from '../../plan/records.js';
import { makePlanRecord, makeStepRecord } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import { race, sorted } from './harness.js';

/** Writes plans with five pending steps each, so records that name them have a plan to belong to. */
export async function seedPlans(adapter: PersistenceAdapter, ...planIds: string[]): Promise<void> {
  await adapter.write({
    plans: planIds.map((id) => makePlanRecord(id, { label: `Plan ${id}` })),
    steps: planIds.flatMap((planId) =>
      [1, 2, 3, 4, 5].map((id) => ({ planId, record: makeStepRecord(id) })),
    ),
  });
}

/** An event envelope; every one made in a test gets the same `createdAt`. */
export function envelope(
  id: string,
  planId: string,
  stepId: number,
  payload: JsonValue,
): EventEnvelope {
  return { id, planId, stepId, payload, createdAt: '2024-03-03T00:00:00.000Z' };
}

function delayed(
  planId: string,
  startAt: string,
  extra: Partial<DelayedPlanRecord> = {},
): DelayedPlanRecord {
  return { planId, startAt, args: [], frozen: false, ...extra };
}

/** Registers the `events`, `delayedPlans`, `dependencies` and `logs` groups. */
export function registerQueueTests(harness: ConformanceHarness): void {
  harness.group('events', 'events', (test) => {
    test('takeEvent returns the events of a step first in, first out, then undefined', async (adapter) => {
      await seedPlans(adapter, 'p1');
      // Ids that sort against the order of arrival, identical createdAt, every kind of JSON payload:
      // the queue order is arrival order, nothing else.
      const events = [
        envelope('evt-z', 'p1', 2, { approved: true, by: 'Zoë 🚀', steps: [[1], []], meta: {} }),
        envelope('evt-a', 'p1', 2, null),
        envelope('evt-m', 'p1', 2, 'plain text'),
        envelope('evt-b', 'p1', 2, 0),
        envelope('evt-y', 'p1', 2, [false, '', { n: 9007199254740991 }]),
        envelope('evt-c', 'p1', 2, {}),
      ];
      for (const event of events) await adapter.enqueueEvent(event);
      for (const event of events) {
        expect(
          await adapter.takeEvent('p1', 2),
          `takeEvent must return ${event.id} next (first in, first out), deep-equal`,
        ).toEqual(event);
      }
      expect(await adapter.takeEvent('p1', 2), 'the queue is empty now').toBeUndefined();
    });

    test('takeEvent on an empty queue is undefined', async (adapter) => {
      await seedPlans(adapter, 'p1');
      expect(await adapter.takeEvent('p1', 2), 'a step without events').toBeUndefined();
      expect(await adapter.takeEvent('no-such-plan', 2), 'an unknown plan').toBeUndefined();
      expect(await adapter.dropEvents('p1', 2), 'dropEvents of a step without events').toEqual([]);
    });

    test('queues are kept per plan and step', async (adapter) => {
      await seedPlans(adapter, 'p1', 'p2');
      await adapter.enqueueEvent(envelope('a', 'p1', 2, 'a'));
      await adapter.enqueueEvent(envelope('b', 'p1', 3, 'b'));
      await adapter.enqueueEvent(envelope('c', 'p2', 2, 'c'));
      await adapter.enqueueEvent(envelope('d', 'p1', 2, 'd'));
      expect((await adapter.takeEvent('p1', 3))?.id, 'the queue of p1 step 3').toBe('b');
      expect((await adapter.takeEvent('p2', 2))?.id, 'the queue of p2 step 2').toBe('c');
      expect(await adapter.takeEvent('p2', 3), 'p2 step 3 has no events').toBeUndefined();
      expect((await adapter.takeEvent('p1', 2))?.id, 'the queue of p1 step 2').toBe('a');
      expect((await adapter.takeEvent('p1', 2))?.id, 'the queue of p1 step 2').toBe('d');
    });

    test('dropEvents removes and returns every event of a step, in order, and nothing else', async (adapter) => {
      await seedPlans(adapter, 'p1', 'p2');
      const mine = [
        envelope('e1', 'p1', 2, { n: 1 }),
        envelope('e2', 'p1', 2, [2]),
        envelope('e3', 'p1', 2, null),
      ];
      const others = [envelope('x1', 'p1', 3, 'other step'), envelope('x2', 'p2', 2, 'other plan')];
      await adapter.enqueueEvent(mine[0] as EventEnvelope);
      await adapter.enqueueEvent(others[0] as EventEnvelope);
      await adapter.enqueueEvent(mine[1] as EventEnvelope);
      await adapter.enqueueEvent(others[1] as EventEnvelope);
      await adapter.enqueueEvent(mine[2] as EventEnvelope);
      expect(
        await adapter.dropEvents('p1', 2),
        'dropEvents returns the queued events in order',
      ).toEqual(mine);
      expect(await adapter.takeEvent('p1', 2), 'the dropped queue is empty').toBeUndefined();
      expect(await adapter.dropEvents('p1', 2), 'dropping again returns nothing').toEqual([]);
      expect(await adapter.takeEvent('p1', 3), 'events of another step are kept').toEqual(
        others[0],
      );
      expect(await adapter.takeEvent('p2', 2), 'events of another plan are kept').toEqual(
        others[1],
      );
    });

    test('a queue can be used again after it was emptied', async (adapter) => {
      await seedPlans(adapter, 'p1');
      await adapter.enqueueEvent(envelope('e1', 'p1', 2, 1));
      expect((await adapter.takeEvent('p1', 2))?.id).toBe('e1');
      await adapter.enqueueEvent(envelope('e2', 'p1', 2, 2));
      await adapter.enqueueEvent(envelope('e3', 'p1', 2, 3));
      expect((await adapter.takeEvent('p1', 2))?.id, 'after the queue was emptied once').toBe('e2');
      await adapter.enqueueEvent(envelope('e4', 'p1', 2, 4));
      expect((await adapter.takeEvent('p1', 2))?.id, 'interleaved enqueue and take').toBe('e3');
      expect((await adapter.takeEvent('p1', 2))?.id, 'interleaved enqueue and take').toBe('e4');
    });

    test('enqueueEvent keeps its own copy of the envelope', async (adapter) => {
      await seedPlans(adapter, 'p1');
      const event = envelope('e1', 'p1', 2, { list: [1] });
      await adapter.enqueueEvent(event);
      (event.payload as { list: number[] }).list.push(2);
      expect((await adapter.takeEvent('p1', 2))?.payload).toEqual({ list: [1] });
    });

    test('racing takeEvent calls: each event is taken exactly once', async (adapter) => {
      await seedPlans(adapter, 'p1');
      for (const id of ['e1', 'e2', 'e3']) await adapter.enqueueEvent(envelope(id, 'p1', 2, id));
      const taken = await race(10, () => adapter.takeEvent('p1', 2));
      const ids = taken.flatMap((event) => (event === undefined ? [] : [event.id]));
      expect(
        sorted(ids),
        '10 concurrent takeEvent calls on a queue of 3: each event exactly once, the others undefined',
      ).toEqual(['e1', 'e2', 'e3']);
      expect(await adapter.takeEvent('p1', 2), 'the queue is empty after the race').toBeUndefined();
    });
  });

  harness.group('delayedPlans', 'delayed plans', (test) => {
    // A scheduled plan has not been planned: its flows are empty.
    const scheduled = (...ids: string[]) =>
      ids.map((id) =>
        makePlanRecord(id, {
          state: 'scheduled',
          label: 'Later',
          runFlow: { type: 'concurrence', flows: [] },
        }),
      );

    test('a delayed plan written in a batch loads back deep-equal', async (adapter) => {
      const full = delayed('d-full', '2024-07-01T08:00:00.000Z', {
        startBefore: '2024-07-01T09:00:00.000Z',
        args: ['host-1', { profile: 'small', disks: [10, 20], tags: {} }, [], null, 1e21, 'ü 🚀'],
        frozen: true,
      });
      const bare = delayed('d-bare', '2024-07-02T08:00:00.000Z');
      await adapter.write({ plans: scheduled('d-full', 'd-bare'), delayedPlans: [full, bare] });
      expect(await adapter.loadDelayedPlan('d-full'), 'with startBefore, args, frozen').toEqual(
        full,
      );
      expect(await adapter.loadDelayedPlan('d-bare'), 'without startBefore, no args').toEqual(bare);
      expect(await adapter.loadDelayedPlan('no-such-plan'), 'an unknown plan').toBeUndefined();
    });

    test('findDueDelayedPlans returns unfrozen plans due by the given time, oldest first', async (adapter) => {
      const records = [
        delayed('d-5', '2024-07-01T10:05:00.000Z'),
        delayed('d-1', '2024-07-01T10:01:00.000Z', { startBefore: '2024-07-01T11:00:00.000Z' }),
        delayed('d-frozen', '2024-07-01T10:00:00.000Z', { frozen: true }),
        delayed('d-later', '2024-07-01T10:10:00.000Z'),
        delayed('d-6', '2024-07-01T10:06:00.000Z', { args: [{ at: 'boundary' }] }),
        delayed('d-3', '2024-07-01T10:03:00.000Z'),
      ];
      await adapter.write({
        plans: scheduled(...records.map((r) => r.planId)),
        delayedPlans: records.slice(0, 3),
      });
      await adapter.write({ delayedPlans: records.slice(3) });
      const byId = (id: string) => records.find((r) => r.planId === id);
      const dueBy = '2024-07-01T10:06:00.000Z';
      expect(
        await adapter.findDueDelayedPlans(dueBy),
        'due (startAt <= dueBy, inclusive), unfrozen, oldest first, as whole records',
      ).toEqual(['d-1', 'd-3', 'd-5', 'd-6'].map(byId));
      expect(
        (await adapter.findDueDelayedPlans(dueBy, 2)).map((r) => r.planId),
        'limit 2 keeps the two oldest',
      ).toEqual(['d-1', 'd-3']);
      expect(await adapter.findDueDelayedPlans(dueBy, 0), 'limit 0 returns nothing').toEqual([]);
      expect(
        await adapter.findDueDelayedPlans('2024-07-01T09:00:00.000Z'),
        'nothing is due before the earliest startAt',
      ).toEqual([]);
      expect(
        (await adapter.findDueDelayedPlans('2025-01-01T00:00:00.000Z')).map((r) => r.planId),
        'far in the future: every unfrozen plan',
      ).toEqual(['d-1', 'd-3', 'd-5', 'd-6', 'd-later']);
    });

    test('deleteDelayedPlans removes delayed-plan records; unknown ids are ignored', async (adapter) => {
      await adapter.write({
        plans: scheduled('d-1', 'd-2'),
        delayedPlans: [
          delayed('d-1', '2024-07-01T10:00:00.000Z'),
          delayed('d-2', '2024-07-01T10:01:00.000Z'),
        ],
      });
      await adapter.write({ deleteDelayedPlans: ['d-1', 'no-such-plan'] });
      expect(await adapter.loadDelayedPlan('d-1'), 'the deleted record').toBeUndefined();
      expect(await adapter.loadDelayedPlan('d-2'), 'the other record is kept').toEqual(
        delayed('d-2', '2024-07-01T10:01:00.000Z'),
      );
      expect(
        (await adapter.findDueDelayedPlans('2025-01-01T00:00:00.000Z')).map((r) => r.planId),
        'a deleted record is no longer due',
      ).toEqual(['d-2']);
      expect(
        await adapter.loadPlan('d-1'),
        'deleting the delayed record keeps the plan',
      ).toBeDefined();
    });

    test('writing a delayed plan again replaces its record', async (adapter) => {
      const frozen = delayed('d-1', '2024-07-01T10:00:00.000Z', {
        startBefore: '2024-07-01T10:30:00.000Z',
        args: ['old'],
        frozen: true,
      });
      await adapter.write({ plans: scheduled('d-1'), delayedPlans: [frozen] });
      expect(
        await adapter.findDueDelayedPlans('2025-01-01T00:00:00.000Z'),
        'frozen: not due',
      ).toEqual([]);
      const thawed = delayed('d-1', '2024-07-01T11:00:00.000Z', { args: ['new', 2] });
      await adapter.write({ delayedPlans: [thawed] });
      expect(
        await adapter.loadDelayedPlan('d-1'),
        'replaced as a whole (the old startBefore must be gone)',
      ).toEqual(thawed);
      expect(await adapter.findDueDelayedPlans('2024-07-01T11:00:00.000Z'), 'thawed: due').toEqual([
        thawed,
      ]);
    });

    test('delayed-plan records come back as copies', async (adapter) => {
      const record = delayed('d-1', '2024-07-01T10:00:00.000Z', { args: [{ list: [1] }] });
      await adapter.write({ plans: scheduled('d-1'), delayedPlans: [record] });
      const loaded = await adapter.loadDelayedPlan('d-1');
      ((loaded?.args[0] as { list: number[] } | undefined)?.list ?? []).push(2);
      const [due] = await adapter.findDueDelayedPlans('2025-01-01T00:00:00.000Z');
      ((due?.args[0] as { list: number[] } | undefined)?.list ?? []).push(3);
      expect(
        await adapter.loadDelayedPlan('d-1'),
        'mutating returned records changes nothing',
      ).toEqual(record);
    });
  });

  harness.group('dependencies', 'plan dependencies', (test) => {
    test('dependencies written in a batch are found both ways', async (adapter) => {
      await adapter.write({
        plans: ['a', 'b', 'c', 'd'].map((id) => makePlanRecord(id)),
        dependencies: [
          { planId: 'a', dependsOn: 'b' },
          { planId: 'a', dependsOn: 'c' },
          { planId: 'd', dependsOn: 'b' },
        ],
      });
      expect(sorted(await adapter.findDependencies('a')), 'what a waits for').toEqual(['b', 'c']);
      expect(sorted(await adapter.findDependencies('d')), 'what d waits for').toEqual(['b']);
      expect(await adapter.findDependencies('b'), 'b waits for nothing').toEqual([]);
      expect(sorted(await adapter.findDependents('b')), 'who waits for b').toEqual(['a', 'd']);
      expect(await adapter.findDependents('c'), 'who waits for c').toEqual(['a']);
      expect(await adapter.findDependents('a'), 'nobody waits for a').toEqual([]);
      expect(await adapter.findDependencies('no-such-plan'), 'unknown plan').toEqual([]);
      expect(await adapter.findDependents('no-such-plan'), 'unknown plan').toEqual([]);
    });

    test('a dependency written again in a later batch is ignored', async (adapter) => {
      await adapter.write({
        plans: ['a', 'b'].map((id) => makePlanRecord(id)),
        dependencies: [{ planId: 'a', dependsOn: 'b' }],
      });
      await adapter.write({ dependencies: [{ planId: 'a', dependsOn: 'b' }] });
      expect(await adapter.findDependencies('a'), 'no duplicate after a second batch').toEqual([
        'b',
      ]);
      expect(await adapter.findDependents('b'), 'no duplicate after a second batch').toEqual(['a']);
    });

    test('a dependency named twice in one batch is stored once', async (adapter) => {
      await adapter.write({
        plans: ['a', 'b'].map((id) => makePlanRecord(id)),
        dependencies: [
          { planId: 'a', dependsOn: 'b' },
          { planId: 'a', dependsOn: 'b' },
        ],
      });
      expect(await adapter.findDependencies('a'), 'duplicates in one batch are ignored').toEqual([
        'b',
      ]);
      expect(await adapter.findDependents('b'), 'duplicates in one batch are ignored').toEqual([
        'a',
      ]);
    });
  });

  harness.group('logs', 'step logs', (test) => {
    const line = (
      stepId: number,
      at: string,
      message: string,
      meta?: JsonValue,
      planId = 'p1',
    ): StepLogLine =>
      meta === undefined
        ? { planId, stepId, at, level: 'info', message }
        : { planId, stepId, at, level: 'info', message, meta };

    // Interleaved steps, a repeated time and a time earlier than the line before it: the order to
    // keep is the order written, not any sort by step or time.
    const first: StepLogLine[] = [
      line(2, '2024-04-04T10:00:00.000Z', 'connecting to db-42 …', {
        attempt: 1,
        hosts: ['a', 'b'],
      }),
      { ...line(3, '2024-04-04T10:00:00.000Z', 'quota low ⚠'), level: 'warn' },
      line(2, '2024-04-04T10:00:00.000Z', 'connected', null),
    ];
    const second: StepLogLine[] = [
      {
        ...line(3, '2024-04-04T09:59:59.000Z', 'clock went back', 'plain string meta'),
        level: 'error',
      },
      {
        ...line(2, '2024-04-04T10:00:01.000Z', 'détails', { nested: { deep: [[], {}] }, n: 1.5 }),
        level: 'debug',
      },
    ];

    test('loadLogs returns the lines of a plan in the order written', async (adapter) => {
      await seedPlans(adapter, 'p1', 'p2');
      await adapter.appendLogs(first);
      await adapter.appendLogs([line(2, '2024-04-04T10:00:00.000Z', 'other plan', { x: 1 }, 'p2')]);
      await adapter.appendLogs(second);
      expect(
        await adapter.loadLogs('p1'),
        'every line of p1, in the order written, meta included (null meta stays null, absent stays absent)',
      ).toEqual([...first, ...second]);
      expect(await adapter.loadLogs('p2'), 'lines of another plan').toEqual([
        line(2, '2024-04-04T10:00:00.000Z', 'other plan', { x: 1 }, 'p2'),
      ]);
    });

    test('loadLogs with a stepId returns that step’s lines only, in order', async (adapter) => {
      await seedPlans(adapter, 'p1', 'p2');
      await adapter.appendLogs([...first, line(2, '2024-04-04T10:00:00.000Z', 'p2 line', 1, 'p2')]);
      await adapter.appendLogs(second);
      const all = [...first, ...second];
      expect(await adapter.loadLogs('p1', 2), 'lines of step 2').toEqual(
        all.filter((l) => l.stepId === 2),
      );
      expect(await adapter.loadLogs('p1', 3), 'lines of step 3').toEqual(
        all.filter((l) => l.stepId === 3),
      );
      expect(await adapter.loadLogs('p1', 4), 'a step without lines').toEqual([]);
    });

    test('loadLogs of a plan without lines is empty; appending no lines is accepted', async (adapter) => {
      await seedPlans(adapter, 'p1');
      await adapter.appendLogs([]);
      expect(await adapter.loadLogs('p1'), 'a plan without lines').toEqual([]);
      expect(await adapter.loadLogs('no-such-plan'), 'an unknown plan').toEqual([]);
    });

    test('log lines are stored and returned as copies', async (adapter) => {
      await seedPlans(adapter, 'p1');
      const written = line(2, '2024-04-04T10:00:00.000Z', 'm', { list: [1] });
      await adapter.appendLogs([written]);
      (written.meta as { list: number[] }).list.push(2);
      const [loaded] = await adapter.loadLogs('p1');
      (loaded?.meta as { list: number[] } | undefined)?.list.push(3);
      expect(await adapter.loadLogs('p1')).toEqual([
        line(2, '2024-04-04T10:00:00.000Z', 'm', { list: [1] }),
      ]);
    });
  });
}
