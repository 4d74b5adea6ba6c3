import { expect } from '../vitest.js';
import type { StoredPlan } from '../../persistence/adapter.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../plan/records.js';
import { SCHEMA_VERSION } from '../../plan/records.js';
import {
  fixtureBatch,
  makeActionRecord,
  makePlanFixture,
  makePlanRecord,
  makeSmallPlan,
  makeStepRecord,
} from '../fixtures.js';
import type { PlanFixture } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import { expectStorageError, loadExisting, race, rejectionOf, writeFixture } from './harness.js';
import { registerClaimTests } from './claims.js';
import { registerParentFilterTests } from './parent-filter.js';

function expectFixture(stored: StoredPlan | undefined, expected: PlanFixture, when: string): void {
  expect(stored, `${when}: loadPlan must find the plan`).toBeDefined();
  expect(stored?.plan, `${when}: the plan record must come back deep-equal`).toEqual(expected.plan);
  expect(stored?.actions, `${when}: the actions must come back deep-equal, ordered by id`).toEqual(
    expected.actions,
  );
  expect(stored?.steps, `${when}: the steps must come back deep-equal, ordered by id`).toEqual(
    expected.steps,
  );
}

/** Registers the `plans`, `claimStep`, `findPlans` and `forwardCompatibility` groups. */
export function registerPlanTests(harness: ConformanceHarness): void {
  harness.group('plans', 'write and loadPlan', (test) => {
    test('a written plan with its actions and steps loads back deep-equal', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-round-trip');
      expectFixture(await adapter.loadPlan('plan-round-trip'), expected, 'after one batch');
    });

    test('actions and steps load ordered by numeric id, whatever the write order', async (adapter) => {
      const { plan, actions, steps } = makePlanFixture('plan-order');
      const scoped = <T>(record: T) => ({ planId: plan.id, record });
      const shuffledActions = [3, 1, 5, 2, 4].map((id) => actions.filter((a) => a.id === id));
      const reversedSteps = [...steps].reverse();
      await adapter.write({
        plans: [plan],
        actions: shuffledActions.slice(0, 2).flat().map(scoped),
        steps: reversedSteps.slice(0, 6).map(scoped),
      });
      await adapter.write({
        actions: shuffledActions.slice(2).flat().map(scoped),
        steps: reversedSteps.slice(6).map(scoped),
      });
      const stored = await loadExisting(adapter, plan.id);
      expect(
        stored.actions.map((a) => a.id),
        'actions must be ordered by id (numerically: 2 before 10)',
      ).toEqual([1, 2, 3, 4, 5]);
      expect(
        stored.steps.map((s) => s.id),
        'steps must be ordered by id (numerically: 2 before 10)',
      ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expectFixture(stored, makePlanFixture(plan.id), 'after writes in shuffled order');
    });

    test('loadPlan of an unknown id is undefined', async (adapter) => {
      expect(await adapter.loadPlan('no-such-plan'), 'empty store').toBeUndefined();
      await writeFixture(adapter, 'plan-known');
      expect(await adapter.loadPlan('no-such-plan'), 'store with another plan').toBeUndefined();
      expect(await adapter.loadPlan('plan-KNOWN'), 'plan ids are case-sensitive').toBeUndefined();
    });

    test('a plan written without actions or steps loads with empty lists', async (adapter) => {
      const bare = makePlanRecord('plan-bare', { runFlow: { type: 'concurrence', flows: [] } });
      await adapter.write({ plans: [bare] });
      expect(await adapter.loadPlan('plan-bare')).toEqual({ plan: bare, actions: [], steps: [] });
    });

    test('loadPlan returns copies: mutating them does not change the store', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-copies');
      const first = await loadExisting(adapter, 'plan-copies');
      const again = await loadExisting(adapter, 'plan-copies');
      expect(first.plan, 'two loads must not return the same object').not.toBe(again.plan);
      first.plan.state = 'stopped';
      first.plan.history.push({ at: 'x', event: 'tampered', worldId: 'w' });
      first.plan.runFlow.flows.length = 0;
      const machine = first.actions[2];
      if (machine !== undefined) {
        machine.input.name = 'changed';
        (machine.input.matrix as unknown[]).push('extra');
        machine.output.partial = null;
      }
      const failed = first.steps[5];
      if (failed !== undefined) {
        failed.state = 'success';
        if (failed.error !== undefined) failed.error.message = 'tampered';
        failed.requires?.push(99);
      }
      first.actions.pop();
      first.steps.length = 0;
      expectFixture(
        await adapter.loadPlan('plan-copies'),
        expected,
        'after mutating a loaded copy',
      );
    });

    test('write keeps its own copy: mutating the written objects later does not change the store', async (adapter) => {
      const fixture = makePlanFixture('plan-own-copy');
      await adapter.write(fixtureBatch(fixture));
      fixture.plan.state = 'stopped';
      fixture.plan.history.length = 0;
      const machine = fixture.actions[2];
      if (machine !== undefined) machine.input.empty = { filled: true };
      const step = fixture.steps[8];
      if (step !== undefined) step.requires?.push(42);
      expectFixture(
        await adapter.loadPlan('plan-own-copy'),
        makePlanFixture('plan-own-copy'),
        'after mutating the objects given to write',
      );
    });

    test('an empty batch is accepted and changes nothing', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-empty-batch');
      await adapter.write({});
      await adapter.write({
        plans: [],
        actions: [],
        steps: [],
        delayedPlans: [],
        dependencies: [],
      });
      expectFixture(await adapter.loadPlan('plan-empty-batch'), expected, 'after empty batches');
    });

    test('write replaces the plan record with the same id, without merging', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-replace');
      const replacement: PlanRecord = {
        schemaVersion: SCHEMA_VERSION,
        id: 'plan-replace',
        label: 'Renamed',
        state: 'running',
        result: 'pending',
        progress: 0.5,
        rootActionId: 1,
        runFlow: { type: 'concurrence', flows: [] },
        finalizeFlow: { type: 'sequence', flows: [{ type: 'atom', stepId: 11 }] },
        history: [],
      };
      await adapter.write({ plans: [replacement] });
      const stored = await loadExisting(adapter, 'plan-replace');
      expect(
        stored.plan,
        'the plan record must be replaced as a whole (startedAt of the old record must be gone)',
      ).toEqual(replacement);
      expect(stored.actions, 'replacing the plan record keeps its actions').toEqual(
        expected.actions,
      );
      expect(stored.steps, 'replacing the plan record keeps its steps').toEqual(expected.steps);
    });

    test('write replaces an action by plan id and action id', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-a');
      await writeFixture(adapter, 'plan-b');
      const replacement = makeActionRecord(3, {
        className: 'CreateMachine',
        input: { name: 'host-1' },
        output: { id: 'i-0abc', ips: ['10.0.0.7'] },
        planStepId: 3,
        runStepId: 6,
        parentId: 1,
      });
      await adapter.write({ actions: [{ planId: 'plan-a', record: replacement }] });
      const stored = await loadExisting(adapter, 'plan-a');
      expect(stored.actions[2], 'action 3 must be replaced as a whole').toEqual(replacement);
      expect(stored.actions, 'the other actions must be unchanged').toEqual(
        expected.actions.map((a) => (a.id === 3 ? replacement : a)),
      );
      expect(stored.steps, 'steps must be unchanged').toEqual(expected.steps);
      expectFixture(
        await adapter.loadPlan('plan-b'),
        makePlanFixture('plan-b'),
        'action 3 of another plan must be unchanged',
      );
    });

    test('write replaces a step by plan id and step id', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-a');
      await writeFixture(adapter, 'plan-b');
      const replacement = makeStepRecord(6, {
        actionId: 3,
        className: 'CreateMachine',
        state: 'running',
        startedAt: '2024-05-01T11:00:00.000Z',
        progressWeight: 3,
      });
      await adapter.write({ steps: [{ planId: 'plan-a', record: replacement }] });
      const stored = await loadExisting(adapter, 'plan-a');
      expect(
        stored.steps[5],
        'step 6 must be replaced as a whole (its old error and requires must be gone)',
      ).toEqual(replacement);
      expect(stored.steps, 'the other steps must be unchanged').toEqual(
        expected.steps.map((s) => (s.id === 6 ? replacement : s)),
      );
      expect(stored.actions, 'actions must be unchanged').toEqual(expected.actions);
      expectFixture(
        await adapter.loadPlan('plan-b'),
        makePlanFixture('plan-b'),
        'step 6 of another plan must be unchanged',
      );
    });

    test('a batch with a step of a never-written plan rejects with STORAGE_ERROR and writes nothing', async (adapter) => {
      const withDelayed = harness.supports('delayedPlans');
      const withDependencies = harness.supports('dependencies');
      const batch = fixtureBatch(makePlanFixture('plan-new'));
      const error = await rejectionOf('write of a batch naming an unknown plan', () =>
        adapter.write({
          plans: [...(batch.plans ?? []), makePlanRecord('plan-other')],
          actions: batch.actions,
          steps: [
            ...(batch.steps ?? []),
            { planId: 'plan-never-written', record: makeStepRecord(1) },
          ],
          ...(withDelayed
            ? {
                delayedPlans: [
                  {
                    planId: 'plan-other',
                    startAt: '2024-01-01T00:00:00.000Z',
                    args: [],
                    frozen: false,
                  },
                ],
              }
            : {}),
          ...(withDependencies
            ? { dependencies: [{ planId: 'plan-other', dependsOn: 'plan-new' }] }
            : {}),
        }),
      );
      expectStorageError(error, 'write of a step whose plan was never written');
      expect(
        await adapter.loadPlan('plan-new'),
        'the new plan of the failed batch',
      ).toBeUndefined();
      expect(
        await adapter.loadPlan('plan-other'),
        'the other plan of the failed batch',
      ).toBeUndefined();
      expect(
        await adapter.loadPlan('plan-never-written'),
        'the unknown plan must not be created',
      ).toBeUndefined();
      expect(await adapter.findPlans(), 'findPlans after the failed batch').toEqual([]);
      if (withDelayed) {
        expect(
          await adapter.loadDelayedPlan('plan-other'),
          'the delayed plan of the failed batch',
        ).toBeUndefined();
      }
      if (withDependencies) {
        expect(
          await adapter.findDependencies('plan-other'),
          'the dependency of the failed batch',
        ).toEqual([]);
      }
      const expected = await writeFixture(adapter, 'plan-new');
      expectFixture(
        await adapter.loadPlan('plan-new'),
        expected,
        'a valid batch written after the failed one',
      );
    });

    test('concurrent batches are all applied', async (adapter) => {
      const count = harness.concurrency;
      const shared = makeSmallPlan('plan-shared');
      await adapter.write({
        plans: [shared.plan],
        actions: [{ planId: 'plan-shared', record: shared.actions[0] as ActionRecord }],
        steps: [{ planId: 'plan-shared', record: shared.steps[0] as StepRecord }],
      });
      await race(count, (i) =>
        adapter.write({
          plans: [makePlanRecord(`plan-${i}`)],
          steps: [
            { planId: `plan-${i}`, record: makeStepRecord(1) },
            { planId: 'plan-shared', record: makeStepRecord(i + 2, { progress: 0.5 }) },
          ],
        }),
      );
      expect(
        (await adapter.findPlans()).length,
        `${count} concurrent batches each writing a plan: every plan is stored`,
      ).toBe(count + 1);
      expect(
        (await loadExisting(adapter, 'plan-shared')).steps.map((s) => s.id),
        `${count} concurrent batches each writing a step of one plan: no write is lost`,
      ).toEqual(Array.from({ length: count + 1 }, (_, i) => i + 1));
    });

    test('a batch with an action of a never-written plan rejects and leaves stored records unchanged', async (adapter) => {
      const expected = await writeFixture(adapter, 'plan-stored');
      const error = await rejectionOf('write of a batch naming an unknown plan', () =>
        adapter.write({
          plans: [makePlanRecord('plan-stored', { state: 'stopped', result: 'success' })],
          steps: [
            {
              planId: 'plan-stored',
              record: makeStepRecord(6, {
                actionId: 3,
                className: 'CreateMachine',
                state: 'success',
              }),
            },
          ],
          actions: [
            { planId: 'plan-stored', record: makeActionRecord(2, { output: { changed: true } }) },
            { planId: 'plan-never-written', record: makeActionRecord(1) },
          ],
        }),
      );
      expectStorageError(error, 'write of an action whose plan was never written');
      expectFixture(
        await adapter.loadPlan('plan-stored'),
        expected,
        'the records the failed batch would have replaced',
      );
      expect(await adapter.loadPlan('plan-never-written')).toBeUndefined();
    });
  });

  registerClaimTests(harness);
  registerParentFilterTests(harness);

  harness.group('forwardCompatibility', 'forward compatibility', (test) => {
    test('a plan record with schemaVersion and unknown fields survives unchanged', async (adapter) => {
      const noSteps: Partial<PlanRecord> = { runFlow: { type: 'concurrence', flows: [] } };
      const current = {
        ...makePlanRecord('plan-extra', noSteps),
        schemaVersion: SCHEMA_VERSION,
        futureField: { nested: [1, { deep: 'ü' }], flag: true },
        'x-extension': 'kept',
        emptyExtra: {},
      };
      const newer = {
        ...makePlanRecord('plan-newer', noSteps),
        schemaVersion: SCHEMA_VERSION + 1,
        renamedField: ['from', 'a', 'later', 'version'],
      };
      await adapter.write({ plans: [current, newer] });
      expect(
        (await adapter.loadPlan('plan-extra'))?.plan,
        'loadPlan must return unknown fields unchanged',
      ).toEqual(current);
      expect(
        (await adapter.loadPlan('plan-newer'))?.plan,
        'a record of a newer schemaVersion must be stored and returned as it is (the engine, not the adapter, refuses it)',
      ).toEqual(newer);
      const listed = await adapter.findPlans();
      expect(listed, 'findPlans must return unknown fields unchanged').toEqual([newer, current]);
    });

    test('action and step records with unknown fields survive unchanged', async (adapter) => {
      const small = makeSmallPlan('plan-extra');
      await adapter.write({ plans: [small.plan] });
      const action = { ...makeActionRecord(1), futureField: { retries: [1, 2] } };
      const planStep = small.steps[0] as StepRecord;
      const step = { ...makeStepRecord(2), futureField: 'kept', futureCount: 3 };
      await adapter.write({
        actions: [{ planId: 'plan-extra', record: action }],
        steps: [
          { planId: 'plan-extra', record: planStep },
          { planId: 'plan-extra', record: step },
        ],
      });
      const stored = await loadExisting(adapter, 'plan-extra');
      expect(stored.actions, 'actions must keep unknown fields').toEqual([action]);
      expect(stored.steps, 'steps must keep unknown fields').toEqual([planStep, step]);
      const at = '2024-06-01T00:00:00.000Z';
      expect(
        await adapter.claimStep({ planId: 'plan-extra', stepId: 2, from: ['pending'], at }),
        'claimStep of a pending step',
      ).toBe(true);
      const claimed = (await loadExisting(adapter, 'plan-extra')).steps[1];
      expect(claimed, 'claimStep must keep unknown fields of the step').toMatchObject({
        futureField: 'kept',
        futureCount: 3,
        state: 'running',
      });
    });
  });
}
