import { expect } from '../vitest.js';
import type { PersistenceAdapter, PlanFilter } from '../../persistence/adapter.js';
import type { PlanParent, PlanRecord } from '../../plan/records.js';
import type { PlanResult, PlanState } from '../../plan/states.js';
import { makePlanRecord } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import { expectInvalidArgument, race, rejectionOf, sorted } from './harness.js';

function subPlan(
  id: string,
  parent: PlanParent | undefined,
  state: PlanState = 'running',
  result: PlanResult = 'pending',
): PlanRecord {
  return makePlanRecord(id, {
    state,
    result,
    label: parent === undefined ? 'Parent' : 'Child',
    ...(parent === undefined ? {} : { parent }),
  });
}

/**
 * Written one batch each, in this order: two plans without a parent, sub-plans of `p1` (steps 2
 * and 3) and of `p2`, and one of `p1-other` (whose id starts with `p1`).
 */
const SEEDED: readonly PlanRecord[] = [
  subPlan('p1', undefined),
  subPlan('c1', { planId: 'p1', stepId: 2 }, 'stopped', 'success'),
  subPlan('p2', undefined),
  subPlan('c2', { planId: 'p1', stepId: 3 }),
  subPlan('c3', { planId: 'p2', stepId: 2 }, 'stopped', 'success'),
  subPlan('c4', { planId: 'p1', stepId: 2 }),
  subPlan('o1', { planId: 'p1-other', stepId: 2 }),
  subPlan('c5', { planId: 'p1', stepId: 2 }, 'stopped', 'error'),
];

/** Malformed `parent` values, with the field the refusal must name. */
const MALFORMED: readonly (readonly [what: string, parent: unknown, field: string])[] = [
  ['null', null, 'parent'],
  ['a string', 'p1', 'parent'],
  ['a number', 42, 'parent'],
  ['an array', ['p1', 2], 'parent'],
  ['an object without planId', { stepId: 2 }, 'parent.planId'],
  ['an empty planId', { planId: '' }, 'parent.planId'],
  ['a numeric planId', { planId: 7 }, 'parent.planId'],
  ['a null planId', { planId: null, stepId: 2 }, 'parent.planId'],
  ['stepId 0', { planId: 'p1', stepId: 0 }, 'parent.stepId'],
  ['a negative stepId', { planId: 'p1', stepId: -2 }, 'parent.stepId'],
  ['a fractional stepId', { planId: 'p1', stepId: 2.5 }, 'parent.stepId'],
  ['a NaN stepId', { planId: 'p1', stepId: Number.NaN }, 'parent.stepId'],
  ['an infinite stepId', { planId: 'p1', stepId: Number.POSITIVE_INFINITY }, 'parent.stepId'],
  ['a string stepId', { planId: 'p1', stepId: '2' }, 'parent.stepId'],
  ['a null stepId', { planId: 'p1', stepId: null }, 'parent.stepId'],
];

/** Registers the `findPlans` tests of the `parent` filter (group `findPlans`). */
export function registerParentFilterTests(harness: ConformanceHarness): void {
  harness.group('findPlans', 'findPlans by parent', (test) => {
    const seed = async (adapter: PersistenceAdapter): Promise<void> => {
      for (const plan of SEEDED) await adapter.write({ plans: [plan] });
    };
    const ids = async (adapter: PersistenceAdapter, filter: PlanFilter): Promise<string[]> =>
      (await adapter.findPlans(filter)).map((p) => p.id);

    test('findPlans by parent lists the sub-plans of a plan, newest first', async (adapter) => {
      await seed(adapter);
      expect(await ids(adapter, { parent: { planId: 'p1' } }), 'sub-plans of p1').toEqual([
        'c5',
        'c4',
        'c2',
        'c1',
      ]);
      expect(await ids(adapter, { parent: { planId: 'p2' } }), 'sub-plans of p2').toEqual(['c3']);
      expect(
        await ids(adapter, { parent: { planId: 'p' } }),
        'parent ids match exactly, not by prefix',
      ).toEqual([]);
      expect(await ids(adapter, { parent: { planId: 'c1' } }), 'a plan without sub-plans').toEqual(
        [],
      );
      expect(
        await adapter.findPlans({ parent: { planId: 'p2' } }),
        'findPlans by parent returns whole plan records',
      ).toEqual([subPlan('c3', { planId: 'p2', stepId: 2 }, 'stopped', 'success')]);
    });

    test('findPlans by parent and stepId lists the sub-plans of one run step', async (adapter) => {
      await seed(adapter);
      expect(await ids(adapter, { parent: { planId: 'p1', stepId: 2 } }), 'p1 step 2').toEqual([
        'c5',
        'c4',
        'c1',
      ]);
      expect(await ids(adapter, { parent: { planId: 'p1', stepId: 3 } }), 'p1 step 3').toEqual([
        'c2',
      ]);
      expect(await ids(adapter, { parent: { planId: 'p2', stepId: 2 } }), 'p2 step 2').toEqual([
        'c3',
      ]);
      expect(
        await ids(adapter, { parent: { planId: 'p1', stepId: 4 } }),
        'a step without sub-plans',
      ).toEqual([]);
    });

    test('findPlans by parent combines with state, result, label and paging', async (adapter) => {
      await seed(adapter);
      const p1 = { planId: 'p1' };
      expect(await ids(adapter, { parent: p1, state: 'running' }), 'and state').toEqual([
        'c4',
        'c2',
      ]);
      expect(
        await ids(adapter, { parent: { planId: 'p1', stepId: 2 }, state: ['stopped'] }),
        'stepId and a state list',
      ).toEqual(['c5', 'c1']);
      expect(await ids(adapter, { parent: p1, result: 'error' }), 'and result').toEqual(['c5']);
      expect(await ids(adapter, { parent: p1, label: 'Parent' }), 'and label').toEqual([]);
      expect(await ids(adapter, { parent: p1, limit: 2 }), 'limit 2').toEqual(['c5', 'c4']);
      expect(await ids(adapter, { parent: p1, offset: 1, limit: 2 }), 'offset 1, limit 2').toEqual([
        'c4',
        'c2',
      ]);
      expect(await ids(adapter, { parent: p1, offset: 3 }), 'offset 3').toEqual(['c1']);
      expect(await ids(adapter, { parent: p1, offset: 4 }), 'offset past the end').toEqual([]);
      expect(
        await ids(adapter, {
          parent: { planId: 'p1', stepId: 2 },
          state: ['stopped', 'running'],
          offset: 1,
          limit: 1,
        }),
        'paging applies after filtering by parent, stepId and state',
      ).toEqual(['c4']);
    });

    test('a plan without a parent never matches a parent filter', async (adapter) => {
      await seed(adapter);
      for (const filter of [{ planId: 'p1' }, { planId: 'p2' }, { planId: 'p1', stepId: 2 }]) {
        const found = await ids(adapter, { parent: filter });
        expect(found, `parent ${JSON.stringify(filter)}`).not.toContain('p1');
        expect(found, `parent ${JSON.stringify(filter)}`).not.toContain('p2');
      }
      // Writing a plan again changes its parent like any other field; its place stays the same.
      await adapter.write({ plans: [subPlan('c4', undefined)] });
      await adapter.write({ plans: [subPlan('p2', { planId: 'p1', stepId: 2 })] });
      await adapter.write({ plans: [subPlan('c2', { planId: 'p1', stepId: 2 })] });
      expect(
        await ids(adapter, { parent: { planId: 'p1' } }),
        'after c4 lost its parent and p2 got one',
      ).toEqual(['c5', 'c2', 'p2', 'c1']);
      expect(
        await ids(adapter, { parent: { planId: 'p1', stepId: 3 } }),
        'c2 moved from step 3 to step 2',
      ).toEqual([]);
    });

    test('findPlans by parent finds sub-plans written by concurrent batches', async (adapter) => {
      const count = harness.concurrency;
      await adapter.write({ plans: [subPlan('parent', undefined)] });
      await race(count, (i) =>
        adapter.write({
          plans: [
            subPlan(`child-${i}`, { planId: 'parent', stepId: 2 + (i % 2) }),
            subPlan(`unrelated-${i}`, undefined),
          ],
        }),
      );
      const children = Array.from({ length: count }, (_, i) => `child-${i}`);
      expect(
        sorted(await ids(adapter, { parent: { planId: 'parent' } })),
        `${count} concurrent batches each writing a sub-plan: every one is found`,
      ).toEqual(sorted(children));
      expect(
        sorted(await ids(adapter, { parent: { planId: 'parent', stepId: 3 } })),
        'the sub-plans of step 3',
      ).toEqual(sorted(children.filter((_, i) => i % 2 === 1)));
    });

    test('findPlans rejects a malformed parent with INVALID_ARGUMENT', async (adapter) => {
      await seed(adapter);
      for (const [what, parent, field] of MALFORMED) {
        const error = await rejectionOf(`findPlans with ${what} as parent`, () =>
          adapter.findPlans({ parent } as PlanFilter),
        );
        expectInvalidArgument(error, field, `findPlans with ${what} as parent`);
      }
      expect(
        await ids(adapter, { parent: { planId: 'p2' } }),
        'the adapter still answers after refusing malformed filters',
      ).toEqual(['c3']);
    });
  });
}
