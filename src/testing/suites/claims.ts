import { expect } from '../vitest.js';
import type { PersistenceAdapter, PlanFilter } from '../../persistence/adapter.js';
import type { PlanRecord, StepRecord } from '../../plan/records.js';
import type { PlanResult, PlanState, StepState } from '../../plan/states.js';
import { fixtureBatch, makePlanFixture, makePlanRecord, makeSmallPlan } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import { loadExisting, race, writeFixture } from './harness.js';

const AT = '2024-06-01T12:00:00.000Z';

function claim(
  adapter: PersistenceAdapter,
  planId: string,
  stepId: number,
  from: readonly StepState[],
  at = AT,
): Promise<boolean> {
  return adapter.claimStep({ planId, stepId, from, at });
}

async function stepOf(
  adapter: PersistenceAdapter,
  planId: string,
  id: number,
): Promise<StepRecord> {
  const step = (await loadExisting(adapter, planId)).steps.find((s) => s.id === id);
  expect(step, `step ${id} of plan ${planId} must be stored`).toBeDefined();
  return step as StepRecord;
}

/** The step without the fields a claim may change. */
function unclaimedPart(step: StepRecord): Omit<StepRecord, 'state' | 'startedAt' | 'endedAt'> {
  const { state: _state, startedAt: _startedAt, endedAt: _endedAt, ...rest } = step;
  return rest;
}

/** A plan record without steps (its run flow is empty), so that it loads on its own. */
function planRecord(id: string, state: PlanState, result: PlanResult, label: string): PlanRecord {
  return makePlanRecord(id, { state, result, label, runFlow: { type: 'concurrence', flows: [] } });
}

/** Registers the `claimStep` and `findPlans` groups. */
export function registerClaimTests(harness: ConformanceHarness): void {
  harness.group('claimStep', 'claimStep', (test) => {
    test('claimStep moves a step to running only from the allowed states', async (adapter) => {
      const fixture = await writeFixture(adapter, 'plan-claim');
      const before = await stepOf(adapter, 'plan-claim', 6); // state 'error'
      expect(
        await claim(adapter, 'plan-claim', 6, ['pending', 'suspended']),
        'a claim whose from-states do not include the stored state (error) must be refused',
      ).toBe(false);
      expect(await stepOf(adapter, 'plan-claim', 6), 'a refused claim changes nothing').toEqual(
        before,
      );
      expect(
        await claim(adapter, 'plan-claim', 6, ['pending', 'error']),
        'a claim from the stored state (error) must win',
      ).toBe(true);
      const after = await stepOf(adapter, 'plan-claim', 6);
      expect(after.state, 'a won claim moves the step to running').toBe('running');
      expect(
        unclaimedPart(after),
        'a claim changes only state, startedAt and endedAt of the step',
      ).toEqual(unclaimedPart(before));
      const stored = await loadExisting(adapter, 'plan-claim');
      expect(stored.plan, 'a claim does not change the plan record').toEqual(fixture.plan);
      expect(stored.actions, 'a claim does not change actions').toEqual(fixture.actions);
      expect(
        stored.steps.filter((s) => s.id !== 6),
        'a claim does not change other steps',
      ).toEqual(fixture.steps.filter((s) => s.id !== 6));
    });

    test('claimStep of a step that is already running is refused', async (adapter) => {
      await writeFixture(adapter, 'plan-claim');
      expect(await claim(adapter, 'plan-claim', 9, ['pending'])).toBe(true);
      expect(
        await claim(adapter, 'plan-claim', 9, ['pending', 'error', 'suspended']),
        'the step is running now; claiming it again from other states must be refused',
      ).toBe(false);
    });

    test('claimStep sets startedAt only when the step has none', async (adapter) => {
      await writeFixture(adapter, 'plan-claim');
      expect(await claim(adapter, 'plan-claim', 9, ['pending'], '2024-06-01T12:00:00.000Z')).toBe(
        true,
      );
      expect(
        (await stepOf(adapter, 'plan-claim', 9)).startedAt,
        'a step without startedAt gets the claim time',
      ).toBe('2024-06-01T12:00:00.000Z');
      expect(await claim(adapter, 'plan-claim', 7, ['suspended'], '2024-06-01T12:30:00.000Z')).toBe(
        true,
      );
      expect(
        (await stepOf(adapter, 'plan-claim', 7)).startedAt,
        'a step that started before keeps its startedAt',
      ).toBe('2024-05-01T10:00:00.000Z');
    });

    test('claimStep is false for an unknown plan or step and creates nothing', async (adapter) => {
      const fixture = await writeFixture(adapter, 'plan-claim');
      expect(await claim(adapter, 'no-such-plan', 9, ['pending']), 'unknown plan').toBe(false);
      expect(await adapter.loadPlan('no-such-plan'), 'no plan is created').toBeUndefined();
      expect(await claim(adapter, 'plan-claim', 99, ['pending']), 'unknown step').toBe(false);
      expect(
        (await loadExisting(adapter, 'plan-claim')).steps,
        'no step is created or changed',
      ).toEqual(fixture.steps);
    });

    test('racing claimStep calls on one pending step: exactly one wins', async (adapter) => {
      await writeFixture(adapter, 'plan-race');
      const results = await race(harness.concurrency, (i) =>
        claim(adapter, 'plan-race', 9, ['pending', 'error'], `2024-06-01T12:00:00.${pad(i)}Z`),
      );
      expect(
        results.filter((won) => won).length,
        `${harness.concurrency} concurrent claims of one pending step: exactly one may return true`,
      ).toBe(1);
      const step = await stepOf(adapter, 'plan-race', 9);
      expect(step.state, 'after the race the step is running').toBe('running');
      const winner = results.indexOf(true);
      expect(step.startedAt, 'startedAt is the time of the winning claim').toBe(
        `2024-06-01T12:00:00.${pad(winner)}Z`,
      );
    });

    test('racing claimStep calls on different steps of one plan: every one wins', async (adapter) => {
      const count = harness.concurrency;
      await adapter.write(fixtureBatch(makeSmallPlan('plan-many', count)));
      const results = await race(count, (i) => claim(adapter, 'plan-many', i + 2, ['pending']));
      expect(results, 'claims of different pending steps must not get in each other’s way').toEqual(
        results.map(() => true),
      );
      const states = (await loadExisting(adapter, 'plan-many')).steps
        .filter((s) => s.phase === 'run')
        .map((s) => s.state);
      expect(states, 'every claimed step is running (no claim lost)').toEqual(
        states.map(() => 'running'),
      );
    });

    test('a claimed step stays running when the plan record is written again', async (adapter) => {
      await writeFixture(adapter, 'plan-claim');
      expect(await claim(adapter, 'plan-claim', 9, ['pending'])).toBe(true);
      await adapter.write({ plans: [makePlanFixture('plan-claim').plan] });
      expect((await stepOf(adapter, 'plan-claim', 9)).state).toBe('running');
    });
  });

  harness.group('findPlans', 'findPlans', (test) => {
    const seed = async (adapter: PersistenceAdapter): Promise<void> => {
      await adapter.write({ plans: [planRecord('a', 'stopped', 'success', 'Alpha')] });
      await adapter.write({ plans: [planRecord('b', 'running', 'pending', 'Beta')] });
      await adapter.write({ plans: [planRecord('c', 'stopped', 'error', 'Alpha')] });
      await adapter.write({ plans: [planRecord('d', 'paused', 'error', 'Beta')] });
    };
    const ids = async (adapter: PersistenceAdapter, filter?: PlanFilter): Promise<string[]> =>
      (await adapter.findPlans(filter)).map((p) => p.id);

    test('findPlans without a filter lists every plan, newest first', async (adapter) => {
      expect(await adapter.findPlans(), 'empty store').toEqual([]);
      await seed(adapter);
      expect(await ids(adapter), 'findPlans()').toEqual(['d', 'c', 'b', 'a']);
      expect(await ids(adapter, {}), 'findPlans({})').toEqual(['d', 'c', 'b', 'a']);
      expect(await adapter.findPlans(), 'findPlans returns whole plan records').toEqual([
        planRecord('d', 'paused', 'error', 'Beta'),
        planRecord('c', 'stopped', 'error', 'Alpha'),
        planRecord('b', 'running', 'pending', 'Beta'),
        planRecord('a', 'stopped', 'success', 'Alpha'),
      ]);
    });

    test('findPlans orders by first write: writing a plan again keeps its place', async (adapter) => {
      await seed(adapter);
      await adapter.write({ plans: [planRecord('a', 'stopped', 'warning', 'Alpha')] });
      await adapter.write({ plans: [planRecord('c', 'stopped', 'error', 'Alpha')] });
      expect(await ids(adapter), 'plans written again keep their place').toEqual([
        'd',
        'c',
        'b',
        'a',
      ]);
      expect(
        (await adapter.findPlans({ result: 'warning' }))[0],
        'findPlans returns the latest version of the record',
      ).toEqual(planRecord('a', 'stopped', 'warning', 'Alpha'));
    });

    test('findPlans orders plans written in one batch by their position in it', async (adapter) => {
      await adapter.write({ plans: [planRecord('z', 'planned', 'pending', 'Root')] });
      await adapter.write({
        plans: ['m', 'a', 'x'].map((id) => planRecord(id, 'planned', 'pending', 'Root')),
      });
      expect(await ids(adapter), 'later in the batch counts as newer').toEqual([
        'x',
        'a',
        'm',
        'z',
      ]);
    });

    test('findPlans filters by state, one or several', async (adapter) => {
      await seed(adapter);
      expect(await ids(adapter, { state: 'stopped' }), "state: 'stopped'").toEqual(['c', 'a']);
      expect(
        await ids(adapter, { state: ['running', 'paused'] }),
        'state: [running, paused]',
      ).toEqual(['d', 'b']);
      expect(await ids(adapter, { state: ['stopped'] }), 'state: [stopped]').toEqual(['c', 'a']);
      expect(await ids(adapter, { state: 'planning' }), "state: 'planning'").toEqual([]);
    });

    test('findPlans filters by result and label, combined with state', async (adapter) => {
      await seed(adapter);
      expect(await ids(adapter, { result: 'error' }), "result: 'error'").toEqual(['d', 'c']);
      expect(
        await ids(adapter, { result: ['success', 'pending'] }),
        'result: [success, pending]',
      ).toEqual(['b', 'a']);
      expect(await ids(adapter, { label: 'Alpha' }), "label: 'Alpha'").toEqual(['c', 'a']);
      expect(await ids(adapter, { label: 'alpha' }), 'labels match exactly').toEqual([]);
      expect(await ids(adapter, { label: 'Beta', result: 'error' }), 'label and result').toEqual([
        'd',
      ]);
      expect(
        await ids(adapter, { label: 'Alpha', state: 'stopped', result: 'success' }),
        'label, state and result',
      ).toEqual(['a']);
      expect(
        await ids(adapter, { state: ['stopped', 'paused'], result: ['error'] }),
        'state list and result list',
      ).toEqual(['d', 'c']);
    });

    test('findPlans pages with limit and offset after filtering', async (adapter) => {
      await seed(adapter);
      expect(await ids(adapter, { limit: 2 }), 'limit 2').toEqual(['d', 'c']);
      expect(await ids(adapter, { offset: 1, limit: 2 }), 'offset 1, limit 2').toEqual(['c', 'b']);
      expect(await ids(adapter, { offset: 3 }), 'offset 3 without limit').toEqual(['a']);
      expect(await ids(adapter, { offset: 10 }), 'offset past the end').toEqual([]);
      expect(await ids(adapter, { limit: 0 }), 'limit 0 returns nothing').toEqual([]);
      expect(await ids(adapter, { limit: 10 }), 'limit past the end').toEqual(['d', 'c', 'b', 'a']);
      expect(
        await ids(adapter, { state: 'stopped', offset: 1, limit: 5 }),
        'paging applies after filtering',
      ).toEqual(['a']);
    });

    test('findPlans returns copies', async (adapter) => {
      await seed(adapter);
      const [first] = await adapter.findPlans({ limit: 1 });
      expect(first).toBeDefined();
      if (first === undefined) return;
      first.label = 'changed';
      first.history.push({ at: 'x', event: 'tampered', worldId: 'w' });
      expect(
        (await adapter.findPlans({ limit: 1 }))[0],
        'mutating a listed plan must not change the store',
      ).toEqual(planRecord('d', 'paused', 'error', 'Beta'));
      expect((await adapter.loadPlan('d'))?.plan).toEqual(
        planRecord('d', 'paused', 'error', 'Beta'),
      );
    });
  });
}

function pad(n: number): string {
  return String(n % 1000).padStart(3, '0');
}
