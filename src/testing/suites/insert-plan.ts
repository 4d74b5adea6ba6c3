import { expect } from '../vitest.js';
import type { PlanInsert, PlanInsertResult } from '../../persistence/adapter.js';
import { fixtureBatch, makePlanRecord, makeSmallPlan } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import {
  expectInvalidArgument,
  expectStorageError,
  loadExisting,
  race,
  rejectionOf,
} from './harness.js';

/** A whole small plan as an insert, with the idempotency key when one is given. */
function planInsert(planId: string, idempotencyKey?: string): PlanInsert {
  const fixture = makeSmallPlan(planId);
  const plan = idempotencyKey === undefined ? fixture.plan : { ...fixture.plan, idempotencyKey };
  return { ...fixtureBatch({ ...fixture, plan }), plans: [plan] };
}

const INSERTED: PlanInsertResult = { inserted: true };

/**
 * Registers the tests of `insertPlan` and of idempotency keys (group `insertPlan`): insert only
 * when the id and key are free, racing callers (exactly one inserts), keys unique under `write`
 * too, and `findPlans` by key.
 */
export function registerInsertPlanTests(harness: ConformanceHarness): void {
  harness.group('insertPlan', 'insertPlan and idempotency keys', (test) => {
    test('insertPlan stores a new plan with its records and its key', async (adapter) => {
      expect(await adapter.insertPlan(planInsert('k1', 'order-17'))).toEqual(INSERTED);
      const stored = await loadExisting(adapter, 'k1');
      expect(stored.plan.idempotencyKey, 'the key is kept in the plan record').toBe('order-17');
      expect(
        stored.steps.map((step) => step.id),
        'the steps of the insert',
      ).toEqual([1, 2]);
      expect(
        stored.actions.map((action) => action.id),
        'the actions of the insert',
      ).toEqual([1]);
    });

    test('insertPlan of a stored id writes nothing and names that plan', async (adapter) => {
      await adapter.insertPlan(planInsert('k1'));
      const again = planInsert('k1', 'other-key');
      const changed = { ...again.plans[0], label: 'Changed' };
      const result = await adapter.insertPlan({ ...again, plans: [changed] });
      expect(result).toEqual({ inserted: false, existingId: 'k1', conflict: 'id' });
      const stored = await loadExisting(adapter, 'k1');
      expect(stored.plan.label, 'the stored plan is left as it was').toBe('Root');
      expect(stored.plan.idempotencyKey, 'the refused key is not given to the plan').toBe(
        undefined,
      );
      expect(await adapter.findPlans({ idempotencyKey: 'other-key' })).toEqual([]);
    });

    test('insertPlan of a held key writes nothing and names the plan holding it', async (adapter) => {
      await adapter.insertPlan(planInsert('k1', 'order-17'));
      const result = await adapter.insertPlan(planInsert('k2', 'order-17'));
      expect(result).toEqual({ inserted: false, existingId: 'k1', conflict: 'idempotencyKey' });
      expect(await adapter.loadPlan('k2'), 'nothing of the refused plan is stored').toBe(undefined);
    });

    test('insertPlan checks the id before the key', async (adapter) => {
      await adapter.insertPlan(planInsert('k1', 'key-a'));
      await adapter.insertPlan(planInsert('k2', 'key-b'));
      const result = await adapter.insertPlan(planInsert('k2', 'key-a'));
      expect(result).toEqual({ inserted: false, existingId: 'k2', conflict: 'id' });
    });

    test('plans without a key never conflict with each other', async (adapter) => {
      expect(await adapter.insertPlan(planInsert('k1'))).toEqual(INSERTED);
      expect(await adapter.insertPlan(planInsert('k2'))).toEqual(INSERTED);
      await adapter.write(fixtureBatch(makeSmallPlan('k3')));
      expect((await adapter.findPlans()).map((plan) => plan.id).sort()).toEqual(['k1', 'k2', 'k3']);
    });

    test('racing insertPlan calls with one key: exactly one inserts', async (adapter) => {
      const results = await race(harness.concurrency, (i) =>
        adapter.insertPlan(planInsert(`racer-${i}`, 'shared-key')),
      );
      const winners = results.flatMap((result, i) => (result.inserted ? [`racer-${i}`] : []));
      expect(winners, 'exactly one caller inserts').toHaveLength(1);
      for (const result of results) {
        if (!result.inserted) {
          expect(result).toEqual({
            inserted: false,
            existingId: winners[0],
            conflict: 'idempotencyKey',
          });
        }
      }
      const listed = await adapter.findPlans({ idempotencyKey: 'shared-key' });
      expect(listed.map((plan) => plan.id)).toEqual(winners);
      expect((await adapter.findPlans()).length, 'no other plan was stored').toBe(1);
    });

    test('racing insertPlan calls with one id: exactly one inserts', async (adapter) => {
      const results = await race(harness.concurrency, (i) =>
        adapter.insertPlan(planInsert('same-id', `key-${i}`)),
      );
      const winners = results.flatMap((result, i) => (result.inserted ? [i] : []));
      expect(winners, 'exactly one caller inserts').toHaveLength(1);
      const stored = await loadExisting(adapter, 'same-id');
      expect(stored.plan.idempotencyKey, "the winner's key").toBe(`key-${winners[0]}`);
      for (const result of results) {
        if (!result.inserted)
          expect(result).toEqual({ inserted: false, existingId: 'same-id', conflict: 'id' });
      }
    });

    test('insertPlan refuses a batch without exactly one plan', async (adapter) => {
      const none = { plans: [] } as unknown as PlanInsert;
      const two = {
        plans: [makePlanRecord('k1'), makePlanRecord('k2')],
      } as unknown as PlanInsert;
      for (const [what, insert] of [
        ['no plan', none],
        ['two plans', two],
      ] as const) {
        const error = await rejectionOf(`insertPlan with ${what}`, () =>
          adapter.insertPlan(insert),
        );
        expectInvalidArgument(error, 'plans', `insertPlan with ${what}`);
      }
      expect(await adapter.findPlans()).toEqual([]);
    });

    test('write keeps a plan key and refuses it to a second plan', async (adapter) => {
      await adapter.insertPlan(planInsert('k1', 'order-17'));
      const stored = await loadExisting(adapter, 'k1');
      await adapter.write({ plans: [{ ...stored.plan, state: 'running' }] });
      expect((await loadExisting(adapter, 'k1')).plan.idempotencyKey).toBe('order-17');
      const thief = { ...makePlanRecord('k2'), idempotencyKey: 'order-17' };
      const error = await rejectionOf('write of a second plan with a held key', () =>
        adapter.write({ plans: [thief] }),
      );
      expectStorageError(error, 'write of a second plan with a held key');
      expect(await adapter.loadPlan('k2'), 'nothing of the refused batch is stored').toBe(
        undefined,
      );
    });

    test('findPlans by idempotencyKey finds the one plan holding it', async (adapter) => {
      await adapter.insertPlan(planInsert('k1', 'order-17'));
      await adapter.insertPlan(planInsert('k2', 'order-18'));
      await adapter.insertPlan(planInsert('k3'));
      const ids = async (key: string): Promise<string[]> =>
        (await adapter.findPlans({ idempotencyKey: key })).map((plan) => plan.id);
      expect(await ids('order-17')).toEqual(['k1']);
      expect(await ids('order-18')).toEqual(['k2']);
      expect(await ids('order-1'), 'keys match exactly, not by prefix').toEqual([]);
      expect(
        (await adapter.findPlans({ idempotencyKey: 'order-17', state: 'stopped' })).length,
        'combined with the other filters',
      ).toBe(0);
    });

    test('findPlans refuses a malformed idempotencyKey filter', async (adapter) => {
      for (const key of ['', 7, null, 'a\u0000b', '\uD800']) {
        const what = `findPlans({ idempotencyKey: ${JSON.stringify(key)} })`;
        const error = await rejectionOf(what, () =>
          adapter.findPlans({ idempotencyKey: key as string }),
        );
        expectInvalidArgument(error, 'idempotencyKey', what);
      }
    });
  });
}
