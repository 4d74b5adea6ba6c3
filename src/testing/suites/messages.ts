import { expect } from '../vitest.js';
import type { MessageEnvelope } from '../../persistence/adapter.js';
import type { JsonValue, StepRecord } from '../../plan/records.js';
import { fixtureBatch, makeSmallPlan } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import { race, sorted } from './harness.js';

/** A message; every one made in a test gets the same `createdAt`. */
function message(id: string, planId: string, name: string, payload: JsonValue): MessageEnvelope {
  return { id, planId, name, payload, createdAt: '2024-03-03T00:00:00.000Z' };
}

/**
 * Registers the `messages` group (messages kept by plan and name: `enqueueMessage`,
 * `takeMessage`), a `durability` test of kept messages and an `unreadableRecords` test of a message
 * that cannot be read.
 */
export function registerMessageTests(harness: ConformanceHarness): void {
  harness.group('messages', 'messages by name', (test) => {
    test('takeMessage returns the messages of a plan and name first in, first out, then undefined', async (adapter) => {
      // Ids that sort against the order of arrival, identical createdAt, every kind of JSON payload:
      // the queue order is arrival order, nothing else.
      const messages = [
        message('m-z', 'p1', 'carrier.shipped', { tracking: 'Zoë 🚀', legs: [[1], []] }),
        message('m-a', 'p1', 'carrier.shipped', null),
        message('m-m', 'p1', 'carrier.shipped', 'plain text'),
        message('m-b', 'p1', 'carrier.shipped', 0),
        message('m-y', 'p1', 'carrier.shipped', [false, '', { n: 9007199254740991 }]),
      ];
      for (const m of messages) await adapter.enqueueMessage(m);
      for (const m of messages) {
        expect(
          await adapter.takeMessage('p1', 'carrier.shipped'),
          `takeMessage must return ${m.id} next (first in, first out), deep-equal`,
        ).toEqual(m);
      }
      expect(await adapter.takeMessage('p1', 'carrier.shipped'), 'then nothing').toBeUndefined();
    });

    test('takeMessage takes only the messages of its plan and name', async (adapter) => {
      await adapter.enqueueMessage(message('a', 'p1', 'carrier.shipped', 'a'));
      await adapter.enqueueMessage(message('b', 'p1', 'carrier.lost', 'b'));
      await adapter.enqueueMessage(message('c', 'p2', 'carrier.shipped', 'c'));
      await adapter.enqueueMessage(message('d', 'p1', 'carrier.shipped', 'd'));
      // Names that differ only by case, or that prefix another, are other names.
      await adapter.enqueueMessage(message('e', 'p1', 'Carrier.Shipped', 'e'));
      await adapter.enqueueMessage(message('f', 'p1', 'carrier', 'f'));
      expect(await adapter.takeMessage('p1', 'carrier.lost').then((m) => m?.id)).toBe('b');
      expect(await adapter.takeMessage('p2', 'carrier.shipped').then((m) => m?.id)).toBe('c');
      expect(await adapter.takeMessage('p2', 'carrier.lost'), 'p2 has no such message').toBe(
        undefined,
      );
      expect(await adapter.takeMessage('p1', 'carrier.shipped').then((m) => m?.id)).toBe('a');
      expect(await adapter.takeMessage('p1', 'carrier.shipped').then((m) => m?.id)).toBe('d');
      expect(await adapter.takeMessage('p1', 'Carrier.Shipped').then((m) => m?.id)).toBe('e');
      expect(await adapter.takeMessage('p1', 'carrier').then((m) => m?.id)).toBe('f');
      expect(await adapter.takeMessage('no-such-plan', 'carrier'), 'an unknown plan').toBe(
        undefined,
      );
    });

    test('enqueueMessage with the id of a kept message keeps one copy', async (adapter) => {
      await adapter.enqueueMessage(message('m1', 'p1', 'n', 1));
      await adapter.enqueueMessage(message('m1', 'p1', 'n', 1));
      await adapter.enqueueMessage(message('m2', 'p1', 'n', 2));
      expect(await adapter.takeMessage('p1', 'n').then((m) => m?.id)).toBe('m1');
      expect(await adapter.takeMessage('p1', 'n').then((m) => m?.id)).toBe('m2');
      expect(await adapter.takeMessage('p1', 'n'), 'no second copy of m1').toBeUndefined();
    });

    test('enqueueMessage keeps its own copy of the message', async (adapter) => {
      const kept = message('m1', 'p1', 'n', { list: [1] });
      await adapter.enqueueMessage(kept);
      (kept.payload as { list: number[] }).list.push(2);
      expect((await adapter.takeMessage('p1', 'n'))?.payload).toEqual({ list: [1] });
    });

    test('racing takeMessage calls: each message is taken exactly once', async (adapter) => {
      for (const id of ['m1', 'm2', 'm3']) await adapter.enqueueMessage(message(id, 'p1', 'n', id));
      const taken = await race(10, () => adapter.takeMessage('p1', 'n'));
      const ids = taken.flatMap((m) => (m === undefined ? [] : [m.id]));
      expect(
        sorted(ids),
        '10 concurrent takeMessage calls on a queue of 3: each message exactly once',
      ).toEqual(['m1', 'm2', 'm3']);
    });

    test('a step record keeps its waitFor (name, timeout and deadline)', async (adapter) => {
      const fixture = makeSmallPlan('p1');
      await adapter.write(fixtureBatch(fixture));
      const step: StepRecord = {
        ...(fixture.steps[1] as StepRecord),
        state: 'suspended',
        waitFor: { name: 'carrier.shipped', timeoutMs: 5000, deadline: '2024-03-03T00:00:05.000Z' },
      };
      await adapter.write({ steps: [{ planId: 'p1', record: step }] });
      expect((await adapter.loadPlan('p1'))?.steps[1], 'the suspended step').toEqual(step);
    });
  });

  harness.group('durability', 'durability of messages', (test) => {
    test('kept messages survive close and reopen, in order', async (first) => {
      await first.enqueueMessage(message('m1', 'p1', 'carrier.shipped', { n: 1 }));
      await first.enqueueMessage(message('m2', 'p1', 'carrier.shipped', { n: 2 }));
      const adapter = await harness.reopen();
      expect(await adapter.takeMessage('p1', 'carrier.shipped')).toEqual(
        message('m1', 'p1', 'carrier.shipped', { n: 1 }),
      );
      expect(await adapter.takeMessage('p1', 'carrier.shipped').then((m) => m?.id)).toBe('m2');
    });
  });

  harness.group('unreadableRecords', 'unreadable messages', (test) => {
    test('takeMessage returns a message that cannot be read marked invalid, then the next one', async (adapter) => {
      const good = message('m-good', 'p1', 'n', { ok: true });
      // Stores keep records as they are given: a payload that is absent cannot be read back.
      await adapter.enqueueMessage({ ...good, id: 'm-bad', payload: undefined } as never);
      await adapter.enqueueMessage(good);
      const first = await adapter.takeMessage('p1', 'n');
      expect(first, 'the unreadable message, with its plan and name and a null payload').toEqual(
        expect.objectContaining({ planId: 'p1', name: 'n', payload: null }),
      );
      expect(first?.invalid?.code, 'marked invalid: INVALID_PLAN').toBe('INVALID_PLAN');
      expect(await adapter.takeMessage('p1', 'n'), 'then the good message').toEqual(good);
      expect(await adapter.takeMessage('p1', 'n'), 'then nothing').toBeUndefined();
    });
  });
}
