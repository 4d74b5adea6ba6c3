import { beforeEach, describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import type { EventEnvelope } from '../../src/persistence/adapter.js';
import { MemoryAdapter } from '../../src/persistence/memory-adapter.js';
import type { ActionRecord, StepRecord } from '../../src/plan/records.js';
import type { StepState } from '../../src/plan/states.js';
import { actionRecord, planRecord, stepRecord } from '../helpers/records.js';

async function seed(adapter: MemoryAdapter, id: string, stepState: StepState = 'pending') {
  await adapter.write({
    plans: [planRecord(id)],
    actions: [{ planId: id, record: actionRecord(1) }],
    steps: [
      { planId: id, record: stepRecord(1, 'success', 'plan') },
      { planId: id, record: stepRecord(2, stepState) },
    ],
  });
}

let adapter: MemoryAdapter;
beforeEach(async () => {
  adapter = new MemoryAdapter();
  await adapter.start();
});

describe('MemoryAdapter write / loadPlan', () => {
  it('returns what was written, actions and steps ordered by id', async () => {
    const second: ActionRecord = { ...actionRecord(2), planStepId: 3, runStepId: 4, parentId: 1 };
    const ofSecond = (record: StepRecord): StepRecord => ({ ...record, actionId: 2 });
    await adapter.write({
      plans: [planRecord('p1')],
      actions: [
        { planId: 'p1', record: second },
        { planId: 'p1', record: actionRecord(1) },
      ],
      steps: [
        { planId: 'p1', record: ofSecond(stepRecord(4, 'pending')) },
        { planId: 'p1', record: ofSecond(stepRecord(3, 'success', 'plan')) },
        { planId: 'p1', record: stepRecord(1, 'success', 'plan') },
        { planId: 'p1', record: stepRecord(2, 'pending') },
      ],
    });
    const stored = await adapter.loadPlan('p1');
    expect(stored?.plan).toEqual(planRecord('p1'));
    expect(stored?.actions).toEqual([actionRecord(1), second]);
    expect(stored?.steps.map((s) => s.id)).toEqual([1, 2, 3, 4]);
    expect(stored?.steps[3]).toEqual(ofSecond(stepRecord(4, 'pending')));
  });

  it('returns undefined for an unknown plan', async () => {
    expect(await adapter.loadPlan('nope')).toBeUndefined();
  });

  it('returns copies: mutating what came back does not change the store', async () => {
    await seed(adapter, 'p1');
    const first = await adapter.loadPlan('p1');
    if (first === undefined) throw new Error('not stored');
    first.plan.state = 'stopped';
    first.plan.history.push({ at: 'x', event: 'tampered', worldId: 'w' });
    (first.plan.runFlow.flows as unknown[]).length = 0;
    (first.actions[0] as ActionRecord).input.name = 'changed';
    ((first.actions[0] as ActionRecord).input.nested as { list: number[] }).list.push(3);
    (first.steps[1] as StepRecord).state = 'success';
    first.steps.pop();
    const second = await adapter.loadPlan('p1');
    expect(second?.plan).toEqual(planRecord('p1'));
    expect(second?.actions).toEqual([actionRecord(1)]);
    expect(second?.steps).toEqual([stepRecord(1, 'success', 'plan'), stepRecord(2, 'pending')]);
  });

  it('does not keep the objects it was given', async () => {
    const plan = planRecord('p1');
    const action = actionRecord(1);
    const step = stepRecord(2, 'pending');
    await adapter.write({
      plans: [plan],
      actions: [{ planId: 'p1', record: action }],
      steps: [
        { planId: 'p1', record: stepRecord(1, 'success', 'plan') },
        { planId: 'p1', record: step },
      ],
    });
    plan.state = 'stopped';
    action.output.id = 'later';
    step.state = 'running';
    const stored = await adapter.loadPlan('p1');
    expect(stored?.plan.state).toBe('planned');
    expect(stored?.actions[0]?.output).toEqual({});
    expect(stored?.steps[1]?.state).toBe('pending');
  });

  it('a later write replaces records with the same key', async () => {
    await seed(adapter, 'p1');
    await adapter.write({
      plans: [planRecord('p1', 'running')],
      actions: [{ planId: 'p1', record: { ...actionRecord(1), output: { id: 'm-1' } } }],
      steps: [{ planId: 'p1', record: stepRecord(2, 'running') }],
    });
    const stored = await adapter.loadPlan('p1');
    expect(stored?.plan.state).toBe('running');
    expect(stored?.actions).toHaveLength(1);
    expect(stored?.actions[0]?.output).toEqual({ id: 'm-1' });
    expect(stored?.steps.map((s) => s.state)).toEqual(['success', 'running']);
  });

  it('a batch with a record for an unknown plan writes nothing (atomic)', async () => {
    await expect(
      adapter.write({
        plans: [planRecord('p1')],
        steps: [{ planId: 'unknown', record: stepRecord(1, 'pending') }],
      }),
    ).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(await adapter.loadPlan('p1')).toBeUndefined();
    expect(await adapter.findPlans()).toEqual([]);
  });

  it('a record for an unknown plan is refused with a FlowlineError naming the plan', async () => {
    await seed(adapter, 'p1');
    const error: unknown = await adapter
      .write({
        steps: [{ planId: 'p1', record: stepRecord(2, 'running') }],
        actions: [{ planId: 'unknown', record: actionRecord(1) }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(FlowlineError);
    expect((error as FlowlineError).planId).toBe('unknown');
    expect((error as FlowlineError).message).toContain('unknown');
    // the valid part of the batch was not applied either
    expect((await adapter.loadPlan('p1'))?.steps[1]?.state).toBe('pending');
  });

  it('child records may come in the same batch as their new plan', async () => {
    await seed(adapter, 'p2');
    expect((await adapter.loadPlan('p2'))?.steps).toHaveLength(2);
  });
});

describe('MemoryAdapter claimStep', () => {
  const claim = (stepId: number, from: StepState[], planId = 'p1') =>
    adapter.claimStep({ planId, stepId, from, at: '2024-02-02T00:00:00.000Z' });

  it('moves a step to running only from the allowed states', async () => {
    await seed(adapter, 'p1', 'error');
    expect(await claim(2, ['pending'])).toBe(false);
    expect((await adapter.loadPlan('p1'))?.steps[1]?.state).toBe('error');
    expect(await claim(2, ['pending', 'error'])).toBe(true);
    const step = (await adapter.loadPlan('p1'))?.steps[1];
    expect(step?.state).toBe('running');
    expect(step?.startedAt).toBe('2024-02-02T00:00:00.000Z');
    // now running: a second claim from the same states fails
    expect(await claim(2, ['pending', 'error'])).toBe(false);
  });

  it('keeps an existing startedAt and clears endedAt', async () => {
    await seed(adapter, 'p1', 'suspended');
    await adapter.write({
      steps: [
        {
          planId: 'p1',
          record: {
            ...stepRecord(2, 'suspended'),
            startedAt: '2020-01-01T00:00:00.000Z',
            endedAt: '2020-01-01T00:00:01.000Z',
          },
        },
      ],
    });
    expect(await claim(2, ['suspended'])).toBe(true);
    const step = (await adapter.loadPlan('p1'))?.steps[1];
    expect(step?.startedAt).toBe('2020-01-01T00:00:00.000Z');
    expect(step?.endedAt).toBeUndefined();
  });

  it('is false for an unknown plan or step', async () => {
    await seed(adapter, 'p1');
    expect(await claim(2, ['pending'], 'nope')).toBe(false);
    expect(await claim(99, ['pending'])).toBe(false);
  });

  it('two racing claims on one step: exactly one wins', async () => {
    await seed(adapter, 'p1');
    const results = await Promise.all([claim(2, ['pending']), claim(2, ['pending'])]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await adapter.loadPlan('p1'))?.steps[1]?.state).toBe('running');
  });

  it('many racing claims on one step: exactly one wins', async () => {
    await seed(adapter, 'p1');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => claim(2, ['pending', 'error'])),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a claim is visible to a later write of other steps and survives it', async () => {
    await seed(adapter, 'p1');
    expect(await claim(2, ['pending'])).toBe(true);
    await adapter.write({ plans: [planRecord('p1', 'running')] });
    expect((await adapter.loadPlan('p1'))?.steps[1]?.state).toBe('running');
  });
});

describe('MemoryAdapter findPlans', () => {
  beforeEach(async () => {
    await adapter.write({ plans: [planRecord('a', 'stopped', 'success', 'Alpha')] });
    await adapter.write({ plans: [planRecord('b', 'running', 'pending', 'Beta')] });
    await adapter.write({ plans: [planRecord('c', 'stopped', 'error', 'Alpha')] });
    await adapter.write({ plans: [planRecord('d', 'paused', 'error', 'Beta')] });
  });
  const ids = async (filter?: Parameters<MemoryAdapter['findPlans']>[0]) =>
    (await adapter.findPlans(filter)).map((p) => p.id);

  it('lists every plan, newest first', async () => {
    expect(await ids()).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({})).toEqual(['d', 'c', 'b', 'a']);
  });

  it('keeps a plan in its place when it is written again', async () => {
    await adapter.write({ plans: [planRecord('a', 'stopped', 'warning', 'Alpha')] });
    expect(await ids()).toEqual(['d', 'c', 'b', 'a']);
    expect((await adapter.findPlans({ result: 'warning' }))[0]?.id).toBe('a');
  });

  it('filters by state, one or several', async () => {
    expect(await ids({ state: 'stopped' })).toEqual(['c', 'a']);
    expect(await ids({ state: ['running', 'paused'] })).toEqual(['d', 'b']);
    expect(await ids({ state: 'planning' })).toEqual([]);
  });

  it('filters by result and label, combined', async () => {
    expect(await ids({ result: 'error' })).toEqual(['d', 'c']);
    expect(await ids({ result: ['success', 'pending'] })).toEqual(['b', 'a']);
    expect(await ids({ label: 'Alpha' })).toEqual(['c', 'a']);
    expect(await ids({ label: 'Beta', result: 'error' })).toEqual(['d']);
    expect(await ids({ label: 'Alpha', state: 'stopped', result: 'success' })).toEqual(['a']);
  });

  it('pages with limit and offset after filtering', async () => {
    expect(await ids({ limit: 2 })).toEqual(['d', 'c']);
    expect(await ids({ offset: 1, limit: 2 })).toEqual(['c', 'b']);
    expect(await ids({ offset: 3 })).toEqual(['a']);
    expect(await ids({ offset: 10 })).toEqual([]);
    expect(await ids({ limit: 0 })).toEqual([]);
    expect(await ids({ state: 'stopped', offset: 1, limit: 5 })).toEqual(['a']);
  });

  it('returns copies', async () => {
    const [first] = await adapter.findPlans({ limit: 1 });
    if (first === undefined) throw new Error('no plan');
    first.label = 'changed';
    expect((await adapter.findPlans({ limit: 1 }))[0]?.label).toBe('Beta');
  });
});

describe('MemoryAdapter events', () => {
  const envelope = (id: string, stepId = 2, planId = 'p1'): EventEnvelope => ({
    id,
    planId,
    stepId,
    payload: { n: id, list: [1] },
    createdAt: '2024-03-03T00:00:00.000Z',
  });

  it('takeEvent returns events first in, first out, then undefined', async () => {
    await adapter.enqueueEvent(envelope('e1'));
    await adapter.enqueueEvent(envelope('e2'));
    await adapter.enqueueEvent(envelope('e3'));
    expect((await adapter.takeEvent('p1', 2))?.id).toBe('e1');
    expect(await adapter.takeEvent('p1', 2)).toEqual(envelope('e2'));
    expect((await adapter.takeEvent('p1', 2))?.id).toBe('e3');
    expect(await adapter.takeEvent('p1', 2)).toBeUndefined();
  });

  it('keeps one queue per plan and step', async () => {
    await adapter.enqueueEvent(envelope('a', 2, 'p1'));
    await adapter.enqueueEvent(envelope('b', 3, 'p1'));
    await adapter.enqueueEvent(envelope('c', 2, 'p2'));
    expect((await adapter.takeEvent('p1', 3))?.id).toBe('b');
    expect((await adapter.takeEvent('p2', 2))?.id).toBe('c');
    expect((await adapter.takeEvent('p1', 2))?.id).toBe('a');
    expect(await adapter.takeEvent('p2', 3)).toBeUndefined();
  });

  it('stores a copy of the event', async () => {
    const event = envelope('e1');
    await adapter.enqueueEvent(event);
    (event.payload as { list: number[] }).list.push(2);
    expect((await adapter.takeEvent('p1', 2))?.payload).toEqual({ n: 'e1', list: [1] });
  });

  it('dropEvents removes and returns every queued event of a step, in order', async () => {
    await adapter.enqueueEvent(envelope('e1'));
    await adapter.enqueueEvent(envelope('e2'));
    await adapter.enqueueEvent(envelope('other', 5));
    expect((await adapter.dropEvents('p1', 2)).map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(await adapter.takeEvent('p1', 2)).toBeUndefined();
    expect(await adapter.dropEvents('p1', 2)).toEqual([]);
    expect((await adapter.takeEvent('p1', 5))?.id).toBe('other');
  });

  it('a queue can be used again after it was emptied', async () => {
    await adapter.enqueueEvent(envelope('e1'));
    await adapter.takeEvent('p1', 2);
    await adapter.enqueueEvent(envelope('e2'));
    expect((await adapter.takeEvent('p1', 2))?.id).toBe('e2');
  });
});
